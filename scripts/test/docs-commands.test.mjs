// Every shell command of the documentation (README.md, docs/*.md, each package's README), run as
// written, in order, from the built tree (`pnpm test` builds first): in a fresh folder of the reader's
// own, or in the repository root where the command names a path in the checkout. A command passes
// when it exits 0. The few not run are listed with their reasons in scripts/docs-commands/plan.mjs;
// so are the files a command expects the reader to have (a model.safetensors before `reef add`).
//
// `reef` and `reef-sweep` are used bare, as the docs do: they come from the README's own
// `npm install --global ./apps/cli ./apps/sweep`, run here with npm's global prefix in a temp folder
// (never the machine's), and nothing else puts them on PATH (the node_modules/.bin folders that
// `pnpm test` adds are removed from it).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docFiles, shellCommands } from '../docs-commands/extract.mjs';
import { SAME_FOLDER_AS, SETUPS, SKIPPED, runsInRepositoryRoot } from '../docs-commands/plan.mjs';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const scratch = join(root, '.reef-cache', `docs-test-${process.pid}`);
const globalPrefix = join(scratch, 'npm-global');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of a reader's shell: no npm/pnpm script variables, no workspace bins on PATH. */
function readerEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|INIT_CWD$|PNPM_SCRIPT_SRC_DIR$|VITEST|TURBO_)/i.test(k)) env[k] = v;
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.includes(`node_modules${'/'}.bin`));
  env.PATH = [join(globalPrefix, 'bin'), ...path].join(delimiter);
  env.NPM_CONFIG_PREFIX = globalPrefix;
  return env;
}

/** Runs one command line in bash; resolves with its exit code and output (asynchronous: vitest stays responsive). */
function sh(command, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 30 * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

const usedSkips = new Set();
const usedSetups = new Set();
let epochs = 0;
const files = docFiles(root);

describe('every shell command in the documentation runs as written', () => {
  it('finds the documentation and its commands', () => {
    expect(files[0]).toBe('README.md');
    expect(files).toContain('docs/writing-a-plugin.md');
    const total = files.reduce((n, f) => n + shellCommands(readFileSync(join(root, f), 'utf8')).length, 0);
    expect(total).toBeGreaterThan(30);
  });

  for (const file of files) {
    const commands = shellCommands(readFileSync(join(root, file), 'utf8'));
    if (commands.length === 0) continue;
    it(`${file} (${commands.length} command(s))`, async () => {
      const readerFolder = join(scratch, (SAME_FOLDER_AS[file] ?? file).replace(/[^A-Za-z0-9]+/g, '-'));
      mkdirSync(readerFolder, { recursive: true });
      const env = readerEnv();
      for (const { line, command } of commands) {
        const skip = SKIPPED.find((s) => s.file === file && s.command.test(command));
        if (skip) {
          usedSkips.add(skip);
          console.log(`docs-commands: ${file}:${line} not run (${skip.reason}): ${command}`);
          continue;
        }
        for (const s of SETUPS.filter((x) => x.file === file && x.command.test(command))) {
          usedSetups.add(s);
          await s.setup(readerFolder, { root, epoch: () => ++epochs });
        }
        const cwd = runsInRepositoryRoot(command) ? root : readerFolder;
        const started = Date.now();
        const r = await sh(command, cwd, env);
        console.log(`docs-commands: ${file}:${line} exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${command}`);
        expect(r.code, `${file}:${line} \`${command}\` (in ${cwd === root ? 'the repository root' : 'a fresh folder'}) exited ${r.code}:\n${r.out.slice(-3000)}`).toBe(0);
      }
    }, 60 * 60_000);
  }

  it('every skip and every setup still matches a command of the docs', () => {
    const stale = [...SKIPPED.filter((s) => !usedSkips.has(s)), ...SETUPS.filter((s) => !usedSetups.has(s))].map((s) => `${s.file}: ${s.command}`);
    expect(stale).toEqual([]);
    expect(existsSync(join(globalPrefix, 'bin', 'reef'))).toBe(true);
  });
});
