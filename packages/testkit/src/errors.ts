import { isReefError, type ReefErrorCode } from '@reef/core';
import { expect } from 'vitest';

/** Text or a pattern the error message must contain. */
export type Mention = string | RegExp;

function check(thrown: unknown, threw: boolean, code: ReefErrorCode, mentions: readonly Mention[]): void {
  expect(threw, `expected a ReefError ${code}, but nothing was thrown`).toBe(true);
  expect(isReefError(thrown), `expected a ReefError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code, `error code of: ${(thrown as Error).message}`).toBe(code);
  const message = (thrown as Error).message;
  for (const m of mentions) {
    if (typeof m === 'string') expect(message).toContain(m);
    else expect(message).toMatch(m);
  }
}

/**
 * Expects `fn` to throw (or, when it returns a promise, to reject with) a ReefError with `code`
 * whose message contains every mention. Await it when `fn` is async.
 */
export function expectReefError(fn: () => Promise<unknown>, code: ReefErrorCode, ...mentions: Mention[]): Promise<void>;
export function expectReefError(fn: () => unknown, code: ReefErrorCode, ...mentions: Mention[]): void;
export function expectReefError(fn: () => unknown, code: ReefErrorCode, ...mentions: Mention[]): void | Promise<void> {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    check(err, true, code, mentions);
    return;
  }
  if (result instanceof Promise) {
    return result.then(
      () => check(undefined, false, code, mentions),
      (err: unknown) => check(err, true, code, mentions),
    );
  }
  check(undefined, false, code, mentions);
}
