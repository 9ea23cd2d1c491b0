import { isReefError } from '@reef/core';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandModules } from './commands/index.js';
import { asTypedByTheUser } from './caller-folder.js';
import { CLI_PACKAGE_DIR, createContext, type CliContext } from './context.js';

export type { CliContext } from './context.js';

function version(): string {
  return (JSON.parse(readFileSync(join(CLI_PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Builds the `reef` program; exported so tests and other hosts can run it in-process. */
export function buildProgram(ctx?: CliContext): Command {
  const program = new Command();
  const context = ctx ?? createContext(() => program.opts<{ plugin: string[] }>().plugin);
  program
    .name('reef')
    .description('Reef: vector quantization plugins, benchmarks and a version store for model weights')
    .version(version())
    .option('--plugin <path|package>', 'load a third-party or local plugin (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  // Reject unknown commands instead of silently printing help.
  program.on('command:*', (operands: string[]) => {
    throw new CommanderError(1, 'reef.unknownCommand', `error: unknown command '${operands[0]}'. See 'reef --help'.`);
  });
  for (const module of commandModules) module.register(program, context);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(asTypedByTheUser(argv));
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'reef.unknownCommand') process.stderr.write(err.message + '\n');
      return err.exitCode || 1;
    }
    if (isReefError(err)) {
      process.stderr.write(`reef: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`reef: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}
