import { ReefError } from '@reef/core/errors';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { atomicWrite } from './fsutil.js';
import { sha256 } from './hash.js';
import type { Commit, CommitRecord } from './model.js';

const HASH = /^[0-9a-f]{64}$/;
const REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export type RefKind = 'heads' | 'tags';

/**
 * Layout of a commit record, written in its `format` field: 2 allows `deflated` literal parts in a
 * file's layout (model.ts LayoutPart). Records without the field are format 1 (all of them read
 * as before). A reader refuses a format it does not know, naming it.
 */
export const COMMIT_FORMAT = 2;
const READABLE_COMMIT_FORMATS = [1, 2];

/** Commits as immutable JSON files named by the sha256 of their exact text. */
export class CommitStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(record: CommitRecord): string {
    const { format: _given, ...rest } = record;
    const text = JSON.stringify({ format: COMMIT_FORMAT, ...rest });
    const hash = sha256(text);
    const path = join(this.dir, `${hash}.json`);
    if (!existsSync(path)) atomicWrite(path, text);
    return hash;
  }

  has(hash: string): boolean {
    return HASH.test(hash) && existsSync(join(this.dir, `${hash}.json`));
  }

  read(hash: string): Commit {
    if (!HASH.test(hash)) throw new ReefError('INVALID_PARAM', `${JSON.stringify(hash.slice(0, 80).replace(/[^\x20-\x7e]/g, '?'))} is not a commit hash`);
    const path = join(this.dir, `${hash}.json`);
    if (!existsSync(path)) throw new ReefError('REPOSITORY', `commit ${hash.slice(0, 12)} is missing from the repository`);
    const text = readFileSync(path, 'utf8');
    if (sha256(text) !== hash) throw new ReefError('REPOSITORY', `commit file ${hash.slice(0, 12)} is corrupt: its content does not match its hash`);
    let record: CommitRecord;
    try {
      record = JSON.parse(text) as CommitRecord;
    } catch (err) {
      throw new ReefError('REPOSITORY', `commit file ${hash.slice(0, 12)} is corrupt: not valid JSON`, { cause: err });
    }
    const format = record.format ?? 1;
    if (!READABLE_COMMIT_FORMATS.includes(format)) {
      throw new ReefError('REPOSITORY', `commit ${hash.slice(0, 12)} has format ${JSON.stringify(format)}, which this reef does not read (it reads ${READABLE_COMMIT_FORMATS.join(', ')}); upgrade @reef/store`);
    }
    return { hash, ...record };
  }

  list(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith('.json') && HASH.test(f.slice(0, -5))).map((f) => f.slice(0, -5));
  }

  remove(hash: string): void {
    rmSync(join(this.dir, `${hash}.json`), { force: true });
  }
}

/** Branches, tags and HEAD as small files switched by atomic rename. */
export class RefStore {
  constructor(readonly root: string) {
    mkdirSync(join(root, 'refs', 'heads'), { recursive: true });
    mkdirSync(join(root, 'refs', 'tags'), { recursive: true });
  }

  /** HEAD names a branch (possibly without commits yet) or holds a commit hash (detached). */
  head(): { branch?: string; hash?: string } {
    const text = readRefFile(join(this.root, 'HEAD'), 'HEAD') ?? 'ref: refs/heads/main';
    if (text.startsWith('ref: refs/heads/')) {
      const branch = text.slice('ref: refs/heads/'.length);
      if (!REF_NAME.test(branch) || branch.includes('..')) throw new ReefError('REPOSITORY', 'HEAD is corrupt: it names an invalid branch');
      return { branch, hash: this.get('heads', branch) };
    }
    if (!HASH.test(text)) throw new ReefError('REPOSITORY', 'HEAD is corrupt: it holds neither a branch nor a commit hash');
    return { hash: text };
  }

  setHead(target: { branch: string } | { hash: string }): void {
    atomicWrite(join(this.root, 'HEAD'), 'branch' in target ? `ref: refs/heads/${target.branch}\n` : `${target.hash}\n`);
  }

  /** Moves what HEAD points at (its branch, or HEAD itself when detached) to `hash`. */
  advanceHead(hash: string): void {
    const head = this.head();
    if (head.branch) this.set('heads', head.branch, hash);
    else this.setHead({ hash });
  }

  get(kind: RefKind, name: string): string | undefined {
    const path = join(this.root, 'refs', kind, name);
    if (!REF_NAME.test(name) || name.includes('..')) return undefined;
    const hash = readRefFile(path, `ref ${kind}/${name}`);
    if (hash === undefined) return undefined;
    // The content is not echoed: a ref that is a hard link to another file must not print that file.
    if (!HASH.test(hash)) throw new ReefError('REPOSITORY', `ref ${kind}/${name} is corrupt: it does not hold a commit hash (fix or delete ${path})`);
    return hash;
  }

  set(kind: RefKind, name: string, hash: string): void {
    assertRefName(name);
    const path = join(this.root, 'refs', kind, name);
    mkdirSync(dirname(path), { recursive: true });
    atomicWrite(path, `${hash}\n`);
  }

  delete(kind: RefKind, name: string): void {
    rmSync(join(this.root, 'refs', kind, name), { force: true });
  }

  list(kind: RefKind): { name: string; hash: string }[] {
    const base = join(this.root, 'refs', kind);
    const out: { name: string; hash: string }[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.includes('.tmp-')) continue;
        const name = prefix + entry.name;
        if (entry.isDirectory()) walk(join(dir, entry.name), `${name}/`);
        else out.push({ name, hash: this.get(kind, name) ?? '' });
      }
    };
    walk(base, '');
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * A ref file's text, trimmed, or undefined when there is none. Only a small regular file is read:
 * a ref that is a symlink (or a folder, a device, a huge file) is refused without reading it, so
 * another file's content never reaches an error message.
 */
function readRefFile(path: string, what: string): string | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isSymbolicLink()) throw new ReefError('REPOSITORY', `${what} is a symbolic link (${path}); refs must be plain files: delete it or replace it with the commit hash`);
  if (!st.isFile() || st.size > 4096) throw new ReefError('REPOSITORY', `${what} is not a small plain file (${path}); delete it or replace it with the commit hash`);
  return readFileSync(path, 'utf8').trim();
}

export function assertRefName(name: string): void {
  if (!REF_NAME.test(name) || name.includes('..') || name.endsWith('/') || name === 'HEAD') {
    throw new ReefError('INVALID_PARAM', `invalid branch or tag name ${JSON.stringify(name)}: use letters, digits, '.', '_', '-' and '/'`);
  }
}
