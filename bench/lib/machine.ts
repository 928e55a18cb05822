/**
 * The machine a benchmark runs on and its load: hardware, load average, the CPU other jobs took meanwhile, and
 * the CPU and memory of this process and its children (Linux /proc).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { round } from './stats';

export interface Load {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export function loadNow(): Load {
  const [load1, load5, load15] = os.loadavg().map((x) => +x.toFixed(2));
  return { load1, load5, load15 };
}

/** Busy CPU time (ms) of the whole machine, from /proc/stat (user, nice, system, irq, softirq, steal). */
function machineBusyMs(): number {
  const f = /^cpu\s+(.+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1].split(/\s+/).map(Number);
  return ((f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 1000) / 100;
}

/** CPU time (ms) of this process and of its children that have exited (cutime, cstime). */
function ownTreeMs(): number {
  const st = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
}

export interface OtherLoad {
  /** Cores used on average by processes other than this benchmark (and its children) during the measurement. */
  readonly otherCores: number;
  /** Cores used on average by the whole machine. */
  readonly machineCores: number;
  /** More than half a core went to other jobs: the figures are pessimistic. */
  readonly high: boolean;
}

/**
 * Measures how much CPU other jobs took while a benchmark ran, which the load average cannot tell (it counts
 * the benchmark itself). `liveChildren` gives the CPU ms of children still running (e.g. the S3 server).
 * Returns undefined outside Linux.
 */
export function otherLoadMeter(liveChildren: () => number = () => 0): () => OtherLoad | undefined {
  let start: { t: number; busy: number; own: number } | undefined;
  try {
    start = { t: performance.now(), busy: machineBusyMs(), own: ownTreeMs() + liveChildren() };
  } catch {
    return () => undefined;
  }
  return () => {
    const s = start;
    const dt = performance.now() - s.t;
    const busy = machineBusyMs() - s.busy;
    const own = ownTreeMs() + liveChildren() - s.own;
    const otherCores = round(Math.max(0, busy - own) / dt, 2);
    return { otherCores, machineCores: round(busy / dt, 2), high: otherCores > 0.5 };
  };
}

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly simd: string[];
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  readonly load: Load;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  let simd: string[] = [];
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpuModel;
    const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    simd = ['avx2', 'avx512f', 'fma'].filter((f) => flags.has(f));
  } catch {
    // not Linux: os.cpus() is enough
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpuModel,
    simd,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load: loadNow(),
  };
}

export function machineLine(m: Machine = machine(), other?: OtherLoad): string {
  const l = m.load;
  const others = other ? `; other jobs used ${other.otherCores} of ${m.nproc} cores meanwhile${other.high ? ' (HIGH: the figures are pessimistic)' : ''}` : '';
  return `machine: ${m.nproc} x ${m.cpuModel} (${m.simd.join(', ') || 'no AVX flags'}), ${m.memoryGb} GB, node ${m.node}; load average ${l.load1} / ${l.load5} / ${l.load15}${others}`;
}

/** CPU time (user + system, ms) and memory (VmHWM peak, VmRSS now; MB) of a child process of this one. */
export interface ChildStats {
  readonly pid: number;
  readonly cpuMs: number;
  readonly peakMb: number;
  readonly rssMb: number;
}

/** The first child process of this process whose command line contains `needle` (Linux /proc), if any. */
export function childStats(needle: string): ChildStats | undefined {
  return childrenStats(needle)[0];
}

/** CPU ms of every running child whose command line contains `needle`. */
export const childrenCpuMs = (needle: string) => childrenStats(needle).reduce((a, c) => a + c.cpuMs, 0);

/** Every child process of this process whose command line contains `needle` (Linux /proc). */
export function childrenStats(needle: string): ChildStats[] {
  const out: ChildStats[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux
  }
  const ticks = 100; // USER_HZ on Linux
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== process.pid) continue;
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) continue;
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      out.push({
        pid: Number(pid),
        cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / ticks,
        peakMb: round(kb('VmHWM') / 1024, 1),
        rssMb: round(kb('VmRSS') / 1024, 1),
      });
    } catch {
      // the process went away
    }
  }
  return out;
}

/** CPU time (ms) of this whole process: main thread and every worker thread. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
