import { SepconvError } from '../errors.js';
import { dawnGpu } from '../gpu/dawn.js';
import { setGpuSource } from '../gpu/device.js';
import { UsageError, type Command } from './args.js';
import { compareCommand } from './compare.js';
import { processIo, type CliIo } from './io.js';
import { runCommand } from './run.js';
import { summaryCommand } from './summary.js';
import { validateCommand } from './validate.js';

/** Every subcommand, in `--help` order: adding one is one line here. */
export const COMMANDS: readonly Command[] = [summaryCommand, compareCommand, validateCommand, runCommand];

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: sepconv <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary ?? c.usage.split('\n')[0]}`),
    '',
    "run 'sepconv <command> --help' for a command's options",
  ].join('\n');
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code: 0 ok, 1 engine error
 * (a SepconvError, printed with its class name), 2 usage error.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  setGpuSource(dawnGpu);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(help());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`sepconv: unknown command "${name}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`sepconv ${cmd.name}: ${e.message}\n\n${e.usage ?? cmd.usage}`);
      return EXIT_USAGE;
    }
    if (e instanceof SepconvError) {
      io.err(`sepconv ${cmd.name}: ${e.name}: ${e.message}`);
      return EXIT_ERROR;
    }
    io.err(`sepconv ${cmd.name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_ERROR;
  }
}
