import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import { Repository, writeSafetensors } from '@reef/store';
import { afterAll, describe, expect, it } from 'vitest';
import { REEF_BIN, noise, runReef as reef } from './run-reef.js';

// Concurrent writers with plain `reef add` then `reef commit` (issue 18): each writer is its own
// shell script, as separate jobs or terminals are. The staging rule (`reef commit --help`): a
// commit takes the changes staged by its own writer (the shell above it) and leaves another
// running writer's staged, so no commit takes another's file and nobody hears "nothing to commit".

const execFileP = promisify(execFile);

function weights(writer: number, round: number): Uint8Array {
  return writeSafetensors([{ name: `w${writer}`, tensor: { dtype: 'f32', shape: [1024], data: new Uint8Array(noise(1000 * writer + round + 1, 1024).buffer) } }]);
}

/**
 * One writer: a shell that, round after round, copies its next file into place, `reef add`s it
 * and `reef commit`s it, retrying a command only while another holds the lock (git-like: reef
 * fails at once on a held lock). Any other failure, "nothing to commit" included, ends it with exit 1.
 */
const WRITER_SCRIPT = `
set -u
try() {
  n=0
  until out=$("$NODE" "$REEF" "$@" 2>&1); do
    case "$out" in
      *locked*) n=$((n+1)); [ "$n" -gt 2000 ] && { echo "still locked: $out" >&2; exit 1; }; sleep 0.05 ;;
      *) echo "reef $*: $out" >&2; exit 1 ;;
    esac
  done
  echo "$out"
}
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  cp "$SRC/w$ID-r$r.safetensors" "w$ID.safetensors"
  try add "w$ID.safetensors" >/dev/null
  try commit -m "writer $ID round $r"
  r=$((r+1))
done
`;

function runWriter(dir: string, src: string, id: number, rounds: number, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return execFileP('sh', ['-c', WRITER_SCRIPT], { cwd: dir, env: { ...process.env, NODE: process.execPath, REEF: REEF_BIN, SRC: src, ID: String(id), ROUNDS: String(rounds), ...env } });
}

function registry(): Registry {
  const r = new Registry();
  r.use(deltaLossless, '@reef/delta-lossless');
  return r;
}

/** Every round of every writer is one commit, under its own message, changing exactly its own file to that round's bytes. */
async function expectEveryRoundCommittedOnce(dir: string, writers: number, rounds: number): Promise<void> {
  const repo = Repository.open(dir, { registry: registry() });
  try {
    const log = repo.log();
    expect(log).toHaveLength(writers * rounds);
    for (let id = 0; id < writers; id++) {
      for (let round = 0; round < rounds; round++) {
        const matching = log.filter((c) => c.message === `writer ${id} round ${round}`);
        expect(matching, `writer ${id} round ${round}`).toHaveLength(1);
        const c = matching[0];
        const parent = c.parents[0] ? repo.show(c.parents[0]).tree : {};
        const changed = Object.keys({ ...c.tree, ...parent }).filter((p) => JSON.stringify(c.tree[p]) !== JSON.stringify(parent[p]));
        expect(changed, `writer ${id} round ${round}`).toEqual([`w${id}.safetensors`]);
        expect(Buffer.from(await repo.fileBytes(`w${id}.safetensors`, c.tree[`w${id}.safetensors`]))).toEqual(Buffer.from(weights(id, round)));
      }
    }
    expect(repo.status().staged).toEqual([]);
    expect((await repo.fsck()).problems).toEqual([]);
  } finally {
    repo.close();
  }
}

describe('concurrent writers: plain reef add + reef commit in separate shells', () => {
  const base = mkdtempSync(join(tmpdir(), 'reef-cli-writers-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function prepare(name: string, writers: number, rounds: number): { dir: string; src: string } {
    const dir = join(base, name);
    const src = join(base, `${name}-src`);
    mkdirSync(dir);
    mkdirSync(src);
    for (let id = 0; id < writers; id++) for (let r = 0; r < rounds; r++) writeFileSync(join(src, `w${id}-r${r}.safetensors`), weights(id, r));
    return { dir, src };
  }

  it('4 writers × 3 rounds at once: every file committed exactly once, under its own writer message', async () => {
    const writers = 4;
    const rounds = 3;
    const { dir, src } = prepare('shells', writers, rounds);
    expect((await reef(['init'], dir)).code).toBe(0);
    const outputs = await Promise.all(Array.from({ length: writers }, (_, id) => runWriter(dir, src, id, rounds)));
    for (const [id, o] of outputs.entries()) {
      expect(o.stdout.trim().split('\n'), `writer ${id}`).toHaveLength(rounds);
      for (const line of o.stdout.trim().split('\n')) expect(line).toMatch(new RegExp(`^\\[main [0-9a-f]{12}\\] writer ${id} round \\d$`));
    }
    await expectEveryRoundCommittedOnce(dir, writers, rounds);
  }, 600_000);

  it('writers started by one program share it: REEF_WRITER names each (and a named commit takes only its own)', async () => {
    const writers = 3;
    const rounds = 2;
    const { dir, src } = prepare('named', writers, rounds);
    expect((await reef(['init'], dir)).code).toBe(0);
    // Each script still runs in its own shell here; the names decide, whatever the processes.
    await Promise.all(Array.from({ length: writers }, (_, id) => runWriter(dir, src, id, rounds, { REEF_WRITER: `job-${id}` })));
    await expectEveryRoundCommittedOnce(dir, writers, rounds);
  }, 600_000);

  it("another running writer's staged file stays staged for it: status names the writer, commit says so, --all-writers takes it", async () => {
    const { dir, src } = prepare('status', 2, 1);
    expect((await reef(['init'], dir)).code).toBe(0);
    const named = (name: string, args: string[]) =>
      execFileP(process.execPath, [REEF_BIN, ...args], { cwd: dir, env: { ...process.env, REEF_WRITER: name } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    writeFileSync(join(dir, 'w0.safetensors'), weights(0, 0));
    expect((await named('alice', ['add', 'w0.safetensors'])).code).toBe(0);
    const bob = await named('bob', ['status']);
    expect(bob.stdout).toMatch(/Staged by other writers[^\n]*\n {2}added {5}w0\.safetensors {2}\(writer 'alice'\)/);
    const nothing = await named('bob', ['commit', '-m', 'bob']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to commit from this writer: 1 change\(s\) staged by other writers that are still running stay staged for them: w0\.safetensors \(writer 'alice'\).*--all-writers/);
    expect(nothing.stderr.trim().split('\n')).toHaveLength(1);
    // Alice's commit takes it; bob's own file goes under bob's message.
    writeFileSync(join(dir, 'w1.safetensors'), weights(1, 0));
    expect((await named('bob', ['add', 'w1.safetensors'])).code).toBe(0);
    expect((await named('alice', ['commit', '-m', 'alice'])).stdout).toMatch(/\] alice$/m);
    expect((await named('bob', ['commit', '-m', 'bob'])).stdout).toMatch(/\] bob$/m);
    const shows = await Promise.all(['HEAD', 'HEAD~1'].map((rev) => reef(['show', rev], dir)));
    expect(shows[0].stdout).toMatch(/bob/);
    expect(shows[1].stdout).toMatch(/alice/);
    // --all-writers: carol takes dave's staged change under her message.
    writeFileSync(join(dir, 'w0.safetensors'), weights(0, 1));
    expect((await named('dave', ['add', 'w0.safetensors'])).code).toBe(0);
    expect((await named('carol', ['commit', '-m', 'carol', '--all-writers'])).stdout).toMatch(/\] carol$/m);
    expect((await named('dave', ['status'])).stdout).toMatch(/nothing to commit, working files match/);
    expect(src).toBeTruthy();
  }, 600_000);

  it('add from a shell that then ends, commit from another shell of the same program: the change is not stranded', async () => {
    const { dir } = prepare('ended', 1, 1);
    expect((await reef(['init'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'w0.safetensors'), weights(0, 0));
    // The add's shell has ended by the commit: the first of its processes still running is this test's, the commit's ancestor too.
    await execFileP('sh', ['-c', `"${process.execPath}" "${REEF_BIN}" add w0.safetensors; true`], { cwd: dir });
    const c = await execFileP('sh', ['-c', `"${process.execPath}" "${REEF_BIN}" commit -m later; true`], { cwd: dir });
    expect(c.stdout).toMatch(/\] later$/m);
  }, 300_000);
});
