/**
 * The `regsweep` command: parses the arguments and hands each command to its module, which calls the API (api/)
 * and prints. Bad input (a UserInputError or a usage error): one line on stderr, exit 2. A
 * command that fails for another reason (a sweep that fails): its cause on stderr, exit 1. Interrupted (Ctrl-C):
 * exit 130 (SIGTERM 143, SIGHUP 129). No stack traces unless REGSWEEP_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../api/paths';
import { isUserInputError } from '../shared/errors';
import { registerCloud } from './cloud';
import { registerReport } from './report/command';
import { registerLocal } from './local';
import { registerPredict } from './predict';
import { registerTrain } from './train';
import { registerValidate } from './validate';

export function buildProgram(): Command {
  const program = new Command('regsweep')
    .description('hyperparameter search for regularization: none, L1, L2, elastic net, dropout')
    .version(packageVersion(), '-V, --version', 'print the version of regsweep')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `regsweep: ${s}` : s) });
  registerLocal(program);
  registerTrain(program);
  registerReport(program);
  registerPredict(program);
  registerValidate(program);
  registerCloud(program);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    // A command that ends without an exception but not in success (a failed sweep: 1, interrupted: 130) says so
    // in process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line error
    }
    const debug = process.env.REGSWEEP_DEBUG === '1';
    if (isUserInputError(e)) {
      process.stderr.write(`regsweep: error: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`regsweep: failed: ${err?.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err?.message ?? String(e)}\n`);
    if (debug) process.stderr.write(`${err?.stack}\n`);
    return 1;
  }
}

if (require.main === module || process.env.REGSWEEP_CLI_ENTRY === '1') {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Interrupted: leave now, without waiting for the work that was abandoned (a stopped sweep's pending calls).
    if (code === 129 || code === 130 || code === 143) process.exit(code);
  });
}
