import { ReefError, isReefError } from '@reef/core/errors';

/**
 * @reef/store names the options in its errors as its API spells them, in backticks (`maxRelError`);
 * the CLI shows the flags users type. Options not listed keep the library's name.
 */
const FLAGS: Readonly<Record<string, string>> = {
  message: '-m',
  as: '--as',
  force: '--force',
  strategy: '--strategy',
  maxRelError: '--max-rel-error',
  pqMinBytes: '--pq-min-bytes',
  select: '--select',
  k: '--k',
};

/** The message with each backticked option name replaced by its flag. */
export function withFlagNames(message: string): string {
  return message.replace(/`(\w+)`/g, (whole, name: string) => FLAGS[name] ?? whole);
}

/** A library error as the CLI reports it (the same code, flags for option names); anything else unchanged. */
export function asCliError(err: unknown): unknown {
  if (!isReefError(err)) return err;
  const message = withFlagNames(err.message);
  return message === err.message ? err : new ReefError(err.code, message, { cause: err });
}
