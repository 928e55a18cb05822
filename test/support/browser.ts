/**
 * Test helper: render an HTML file in headless Chromium (Debian's `chromium` package; Playwright's browser
 * download does not work offline). Returns the DOM after scripts ran and writes a screenshot.
 *
 *     const chromium = findChromium();
 *     (chromium ? it : it.skip)('renders', async () => { const { dom } = await renderInChromium(html, png); });
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CHROMIUM_INSTALL_HINT = 'apt-get install -y chromium (or set CHROMIUM_PATH to a Chromium/Chrome binary)';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, /usr/bin/chromium, or `chromium` (then chromium-browser, google-chrome) on PATH; undefined when none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface RenderOptions {
  /** The Chromium binary. @default findChromium() */
  readonly chromium?: string;
  /** Kill Chromium after this long, per run. @default 60000 */
  readonly timeoutMs?: number;
  /** Virtual time the page gets for its scripts and timers. @default 5000 */
  readonly virtualTimeBudgetMs?: number;
  /** @default [1280, 2400] */
  readonly windowSize?: readonly [number, number];
}

function run(binary: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const why = (error as NodeJS.ErrnoException & { killed?: boolean }).killed ? `timed out after ${timeoutMs} ms` : error.message;
        reject(
          new Error(
            `chromium ${args.filter((a) => a.startsWith('--dump-dom') || a.startsWith('--screenshot')).join(' ')} failed: ${why}\n${stderr.slice(-2000)}`,
          ),
        );
      } else resolve({ stdout, stderr });
    });
  });
}

/**
 * Open `htmlFile` in headless Chromium twice (a fresh profile each time, no network services): once with
 * --dump-dom (returned), once with --screenshot=<pngFile>.
 */
export async function renderInChromium(htmlFile: string, pngFile: string, opts: RenderOptions = {}): Promise<{ dom: string }> {
  const binary = opts.chromium ?? findChromium();
  if (!binary) throw new Error(`no Chromium found: ${CHROMIUM_INSTALL_HINT}`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const [w, h] = opts.windowSize ?? [1280, 2400];
  const url = `file://${path.resolve(htmlFile)}`;
  const withProfile = async <T>(fn: (profile: string) => Promise<T>): Promise<T> => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-chromium-'));
    try {
      return await fn(profile);
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
  const common = (profile: string) => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${opts.virtualTimeBudgetMs ?? 5000}`,
    `--window-size=${w},${h}`,
  ];
  const { stdout: dom } = await withProfile((profile) => run(binary, [...common(profile), '--dump-dom', url], timeoutMs));
  fs.mkdirSync(path.dirname(path.resolve(pngFile)), { recursive: true });
  fs.rmSync(pngFile, { force: true });
  await withProfile((profile) => run(binary, [...common(profile), '--hide-scrollbars', `--screenshot=${path.resolve(pngFile)}`, url], timeoutMs));
  if (!fs.existsSync(pngFile)) throw new Error(`chromium did not write the screenshot ${pngFile}`);
  return { dom };
}
