/**
 * Many `regsweep` command lines in one process, for catalogues of CLI cases (test/integration/bad-input.test.ts):
 * loading the CLI costs about 0.7 s of CPU per process (the AWS SDK, zod, tsx), so one process per case spent
 * nearly all its time starting up. Each command line runs through the CLI's own `main` (cli/main.ts, what
 * bin/regsweep.js calls: the same program, error mapping and exit code) with stdout and stderr captured.
 *
 *     node --require tsx/cjs test/support/cli-batch.ts < cases.json
 *
 * reads a JSON array of argument lists on stdin and prints one JSON line per case, in order, as each ends:
 * `{ "i": 0, "code": 2, "stdout": "", "stderr": "regsweep: error: ...\n" }`.
 */
import { main } from '../../cli/main';

export interface BatchResult {
  readonly i: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runBatch(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const cases = JSON.parse(input) as string[][];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  for (const [i, argv] of cases.entries()) {
    const captured = { stdout: '', stderr: '' };
    const capture = (key: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = capture('stdout');
    process.stderr.write = capture('stderr');
    let code: number;
    try {
      code = await main(argv);
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
    }
    const result: BatchResult = { i, code, ...captured };
    write.out(`${JSON.stringify(result)}\n`);
  }
}

if (require.main === module) {
  runBatch().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`cli-batch: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
