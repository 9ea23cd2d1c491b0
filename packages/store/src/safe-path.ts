import { ReefError } from '@reef/core/errors';
import type { ReefErrorCode } from '@reef/core';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, posix, relative, sep, isAbsolute } from 'node:path';
import { printable } from './printable.js';
import { REPO_DIR } from './repo-dir.js';

export { printable };

/**
 * The path policy: every path that comes from a file, a repository or a user and becomes a file
 * name passes here. A tracked path is '/'-separated, relative, already normal (no '.', '..' or
 * empty components), free of NUL, control characters and backslashes, outside `.reef`, and short
 * enough for common file systems. Checked when a path enters the repository (`add`), and again
 * wherever a repository's content is trusted to name files (checkout, merge, export, fsck): a
 * repository built by someone else may hold anything.
 */

/** Longest component, in UTF-8 bytes (NAME_MAX of ext4, XFS, btrfs, APFS). */
export const MAX_PATH_COMPONENT_BYTES = 255;
/** Longest tracked path, in UTF-8 bytes: leaves room under PATH_MAX (4096) for the repository's own folder. */
export const MAX_PATH_BYTES = 1024;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `path` may not be a tracked path, or undefined when it may. */
export function unsafePathReason(path: string): string | undefined {
  if (typeof path !== 'string' || path === '') return 'it is empty';
  if (CONTROL.test(path)) return 'it contains a NUL or control character';
  if (path.includes('\\')) return 'it contains a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'it is absolute';
  const parts = path.split('/');
  for (const part of parts) {
    if (part === '') return 'it has an empty component';
    if (part === '.' || part === '..') return `it has a '${part}' component`;
    if (Buffer.byteLength(part) > MAX_PATH_COMPONENT_BYTES) return `a component is longer than ${MAX_PATH_COMPONENT_BYTES} bytes`;
  }
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `it is longer than ${MAX_PATH_BYTES} bytes`;
  if (parts[0].toLowerCase() === REPO_DIR) return `it is inside the repository's ${REPO_DIR} folder`;
  return undefined;
}

/** Throws a ReefError (`code`: INVALID_PARAM for what a user typed, BAD_FILE for what a repository holds) unless `path` is safe. */
export function assertSafePath(path: string, what: string, code: ReefErrorCode = 'INVALID_PARAM'): void {
  const reason = unsafePathReason(path);
  if (reason) throw new ReefError(code, `${what} ${JSON.stringify(printable(String(path)))} is not a safe path: ${reason}`);
}

/**
 * A path a user gave for the repository (`add --as`), normalised ('sub/./a' → 'sub/a', 'sub/../a' → 'a')
 * and checked: one that climbs out ('sub/../../a') or breaks a rule above is refused now, not at checkout.
 */
export function userPath(given: string, what: string): string {
  if (typeof given !== 'string' || CONTROL.test(given) || given.includes('\\')) assertSafePath(given, what);
  const normal = posix.normalize(given);
  if (normal === '..' || normal.startsWith('../')) throw new ReefError('INVALID_PARAM', `${what} ${JSON.stringify(printable(given))} is outside the repository`);
  assertSafePath(normal, what);
  return normal;
}

/**
 * The absolute file name of tracked `path` under `root`, after checking that it stays inside:
 * the path itself (see above), and the deepest folder of it that exists, with symlinks resolved,
 * must lie under the real root and outside `.reef`. (The file itself may be a symlink: writes
 * replace it by rename, never follow it.)
 */
export function resolveInside(root: string, path: string, what = 'tracked path'): string {
  assertSafePath(path, what, 'BAD_FILE');
  const realRoot = realpathSync(root);
  const abs = join(realRoot, ...path.split('/'));
  // The deepest parent that exists as an entry (a dangling symlink counts: it cannot be resolved, so it is refused).
  let parent = dirname(abs);
  while (!lstatSync(parent, { throwIfNoEntry: false })) parent = dirname(parent);
  let resolved: string;
  try {
    resolved = realpathSync(parent);
  } catch {
    throw new ReefError('BAD_FILE', `${what} ${JSON.stringify(printable(path))} passes through ${parent}, a symbolic link that leads nowhere; refusing to write there`);
  }
  const real = relative(realRoot, resolved);
  const escapes = real === '..' || real.startsWith(`..${sep}`) || isAbsolute(real);
  if (escapes || real === REPO_DIR || real.startsWith(`${REPO_DIR}${sep}`)) {
    throw new ReefError('BAD_FILE', `${what} ${JSON.stringify(printable(path))} leads outside the working folder ${realRoot} through a symbolic link; refusing to write there`);
  }
  return abs;
}

/** Why an .npz member name (a tensor name plus '.npy') would be unsafe to unzip, or undefined. */
export function unsafeMemberReason(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (CONTROL.test(name)) return 'it contains a NUL or control character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'it is absolute';
  if (name.split('/').some((part) => part === '..')) return "it has a '..' component";
  return undefined;
}
