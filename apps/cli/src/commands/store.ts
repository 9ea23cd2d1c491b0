import { ReefError } from '@reef/core/errors';
import { EXIT_CODES } from '@reef/core/exit-codes';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type * as StoreCommands from './store-commands.js';
import type { CommandEnv } from './store-commands.js';
import type { DeltaTypeSource } from '@reef/store';

/** The commands' text and the store itself, loaded when a command runs (not when `reef` starts). */
const commands = (): Promise<typeof StoreCommands> => import('./store-commands.js');

/**
 * The weight-store commands (init, add, status, commit, log, show, diff, checkout, export, branch,
 * tag, merge, gc, fsck, stats, unlock). Parsing here, the text in store-commands.ts, the work in @reef/store.
 */
/** The delta types of a command that decodes no tensor: none; asking for one is a bug in the CLI. */
const NO_DELTA_TYPES: DeltaTypeSource = {
  deltaTypes: () => [],
  deltaType: (id: string) => {
    throw new Error(`read-only command asked for delta type '${id}'`);
  },
};

export function register(program: Command, ctx: CliContext): void {
  // REEF_WRITER names this writer for the staging rule (see `reef commit --help`).
  const writer = process.env.REEF_WRITER || undefined;
  const env = async (): Promise<CommandEnv> => ({ cwd: process.cwd(), registry: await ctx.registry('deltaTypes'), writer });
  // status, log, show, branch, tag and a plain commit decode no tensor: no delta type, so no plugin is loaded for
  // them, and no Registry either (it brings the DI container, ~0.1 s of start-up).
  const bare = (): CommandEnv => ({ cwd: process.cwd(), registry: NO_DELTA_TYPES, writer });
  // Names and messages come from files and repositories: escaped, so no byte reaches the terminal raw.
  const print = async (lines: string[]): Promise<void> => {
    const { printable } = await import('@reef/store'); // loaded with the commands already, never at start-up
    for (const line of lines) for (const part of line.split('\n')) ctx.out(printable(part, Infinity));
  };

  program.command('init [dir]').description('create an empty weight repository (.reef)').action(async (dir?: string) => {
    await print((await commands()).initCommand(await env(), dir));
  });
  program
    .command('add <files...>')
    .description('stage model files (.safetensors, .npy, .npz): store new tensors, as deltas where they pay')
    .option('--as <path>', 'track the (single) file under another path')
    .action(async (files: string[], opts: { as?: string }) => {
      // The pack-writing thread starts first: h5wasm loads while the store and the plugins do.
      (await import('@reef/store/prepare')).prepareAdd(files, process.cwd());
      const [run, environment] = await Promise.all([commands(), env()]); // module loads overlap
      await print(await run.addCommand(environment, files, opts));
    });
  program.command('status').description('show staged and unstaged changes').action(async () => await print(await (await commands()).statusCommand(bare())));
  program
    .command('commit [files...]')
    .description('record your staged changes as a new commit; with files: add them and commit just those, under one lock (safe beside other writers)')
    .addHelpText(
      'after',
      `
Writers at the same time: every change \`reef add\` stages records its writer (the add process
and its parents: your shell, script or job). A plain \`reef commit\` takes the changes whose
writer is its own (the first of their processes still running is the commit or one of its
parents), changes of writers that have ended, and changes staged by older reef versions; the
changes of another shell, script or job still running stay staged for it, and \`reef status\` names
who staged them. So \`reef add x && reef commit -m x\` in two shells or jobs at once commits each
writer's file under its own message. Writers started by one program share it: give each its own
REEF_WRITER=<name> (then only the same name is the same writer), or use \`reef commit -m <msg>
<files>\`, which adds and commits exactly those files under one lock.
`,
    )
    .requiredOption('-m, --message <text>', 'commit message (required)')
    .option('--all-writers', 'also take the changes staged by other writers that are still running')
    .option('--lossless', 'store every tensor byte-exactly (the default)')
    .option('--max-rel-error <bound>', 'store new tensors lossily where the measured relative L2 error stays within bound (e.g. 1e-3)', (v) => positiveFloat(v, '--max-rel-error'))
    .option('--pq-min-bytes <n>', 'with --max-rel-error: try PQ deltas only on tensors of at least n bytes (default 1024)', (v) => nonNegativeInt(v, '--pq-min-bytes'))
    .option('--codebooks <mode>', 'with --max-rel-error: shared (one PQ codebook per commit, default) or per-tensor', (v) => codebookMode(v))
    .action(async (files: string[], opts: { message: string; allWriters?: boolean; lossless?: boolean; maxRelError?: number; pqMinBytes?: number; codebooks?: 'shared' | 'per-tensor' }) => {
      if (opts.maxRelError === undefined && (opts.pqMinBytes !== undefined || opts.codebooks !== undefined)) {
        throw new ReefError('INVALID_PARAM', '--pq-min-bytes and --codebooks apply only with --max-rel-error');
      }
      // A plain commit records what add staged and encodes nothing: no plugin to load.
      const plain = files.length === 0 && opts.maxRelError === undefined;
      // With files and no bound, it adds them first (lossless): the pack-writing thread starts now.
      if (files.length > 0 && opts.maxRelError === undefined) (await import('@reef/store/prepare')).prepareAdd(files, process.cwd());
      await print(await (await commands()).commitCommand(plain ? bare() : await env(), opts.message, { ...opts, files }));
    });
  program
    .command('log [rev]')
    .description('list commits reachable from a revision (default HEAD)')
    .option('-n, --limit <n>', 'show at most n commits', (v) => positiveInt(v, '--limit'))
    .option('--oneline', 'one line per commit')
    .action(async (rev: string | undefined, opts: { limit?: number; oneline?: boolean }) => await print(await (await commands()).logCommand(bare(), rev, opts)));
  program.command('show [rev]').description('show a commit: files, tensors and how each is stored').action(async (rev?: string) => await print(await (await commands()).showCommand(bare(), rev)));
  program
    .command('diff <from> [to]')
    .description('per tensor: added, removed, changed with the L2 norm of the change (to defaults to HEAD)')
    .action(async (from: string, to?: string) => await print(await (await commands()).diffCommand(await env(), from, to)));
  program
    .command('checkout <rev>')
    .description('write the files of a revision (branch, tag or hash) and move HEAD to it')
    .option('-f, --force', 'discard uncommitted changes')
    .action(async (rev: string, opts: { force?: boolean }) => await print(await (await commands()).checkoutCommand(await env(), rev, opts)));
  program
    .command('export <rev>')
    .description('write a revision as one file (byte-identical to what was added when the format matches)')
    .requiredOption('--format <format>', 'safetensors or npz (required)')
    .option('-o, --output <file>', 'file to write (default: <rev>.<format> in the current folder)')
    .option('--path <tracked>', 'export this tracked file only')
    .action(async (rev: string, opts: { format: string; output?: string; path?: string }) => await print(await (await commands()).exportCommand(await env(), rev, opts)));
  program
    .command('branch [name] [rev]')
    .description('list branches, or create one at rev (default HEAD)')
    .option('-d, --delete', 'delete the branch')
    .action(async (name: string | undefined, rev: string | undefined, opts: { delete?: boolean }) => await print(await (await commands()).branchCommand(bare(), name, rev, opts)));
  program
    .command('tag [name] [rev]')
    .description('list tags, or tag rev (default HEAD)')
    .option('-d, --delete', 'delete the tag')
    .action(async (name: string | undefined, rev: string | undefined, opts: { delete?: boolean }) => await print(await (await commands()).tagCommand(bare(), name, rev, opts)));
  program
    .command('merge <rev>')
    .description('merge a revision into the current branch (fast-forward when possible)')
    .option('--strategy <name>', 'resolve conflicting tensors: ours, theirs, average, weighted')
    .option('--weight <w>', 'for weighted: w*ours + (1-w)*theirs', (v) => unitFloat(v))
    .option('-m, --message <text>', 'merge commit message')
    .action(async (rev: string, opts: { strategy?: string; weight?: number; message?: string }) => await print(await (await commands()).mergeCommand(await env(), rev, opts)));
  program.command('gc').description('remove objects and commits nothing reaches, and leftovers of interrupted writes').action(async () => await print(await (await commands()).gcCommand(await env())));
  program
    .command('fsck')
    .description('re-hash every commit and tensor and check refs; exits 1 on corruption')
    .action(async () => {
      const { lines, ok } = await (await commands()).fsckCommand(await env());
      await print(lines);
      if (!ok) process.exitCode = EXIT_CODES.checkFailed;
    });
  program
    .command('unlock')
    .description('remove the lock of a reef command that was killed, and temporary lock files killed commands left (--force: a lock from another host)')
    .option('--force', 'also remove a lock held from another host, or an unreadable one')
    .action(async (opts: { force?: boolean }) => await print(await (await commands()).unlockCommand(await env(), opts)));
  program
    .command('stats')
    .description('bytes as added against bytes on disk, per delta type')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => await print(await (await commands()).statsCommand(await env(), opts)));
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ReefError('INVALID_PARAM', `${what} must be a positive integer, got '${v}'`);
  return n;
}

function positiveFloat(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ReefError('INVALID_PARAM', `${what} must be a number > 0, got '${v}'`);
  return n;
}

function nonNegativeInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ReefError('INVALID_PARAM', `${what} must be an integer >= 0, got '${v}'`);
  return n;
}

function codebookMode(v: string): 'shared' | 'per-tensor' {
  if (v !== 'shared' && v !== 'per-tensor') throw new ReefError('INVALID_PARAM', `--codebooks must be shared or per-tensor, got '${v}'`);
  return v;
}

function unitFloat(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new ReefError('INVALID_PARAM', `--weight must be a number in [0, 1], got '${v}'`);
  return n;
}
