import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { Repository, unsafePathReason, writeNpz, writeSafetensors, type NamedTensor, type Tree } from '../src/index.js';
import { userPath, resolveInside } from '../src/safe-path.js';
import { losslessRegistry, tempDir } from './helpers.js';

// The path policy (issue 18): no command writes outside the working folder, whatever a user types
// or a repository holds; names from files are checked before they become file or member names.

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A repository in `<tmp>/outer/repo`, so that '../..' from it still lies inside the temporary folder. */
function nestedRepo(): { repo: Repository; dir: string; outer: string; top: string } {
  const { dir: top, cleanup } = tempDir();
  const outer = join(top, 'outer');
  const dir = join(outer, 'repo');
  mkdirSync(dir, { recursive: true });
  const repo = Repository.init(dir, { registry: losslessRegistry() });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir, outer, top };
}

/** Checks the ReefError (code, message) and returns it, to look at the whole message. */
async function refused(fn: () => unknown, code: Parameters<typeof expectReefError>[1], mention: RegExp): Promise<Error> {
  await expectReefError(async () => fn(), code, mention);
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

function model(seed: number, name = 'w'): Uint8Array {
  const v = new Float32Array(256).map((_, i) => Math.sin(i * 0.3 + seed));
  return writeSafetensors([{ name, tensor: { dtype: 'f32', shape: [256], data: new Uint8Array(v.buffer) } }]);
}

/** Every file under `dir`, as paths relative to it (to prove nothing was written beside the repository). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** A commit (on branch `name`) whose tree names `path`, built by hand as a hostile repository would be. */
async function hostileBranch(repo: Repository, dir: string, path: string, name = 'evil'): Promise<string> {
  writeFileSync(join(dir, 'plain.safetensors'), model(1));
  await repo.add(['plain.safetensors'], { cwd: dir });
  const base = repo.commit('plain');
  const tree: Tree = { [path]: base.tree['plain.safetensors'] };
  const hash = repo.commits.write({ parents: [base.hash], message: 'evil', time: new Date(0).toISOString(), tree });
  repo.refs.set('heads', name, hash);
  return hash;
}

describe('path policy', { timeout: 60_000 }, () => {
  it('unsafePathReason accepts normal relative paths and names what is wrong with the rest', () => {
    expect(unsafePathReason('model.safetensors')).toBeUndefined();
    expect(unsafePathReason('sub/dir/model.npz')).toBeUndefined();
    expect(unsafePathReason('../victim')).toMatch(/'\.\.' component/);
    expect(unsafePathReason('sub/../../victim')).toMatch(/'\.\.' component/);
    expect(unsafePathReason('/etc/passwd')).toMatch(/absolute/);
    expect(unsafePathReason('C:/x')).toMatch(/absolute/);
    expect(unsafePathReason('a\\..\\b')).toMatch(/backslash/);
    expect(unsafePathReason('a\u0000b')).toMatch(/control/);
    expect(unsafePathReason('a\nb')).toMatch(/control/);
    expect(unsafePathReason('a//b')).toMatch(/empty component/);
    expect(unsafePathReason('./a')).toMatch(/'\.' component/);
    expect(unsafePathReason('.reef/HEAD')).toMatch(/\.reef/);
    expect(unsafePathReason(`${'x'.repeat(256)}`)).toMatch(/longer than 255 bytes/);
    expect(unsafePathReason(`${'x'.repeat(255)}`)).toBeUndefined();
    expect(unsafePathReason(Array.from({ length: 9 }, () => 'y'.repeat(120)).join('/'))).toMatch(/longer than 1024 bytes/);
  });

  it('userPath normalises what stays inside and refuses what climbs out', () => {
    expect(userPath('sub/./m.safetensors', 'as')).toBe('sub/m.safetensors');
    expect(userPath('sub/../m.safetensors', 'as')).toBe('m.safetensors');
    expect(() => userPath('sub/../../victim.safetensors', 'as')).toThrow(/outside the repository/);
    expect(() => userPath('..', 'as')).toThrow(/outside the repository/);
  });

  it("add --as 'sub/../../victim.safetensors' is refused at add, and nothing is written outside", async () => {
    const { repo, dir, top } = nestedRepo();
    writeFileSync(join(dir, 'plain.safetensors'), model(1));
    const before = filesUnder(top);
    await expectReefError(() => repo.add(['plain.safetensors'], { cwd: dir, as: 'sub/../../victim.safetensors' }), 'INVALID_PARAM', /outside the repository/);
    await expectReefError(() => repo.add(['plain.safetensors'], { cwd: dir, as: '/tmp/victim.safetensors' }), 'INVALID_PARAM', /absolute/);
    await expectReefError(() => repo.add(['plain.safetensors'], { cwd: dir, as: '.reef/HEAD' }), 'INVALID_PARAM', /\.reef/);
    await expectReefError(() => repo.add(['plain.safetensors'], { cwd: dir, as: 'a\nb.safetensors' }), 'INVALID_PARAM', /control character/);
    expect(repo.status().staged).toEqual([]);
    expect(filesUnder(top)).toEqual(before);
  });

  it('a 300-character --as name is refused at add (not at checkout with ENAMETOOLONG)', async () => {
    const { repo, dir } = nestedRepo();
    writeFileSync(join(dir, 'plain.safetensors'), model(1));
    await expectReefError(() => repo.add(['plain.safetensors'], { cwd: dir, as: `${'n'.repeat(300)}.safetensors` }), 'INVALID_PARAM', /longer than 255 bytes/);
    expect(repo.status().staged).toEqual([]);
  });

  it('a normalised --as path is tracked and checked out where it says', async () => {
    const { repo, dir } = nestedRepo();
    writeFileSync(join(dir, 'plain.safetensors'), model(1));
    await repo.add(['plain.safetensors'], { cwd: dir, as: 'sub/./deep/../m.safetensors' });
    const c = repo.commit('normalised');
    expect(Object.keys(c.tree)).toEqual(['sub/m.safetensors']);
    await repo.checkout('main', { force: true });
    expect(readFileSync(join(dir, 'sub', 'm.safetensors'))).toEqual(Buffer.from(model(1)));
  });

  for (const evil of ['../../victim.safetensors', '/tmp/reef-victim.safetensors', 'sub/../../victim.safetensors', '.reef/HEAD']) {
    it(`checkout, merge and fsck refuse a repository whose tree names ${JSON.stringify(evil)}`, async () => {
      const { repo, dir, top } = nestedRepo();
      await hostileBranch(repo, dir, evil);
      const before = filesUnder(top);
      const head = readFileSync(join(dir, '.reef', 'HEAD'), 'utf8');
      await expectReefError(() => repo.checkout('evil', { force: true }), 'BAD_FILE', /not a safe path/);
      await expectReefError(() => repo.merge('evil'), 'BAD_FILE', /not a safe path/);
      expect(filesUnder(top)).toEqual(before);
      expect(readFileSync(join(dir, '.reef', 'HEAD'), 'utf8')).toBe(head);
      expect(existsSync('/tmp/reef-victim.safetensors')).toBe(false);
      const fsck = await repo.fsck();
      expect(fsck.problems.some((p) => p.includes('unsafe path') && p.includes(JSON.stringify(evil)))).toBe(true);
    });
  }

  it('checkout refuses to write through a symlinked folder that leads outside the working folder', async () => {
    const { repo, dir, outer, top } = nestedRepo();
    await hostileBranch(repo, dir, 'link/victim.safetensors');
    mkdirSync(join(outer, 'elsewhere'));
    symlinkSync(join(outer, 'elsewhere'), join(dir, 'link'));
    const before = filesUnder(top);
    await expectReefError(() => repo.checkout('evil', { force: true }), 'BAD_FILE', /symbolic link/);
    expect(filesUnder(top)).toEqual(before);
    expect(readdirSync(join(outer, 'elsewhere'))).toEqual([]);
    // resolveInside itself: a folder inside the working folder is fine, a link into .reef is not.
    expect(resolveInside(dir, 'fine/m.safetensors')).toBe(join(dir, 'fine', 'm.safetensors'));
    symlinkSync(join(dir, '.reef'), join(dir, 'meta'));
    expect(() => resolveInside(dir, 'meta/HEAD')).toThrow(/symbolic link/);
    // A link to a folder that does not exist (yet): mkdir would create it outside; refused too.
    symlinkSync(join(outer, 'not-yet'), join(dir, 'dangling'));
    expect(() => resolveInside(dir, 'dangling/deeper/m.safetensors')).toThrow(/leads nowhere/);
    expect(existsSync(join(outer, 'not-yet'))).toBe(false);
  });

  it('npz export refuses member names that would unzip outside (zip-slip); safetensors export keeps them', async () => {
    const { repo, dir, top } = nestedRepo();
    const t = { dtype: 'f32' as const, shape: [4], data: new Uint8Array(16) };
    for (const name of ['../../../outside/x', '/abs/x', 'a\\..\\b']) {
      writeFileSync(join(dir, 'evil.safetensors'), writeSafetensors([{ name, tensor: t }]));
      await repo.add(['evil.safetensors'], { cwd: dir });
      repo.commit(`tensor ${name}`);
      await expectReefError(() => repo.export('HEAD', { format: 'npz' }), 'BAD_FILE', /cannot export tensor .* as an \.npz member/);
      await expectReefError(() => repo.exportTo('HEAD', join(top, 'out.npz'), { format: 'npz' }), 'BAD_FILE', /\.npz member/);
      expect(existsSync(join(top, 'out.npz'))).toBe(false);
    }
    // writeNpz itself (for library users) refuses them too.
    expect(() => writeNpz([{ name: '../../x', tensor: t }])).toThrow(/cannot write tensor "\.\.\/\.\.\/x" as an \.npz member: it has a '\.\.' component/);
    // Safetensors keeps names as data, never as file names: that export still works.
    const out = await repo.export('HEAD', { format: 'safetensors' });
    expect(out.verbatim).toBe(true);
  });

  it('a symlinked tag or branch is refused without printing the file it points at', async () => {
    const { repo, dir, outer } = nestedRepo();
    writeFileSync(join(dir, 'plain.safetensors'), model(1));
    await repo.add(['plain.safetensors'], { cwd: dir });
    repo.commit('plain');
    const secret = join(outer, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-CONTENT\n');
    symlinkSync(secret, join(dir, '.reef', 'refs', 'tags', 'leak'));
    symlinkSync(secret, join(dir, '.reef', 'refs', 'heads', 'leak2'));
    for (const fn of [() => repo.resolve('leak'), () => repo.tags(), () => repo.resolve('leak2'), () => repo.branches()]) {
      const err = await refused(fn, 'REPOSITORY', /symbolic link/);
      expect(String(err)).not.toContain('TOP-SECRET');
    }
    // A plain ref file with foreign content (e.g. a hard link) is refused without echoing it either.
    writeFileSync(join(dir, '.reef', 'refs', 'tags', 'junk'), 'TOP-SECRET-CONTENT\n');
    const err = await refused(() => repo.resolve('junk'), 'REPOSITORY', /does not hold a commit hash/);
    expect(String(err)).not.toContain('TOP-SECRET');
    const fsck = await repo.fsck();
    expect(fsck.problems.join('\n')).not.toContain('TOP-SECRET');
  });
});

describe('clear failures on bad input', { timeout: 60_000 }, () => {
  it('export into a missing folder fails on one line naming the folder', async () => {
    const { repo, dir, top } = nestedRepo();
    writeFileSync(join(dir, 'plain.safetensors'), model(1));
    await repo.add(['plain.safetensors'], { cwd: dir });
    repo.commit('plain');
    const missing = join(top, 'no-such-folder');
    for (const format of ['safetensors', 'npz'] as const) {
      const err = await refused(() => repo.exportTo('HEAD', join(missing, `m.${format}`), { format }), 'INVALID_PARAM', /the folder .*no-such-folder does not exist/);
      expect(err.message).not.toContain('\n');
      expect(err.message).not.toMatch(/ENOENT|\.tmp-/);
    }
  });

  it('duplicate .npz member names are refused at add', async () => {
    const { repo, dir } = nestedRepo();
    const t = (fill: number): NamedTensor => ({ name: 'w', tensor: { dtype: 'u8', shape: [4], data: new Uint8Array(4).fill(fill) } });
    writeFileSync(join(dir, 'dup.npz'), writeNpz([t(1), t(2)]));
    await expectReefError(() => repo.add(['dup.npz'], { cwd: dir }), 'BAD_FILE', /tensor 'w' appears twice/);
    expect(repo.status().staged).toEqual([]);
  });

  it('BOOL tensors with bytes other than 0 and 1 are refused at add; 0/1 ones are stored', async () => {
    const { repo, dir } = nestedRepo();
    const bool = (bytes: number[]): Uint8Array => writeSafetensors([{ name: 'mask', tensor: { dtype: 'bool', shape: [bytes.length], data: new Uint8Array(bytes) } }]);
    writeFileSync(join(dir, 'bad.safetensors'), bool([0, 1, 2, 1]));
    await expectReefError(() => repo.add(['bad.safetensors'], { cwd: dir }), 'BAD_FILE', /BOOL tensor 'mask' holds byte 2 at element 2/);
    writeFileSync(join(dir, 'good.safetensors'), bool([0, 1, 1, 0]));
    const [added] = await repo.add(['good.safetensors'], { cwd: dir });
    expect(added.tensors).toBe(1);
  });

  it('names from files are escaped in error messages (no newline or ANSI escape reaches the terminal)', async () => {
    const { repo, dir } = nestedRepo();
    const name = 'mask\u001b[2J\nFAKE: all good';
    writeFileSync(join(dir, 'bad.safetensors'), writeSafetensors([{ name, tensor: { dtype: 'bool', shape: [2], data: new Uint8Array([7, 0]) } }]));
    const err = await refused(() => repo.add(['bad.safetensors'], { cwd: dir }), 'BAD_FILE', /BOOL tensor/);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    expect(err.message).toContain('\\u001b[2J\\u000aFAKE');
  });
});
