import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { processStartTime } from '../src/process-info.js';
import { currentWriter, describeWriter, relation, type WriterStamp } from '../src/writer.js';
import { losslessRegistry, tempDir } from './helpers.js';

// The staging rule's writer stamps (issue 18), judged against real processes: this one, a live
// stranger, and exited ones.

const hasProc = processStartTime(process.pid) !== undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

function live(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

describe.skipIf(!hasProc)('writer stamps', () => {
  const me = currentWriter();

  it("records this process first, then its ancestors, with start times; this writer's stamp is its own", () => {
    expect(me.host).toBe(hostname());
    expect(me.chain[0]).toEqual({ pid: process.pid, start: processStartTime(process.pid) });
    expect(me.chain[1]?.pid).toBe(process.ppid);
    expect(relation(me, me)).toBe('mine');
  });

  it('a stamp whose first running process is an ancestor of the commit is its own; a running stranger is another writer', () => {
    const stranger = live();
    const strangerStart = processStartTime(stranger.pid as number);
    const parentOnly: WriterStamp = { host: me.host, boot: me.boot, chain: [{ pid: deadPid() }, ...me.chain.slice(1)] };
    expect(relation(parentOnly, me)).toBe('mine'); // `reef add` exited; its shell (here: our parent) runs the commit
    const execed: WriterStamp = { host: me.host, boot: me.boot, chain: [{ pid: deadPid() }, ...me.chain] };
    expect(relation(execed, me)).toBe('mine'); // the add's shell `exec`ed the commit: the same pid and start time
    const other: WriterStamp = { host: me.host, boot: me.boot, chain: [{ pid: deadPid() }, { pid: stranger.pid as number, start: strangerStart }, ...me.chain.slice(1)] };
    expect(relation(other, me)).toBe('other'); // the stranger runs and is not ours: its change stays staged for it
    expect(describeWriter(other)).toMatch(new RegExp(`^process ${stranger.pid} \\(node\\)$`));
    // The same pid with another start time is a reused pid: that process has ended.
    const reused: WriterStamp = { ...other, chain: [{ pid: stranger.pid as number, start: `${Number(strangerStart) + 1}` }] };
    expect(relation(reused, me)).toBe('ended');
  });

  it('every process of the stamp ended, or another boot: nobody\'s, the next commit takes it; another host or a name: never judged', () => {
    expect(relation({ host: me.host, chain: [{ pid: deadPid() }, { pid: deadPid() }] }, me)).toBe('ended');
    expect(relation({ host: me.host, boot: 'another-boot', chain: me.chain }, me)).toBe('ended');
    expect(relation({ host: `not-${me.host}`, chain: me.chain }, me)).toBe('other');
    expect(relation({ ...me, name: 'alice' }, me)).toBe('other');
    expect(relation({ ...me, name: 'alice' }, { ...me, name: 'alice' })).toBe('mine');
    expect(relation({ host: me.host, chain: [{ pid: deadPid() }], name: 'alice' }, currentWriter('alice'))).toBe('mine');
  });
});

describe('staging index: stamps on disk', () => {
  it('an index written without stamps (older versions) still opens, and its changes are anybody\'s', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const repo = Repository.init(dir, { registry: losslessRegistry() });
      writeFileSync(join(dir, 'm.safetensors'), writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [16], data: new Uint8Array(64).fill(7) } }]));
      await repo.add(['m.safetensors'], { cwd: dir });
      // Rewrite the index as an older version did: { files } alone.
      const indexPath = join(dir, '.reef', 'index.json');
      const { files } = JSON.parse(readFileSync(indexPath, 'utf8')) as { files: unknown };
      writeFileSync(indexPath, JSON.stringify({ files }));
      repo.close();
      const named = Repository.open(dir, { registry: losslessRegistry(), writer: 'someone-else' });
      expect(named.status().staged).toEqual([{ path: 'm.safetensors', change: 'added' }]);
      expect(named.commit('old index').tree['m.safetensors']).toBeDefined();
      named.close();
    } finally {
      cleanup();
    }
  });
});
