/**
 * `pnpm reef …` runs the root package's script in the repository root, not where the user typed it,
 * and pnpm 10 passes a `--` the user wrote (`pnpm reef -- plugins --json`) on to the script. Both
 * are undone here so that `pnpm reef <args>` behaves like `reef <args>` in the caller's folder.
 */
export function asTypedByTheUser(argv: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  // INIT_CWD is where pnpm/npm was started; trusted only when our own `reef` script is running.
  if (env.npm_lifecycle_event === 'reef' && env.INIT_CWD) process.chdir(env.INIT_CWD);
  // argv: [node, script, ...args]; a separator before any argument separates nothing.
  return argv[2] === '--' ? [...argv.slice(0, 2), ...argv.slice(3)] : argv;
}
