/**
 * Every error Reef raises on bad input is a ReefError with a stable code, so callers (the CLI,
 * the sweep runner) can react to the kind of problem while users read a message naming the value.
 */
export type ReefErrorCode =
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE'
  | 'EMPTY_DATA'
  | 'TOO_FEW_POINTS'
  | 'INVALID_PARAM'
  | 'UNKNOWN_PARAM'
  | 'NOT_TRAINED'
  | 'BAD_CODES'
  | 'BAD_MODEL'
  | 'UNKNOWN_PLUGIN'
  | 'DUPLICATE_PLUGIN'
  | 'PLUGIN_API_VERSION'
  | 'PLUGIN_LOAD'
  | 'MISSING_SERVICE'
  | 'UNSUPPORTED'
  | 'BAD_TENSOR'
  | 'BAD_FILE'
  /** The command line itself is wrong (unknown option or command, missing value); raised by hosts. */
  | 'USAGE'
  /** The repository cannot be used as it is: not a repository, damaged (missing or corrupt objects, refs). */
  | 'REPOSITORY'
  /** Another command holds the repository's lock (or left it behind); the message says how to recover. */
  | 'LOCKED';

export class ReefError extends Error {
  readonly code: ReefErrorCode;
  constructor(code: ReefErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReefError';
    this.code = code;
  }

  /**
   * `err instanceof ReefError` also holds for a ReefError made by another copy of this package: a
   * plugin installed in its own folder brings its own @reef/core, and the host must still tell its
   * refusals (NON_FINITE, UNSUPPORTED, ...) from crashes.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ReefError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof Error && value.name === 'ReefError' && typeof (value as { code?: unknown }).code === 'string';
  }
}

export function isReefError(value: unknown, code?: ReefErrorCode): value is ReefError {
  return value instanceof Error && value.name === 'ReefError' && (code === undefined || (value as ReefError).code === code);
}
