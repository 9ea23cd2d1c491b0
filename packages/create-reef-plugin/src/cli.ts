import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateError } from './errors.js';
import { KINDS } from './kinds.js';
import { scaffold, type ScaffoldResult } from './scaffold.js';

export const USAGE = `Usage: npm create reef-plugin@latest <folder> -- --kind <kind> [--name <package>] [--id <plugin-id>]
       create-reef-plugin <folder> --kind <kind> [--name <package>] [--id <plugin-id>]

Creates a Reef plugin package in <folder> (new, or empty).

  --kind   ${Object.entries(KINDS).map(([name, k]) => `${name}: ${k.description}`).join('\n           ')}
  --name   the package name (default: the folder's name)
  --id     the plugin id (default: the package name without its scope and a reef-quantizer- or
           reef-delta- prefix)
`;

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the command line; returns the exit code. */
export function main(argv: readonly string[], cwd: string, output: Output): number {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new CreateError('BAD_ARGUMENTS', `expected one folder, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    if (values.kind === undefined) throw new CreateError('BAD_ARGUMENTS', `--kind is required: one of ${Object.keys(KINDS).join(', ')}`);
    const result = scaffold({ targetDir: resolve(cwd, positionals[0]), kind: values.kind, packageName: values.name, id: values.id });
    for (const line of nextSteps(result, cwd)) output.out(line);
    return 0;
  } catch (err) {
    if (!(err instanceof CreateError)) throw err;
    output.err(`create-reef-plugin: ${err.message}`);
    if (err.code === 'BAD_ARGUMENTS') output.err(USAGE);
    return 1;
  }
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { kind: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new CreateError('BAD_ARGUMENTS', (err as Error).message);
  }
}

/** What to print after creating: where the package is, and the commands that build and test it. */
export function nextSteps(result: ScaffoldResult, cwd: string): string[] {
  const folder = relative(cwd, result.dir) || '.';
  return [
    `Created ${result.packageName} in ${folder}: ${KINDS[result.kind].description.replace(/ \(.*\)$/, '')} with id '${result.id}'.`,
    '',
    'Next steps:',
    `  cd ${folder}`,
    '  npm install',
    '  npm test        # builds, then runs the @reef/testkit contract',
    '',
    'Then make it yours: the README lists what each file does, and docs/writing-a-plugin.md in the Reef',
    'repository explains every part of a plugin.',
  ];
}
