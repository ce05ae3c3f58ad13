/**
 * The CLI is a thin shell over the SDK: a command table; each command is a small
 * module with register(program). One top-level catch maps errors to exit codes:
 *   0 done · 2 invalid input · 3 run failed · 4 environment missing · 130 cancelled · 1 tlorc bug
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { EXIT } from '../errors/index.js';
import { printError } from './ui/errors.js';

type Registrar = { register(program: Command): void };

const COMMANDS: (() => Promise<Registrar>)[] = [
  () => import('./commands/run.js'),
  () => import('./commands/validate.js'),
  () => import('./commands/generate.js'),
  () => import('./commands/schema.js'),
  () => import('./commands/setup.js'),
  () => import('./commands/doctor.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/runs.js'),
];

export async function buildProgram(): Promise<Command> {
  const version = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('tlorc')
    .description('transfer-learning orchestrator: a typed spec in, a readable Keras 3 / PyTorch training run out')
    .version(version)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', `
Exit codes: 0 done, 2 invalid input (spec, flags, data), 3 run failed, 4 environment missing
(Python, Docker, server), 130 cancelled, 1 internal error.
Environment: TLORC_HOME (default ~/.tlorc), TLORC_PYTHON, TLORC_SERVER, TLORC_TOKEN.`);
  for (const load of COMMANDS) (await load()).register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `tlorc runs logs <id> | head`: the reader went away; that ends the command, it is no crash
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  });
  let program: Command;
  try {
    program = await buildProgram();
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors are invalid input
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
      return;
    }
    process.exitCode = printError(e, argv.includes('--json'));
  }
}
