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
  | 'BAD_FILE';

export class ReefError extends Error {
  readonly code: ReefErrorCode;
  constructor(code: ReefErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReefError';
    this.code = code;
  }
}

export function isReefError(value: unknown, code?: ReefErrorCode): value is ReefError {
  return value instanceof Error && value.name === 'ReefError' && (code === undefined || (value as ReefError).code === code);
}
