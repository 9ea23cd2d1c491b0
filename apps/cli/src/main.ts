import { EXIT_CODES, debugRequested, formatFailure } from '@reef/core/exit-codes';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandModules } from './commands/index.js';
import { asTypedByTheUser } from './caller-folder.js';
import { CLI_PACKAGE_DIR, createContext, type CliContext } from './context.js';
import { unknownCommand, usageError } from './usage-errors.js';

export type { CliContext } from './context.js';

function version(): string {
  return (JSON.parse(readFileSync(join(CLI_PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Builds the `reef` program; exported so tests and other hosts can run it in-process. */
export function buildProgram(ctx?: CliContext): Command {
  const program = new Command();
  const context = ctx ?? createContext(() => program.opts<{ plugin: string[] }>().plugin, undefined, undefined, () => program.opts<{ quiet?: boolean }>().quiet === true);
  program
    .name('reef')
    .description('Reef: vector quantization plugins, benchmarks and a version store for model weights')
    .version(version())
    .option('--plugin <path|package>', 'load a third-party or local plugin (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--debug', 'print the stack trace of any failure (also REEF_DEBUG=1)')
    .option('-q, --quiet', 'no progress line on the terminal (it is never drawn when stderr is not a terminal)')
    // Parse errors are reported by main() as one `reef:` line; commander prints nothing itself.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} });
  // Reject unknown commands instead of silently printing help.
  program.on('command:*', (operands: string[]) => {
    throw unknownCommand(program, operands[0]);
  });
  for (const module of commandModules) module.register(program, context);
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    cmd.exitOverride((err: CommanderError) => {
      throw usageError(err, cmd);
    });
  }
  return program;
}

/**
 * Runs the CLI; returns the process exit code (docs/errors.md: 2 usage, 3 bad input, 4 repository,
 * 70 internal). Every failure is one `reef:` line on stderr; `--debug` adds the stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(asTypedByTheUser(argv));
    // A command may end with a status of its own (fsck: 1 when it found problems).
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.ok;
  } catch (err) {
    // Help or --version, already printed; help shown because no command was given is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    const { exitCode, lines } = formatFailure(err, 'reef', debugRequested(argv.slice(2), process.env));
    process.stderr.write(lines.join('\n') + '\n');
    return exitCode;
  }
}
