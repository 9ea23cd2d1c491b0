import { ReefError } from '@reef/core/errors';
import { closestName } from '@reef/core/exit-codes';
import type { Command, CommanderError } from 'commander';

/** Commander's codes that are not failures: help or the version was asked for and printed. */
const NOT_FAILURES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Every long option `cmd` understands, its parents' (global options such as --plugin) included. */
function optionsOf(cmd: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) for (const o of c.options) if (o.long) names.push(o.long);
  return names;
}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's parse errors as Reef's usage errors: the same `reef:` prefix and exit code as every
 * other usage error (docs/errors.md), one line, our own wording ("unknown option --bogus (did you
 * mean --bits?)") and the help command to run. Help and --version pass through unchanged.
 */
export function usageError(err: CommanderError, cmd: Command): Error {
  if (NOT_FAILURES.has(err.code)) return err;
  const help = `see '${fullName(cmd)} --help'`;
  const option = /unknown option '([^']+)'/.exec(err.message)?.[1];
  if (err.code === 'commander.unknownOption' && option) {
    const near = option.startsWith('--') ? closestName(option, optionsOf(cmd)) : undefined;
    return new ReefError('USAGE', `unknown option ${option}${near ? ` (did you mean ${near}?)` : ''}; ${help}`, { cause: err });
  }
  const message = err.message.split('\n')[0].replace(/^error: /, '').replace(/\.$/, '');
  return new ReefError('USAGE', `${message}; ${help}`, { cause: err });
}

/** "unknown command 'x' (did you mean 'y'?)" for the top-level program. */
export function unknownCommand(program: Command, name: string): ReefError {
  const near = closestName(name, program.commands.map((c) => c.name()));
  return new ReefError('USAGE', `unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}; see 'reef --help'`);
}
