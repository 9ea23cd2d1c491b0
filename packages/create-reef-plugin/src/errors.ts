/** What went wrong, by a code tests and callers can match, with a message naming the bad input. */
export type CreateErrorCode = 'BAD_NAME' | 'BAD_KIND' | 'BAD_ARGUMENTS' | 'TARGET_NOT_EMPTY' | 'NO_TEMPLATE';

/**
 * The scaffolder's refusals. Not `ReefError`: this package deliberately depends on nothing (npm
 * create downloads it on every run), and its errors end as a message and exit code 1.
 */
export class CreateError extends Error {
  override readonly name = 'CreateError';
  constructor(
    readonly code: CreateErrorCode,
    message: string,
  ) {
    super(message);
  }
}
