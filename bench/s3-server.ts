/**
 * The local S3 server (local/s3-server-process.js) against s3rver (the server it replaced; bench/s3rver-process.js),
 * side by side in one run: the same request mix through the project's own client (createS3Client + ObjectStore),
 * one request at a time, the two servers alternating batch by batch (which one goes first alternates too), so a
 * change of machine load hits both alike. Per operation: wall ms per request (median of the reps) and the server
 * process's CPU ms per request (/proc/<pid>/stat, 10 ms ticks over the whole batch), and the ratio s3rver / new.
 * When s3rver is not installed it says so and measures the new server alone.
 *
 * Usage: npm run bench:s3 [-- --reps 5]     (wrap in `flock /tmp/bench.lock` on a shared machine)
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { arg, emit, note, readyPort, run, tempDir } from './lib/cli';
import { childStats, machine, machineLine, otherLoadMeter } from './lib/machine';
import { median, round } from './lib/stats';
import { S3_SERVER_SCRIPT, startS3Server } from '../local/s3server';
import { createS3Client, ObjectStore, type S3Credentials } from '../shared/store/s3';

const BUCKET = 'bench';
const S3RVER_SCRIPT = 's3rver-process.js';

interface Server {
  readonly name: string;
  /** What its process's command line contains (for its CPU time). */
  readonly needle: string;
  readonly store: ObjectStore;
  stop(): Promise<void>;
}

/** s3rver as the harness ran it before (node --openssl-legacy-provider, its own key pair), or undefined if not installed. */
async function startS3rver(credentials: S3Credentials): Promise<Server | undefined> {
  try {
    require.resolve('s3rver');
  } catch {
    return undefined;
  }
  const dir = tempDir('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', path.join(__dirname, S3RVER_SCRIPT), '--dir', dir, '--port', '0', '--bucket', BUCKET], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, REGSWEEP_S3_ACCESS_KEY_ID: credentials.accessKeyId, REGSWEEP_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey },
  });
  const port = await readyPort(child, 's3rver');
  const client = createS3Client({ endpoint: `http://127.0.0.1:${port}`, credentials });
  return {
    name: 's3rver',
    needle: S3RVER_SCRIPT,
    store: new ObjectStore(client, BUCKET),
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNew(): Promise<Server> {
  const server = await startS3Server({ buckets: [BUCKET] });
  const client = createS3Client({ endpoint: server.endpoint, credentials: server.credentials });
  return {
    name: 'new',
    needle: S3_SERVER_SCRIPT,
    store: new ObjectStore(client, BUCKET),
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

/** A trial record's shape and size (~1.1 KB of JSON). */
function record(i: number) {
  return {
    trialId: `t-${i.toString(16).padStart(16, '0')}`,
    configId: `c-${(i % 97).toString(16).padStart(8, '0')}`,
    status: 'succeeded',
    params: { type: 'elasticnet', lambda: 0.001234 * (i + 1), l1Ratio: 0.5, dropout: 0, fold: i % 5 },
    metrics: { valLoss: 0.123456789 + i * 1e-6, trainLoss: 0.0987654321, r2: 0.87654321, sparsity: 0.25, bestEpoch: 17 },
    history: Array.from({ length: 12 }, (_, e) => ({ epoch: e, trainLoss: 1 / (e + 1), valLoss: 1.1 / (e + 1) })),
    durationMs: 12.5,
    finishedAt: '2026-11-30T12:00:00.000Z',
  };
}

interface Op {
  readonly name: string;
  /** Requests one call of `once` makes. */
  readonly requestsPerCall: number;
  readonly calls: number;
  once(store: ObjectStore, i: number): Promise<unknown>;
}

const BIG = randomBytes(110 * 1024);
const LIST_KEYS = 1000;
const LIST_PAGE = 100;

const OPS: Op[] = [
  { name: 'PUT 1.1 KB JSON record', requestsPerCall: 1, calls: 200, once: (s, i) => s.putJson(`rec/t-${i}.json`, record(i)) },
  { name: 'GET hit (1.1 KB)', requestsPerCall: 1, calls: 200, once: (s, i) => s.getJson(`rec/t-${i % 200}.json`) },
  { name: 'GET 404', requestsPerCall: 1, calls: 200, once: (s, i) => s.getBytes(`missing/t-${i}.json`) },
  { name: 'HEAD', requestsPerCall: 1, calls: 200, once: (s, i) => s.head(`rec/t-${i % 200}.json`) },
  {
    name: `LIST ${LIST_KEYS} keys, pages of ${LIST_PAGE}`,
    requestsPerCall: LIST_KEYS / LIST_PAGE,
    calls: 10,
    once: async (s) => {
      let token: string | undefined;
      let n = 0;
      do {
        const res = await s.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', MaxKeys: LIST_PAGE, ContinuationToken: token }));
        n += res.KeyCount ?? 0;
        token = res.NextContinuationToken;
      } while (token);
      if (n !== LIST_KEYS) throw new Error(`listed ${n} keys, expected ${LIST_KEYS}`);
    },
  },
  { name: 'PUT 110 KB', requestsPerCall: 1, calls: 50, once: (s, i) => s.putBytes(`big/${i % 10}.bin`, BIG) },
];

/** One batch of an op against one server: wall ms and server CPU ms per request. */
async function batch(server: Server, op: Op): Promise<{ ms: number; cpuMs: number }> {
  const cpu0 = childStats(server.needle)?.cpuMs ?? NaN;
  const t0 = performance.now();
  for (let i = 0; i < op.calls; i++) await op.once(server.store, i);
  const wall = performance.now() - t0;
  const cpu = (childStats(server.needle)?.cpuMs ?? NaN) - cpu0;
  const requests = op.calls * op.requestsPerCall;
  return { ms: wall / requests, cpuMs: cpu / requests };
}

async function main(): Promise<void> {
  const reps = Number(arg('reps', '5'));
  const m0 = machine();
  note(machineLine(m0));
  const fresh = await startNew();
  const old = await startS3rver({ accessKeyId: 'BENCHS3RVERKEY000000', secretAccessKey: randomBytes(30).toString('base64') });
  if (!old) note('s3rver is not installed: measuring only the new server');
  const servers = old ? [fresh, old] : [fresh];
  const others = otherLoadMeter(() => servers.reduce((a, s) => a + (childStats(s.needle)?.cpuMs ?? 0), 0));
  const results = new Map<string, Map<string, { ms: number[]; cpuMs: number[] }>>();
  try {
    for (const s of servers) {
      for (let i = 0; i < LIST_KEYS; i += 50)
        await Promise.all(Array.from({ length: 50 }, (_, j) => s.store.putJson(`list/k-${String(i + j).padStart(5, '0')}`, i + j)));
      for (const op of OPS) await batch(s, op); // warm-up: JIT, connections, the objects the reads read
    }
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? servers : [...servers].reverse();
      for (const op of OPS) {
        for (const s of order) {
          const r = await batch(s, op);
          const byOp = results.get(op.name) ?? new Map<string, { ms: number[]; cpuMs: number[] }>();
          results.set(op.name, byOp);
          const cell = byOp.get(s.name) ?? { ms: [], cpuMs: [] };
          byOp.set(s.name, cell);
          cell.ms.push(r.ms);
          cell.cpuMs.push(r.cpuMs);
        }
      }
      note(`rep ${rep + 1}/${reps} done`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const other = others();
  const rows = OPS.map((op) => {
    const byOp = results.get(op.name)!;
    const cell = (name: string) => {
      const c = byOp.get(name);
      return c ? { ms: round(median(c.ms), 3), cpuMs: round(median(c.cpuMs), 3), runs: c.ms.map((x) => round(x, 3)) } : undefined;
    };
    const n = cell('new')!;
    const o = cell('s3rver');
    return { op: op.name, new: n, s3rver: o, ratio: o ? round(o.ms / n.ms, 2) : undefined };
  });
  const fmt = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));
  const lines = [
    `local S3 server, ms per request (median of ${reps} reps; one request at a time through createS3Client/ObjectStore), server CPU ms per request`,
    machineLine(machine(), other),
    `${'operation'.padEnd(34)} ${'new ms'.padStart(8)} ${'s3rver ms'.padStart(10)} ${'ratio'.padStart(6)} ${'new CPU'.padStart(8)} ${'s3rver CPU'.padStart(11)}`,
    ...rows.map(
      (r) =>
        `${r.op.padEnd(34)} ${fmt(r.new.ms).padStart(8)} ${fmt(r.s3rver?.ms).padStart(10)} ${(r.ratio === undefined ? '-' : `${r.ratio}x`).padStart(6)} ${fmt(r.new.cpuMs).padStart(8)} ${fmt(r.s3rver?.cpuMs).padStart(11)}`,
    ),
    ...(old ? [] : ['s3rver is not installed: only the new server was measured']),
  ];
  emit(lines, { bench: 's3-server', reps, rows, machine: machine(), otherLoad: other });
}

run(main);
