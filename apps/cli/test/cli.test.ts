import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReef } from './run-reef.js';

const reef = (args: string[], cwd = repo): ReturnType<typeof runReef> => runReef(args, cwd);

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const fixture = join(repo, 'fixtures/fmnist-2k-784-euclidean.hdf5');


/**
 * The quantizer template's sources compiled into `outDir`. The template is not a workspace package
 * (it installs @reef packages from the registry, scripts/install-test/templates.mjs tests it that
 * way), so nothing builds it here; its modules need only be transpiled, the types are checked there.
 */
function compileTemplate(outDir: string): void {
  const src = join(repo, 'templates/quantizer-plugin/src');
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
  }
}

/**
 * A third-party plugin installed outside the workspace: the template package copied into a temp
 * project whose node_modules provides @reef/core and @reef/kernels, as `npm install` would.
 */
let outside: string;
beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'reef-outside-'));
  const pluginDir = join(outside, 'my-sign-plugin');
  mkdirSync(pluginDir);
  cpSync(join(repo, 'templates/quantizer-plugin/package.json'), join(pluginDir, 'package.json'));
  compileTemplate(join(pluginDir, 'dist'));
  mkdirSync(join(outside, 'node_modules/@reef'), { recursive: true });
  symlinkSync(join(repo, 'packages/core'), join(outside, 'node_modules/@reef/core'), 'dir');
  symlinkSync(join(repo, 'packages/kernels'), join(outside, 'node_modules/@reef/kernels'), 'dir'); // the template's dependency
  // A second copy claiming the same id, to exercise duplicate refusal.
  cpSync(pluginDir, join(outside, 'duplicate-sign'), { recursive: true });
  const pkg = join(outside, 'duplicate-sign/package.json');
  writeFileSync(pkg, JSON.stringify({ name: 'duplicate-sign', version: '1.0.0', type: 'module', reef: { plugin: './dist/index.js', apiVersion: 1 } }));
  // A plugin module written against a future API.
  writeFileSync(join(outside, 'future.mjs'), 'export default { name: "future", apiVersion: 99, register() {} };\n');
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('reef CLI', () => {
  it('prints help for the program and for each command', async () => {
    const top = await reef(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('plugins');
    for (const cmd of ['plugins', 'demo']) {
      const r = await reef([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: reef ${cmd}`);
    }
  });

  it('refuses unknown commands and options with a non-zero exit', async () => {
    const cmd = await reef(['frobnicate']);
    expect(cmd.code).not.toBe(0);
    expect(cmd.stderr).toContain("unknown command 'frobnicate'");
    const opt = await reef(['plugins', '--bogus']);
    expect(opt.code).not.toBe(0);
    expect(opt.stderr).toContain('reef: unknown option --bogus');
  });

  it('lists installed quantizers with their parameters as JSON', async () => {
    const r = await reef(['plugins', '--json']);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as { quantizers: { id: string; package: string; params: { name: string }[] }[] };
    const sq = listed.quantizers.find((q) => q.id === 'sq');
    expect(sq, 'the scalar quantizer is installed with the CLI').toBeDefined();
    expect(sq!.package).toBe('@reef/quantizer-sq');
    expect(sq!.params.length).toBeGreaterThan(0);
  });

  it('discovers, registers and uses a plugin from a folder outside the workspace', async () => {
    const listed = await reef(['--plugin', join(outside, 'my-sign-plugin'), 'plugins', '--json']);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { quantizers: { id: string; package: string }[] }).quantizers;
    expect(ids).toContainEqual(expect.objectContaining({ id: 'sign', package: 'reef-quantizer-sign' }));
    const used = await reef(['--plugin', join(outside, 'my-sign-plugin'), 'demo', '--method', 'sign', '--dataset', fixture, '--json'], outside);
    expect(used.code, used.stderr).toBe(0);
    const report = JSON.parse(used.stdout) as { mse: number; codeBytesPerVector: number; recall10: number };
    expect(report.codeBytesPerVector).toBe(98); // 784 bits
    expect(report.mse).toBeGreaterThan(0);
    expect(report.recall10).toBeGreaterThan(0.3);
  });

  it('refuses a second plugin with a duplicate id, naming both packages', async () => {
    const r = await reef(['--plugin', join(outside, 'my-sign-plugin'), '--plugin', join(outside, 'duplicate-sign'), 'plugins']);
    expect(r.code).toBe(3); // bad input: a plugin is an input (docs/errors.md)
    expect(r.stderr).toContain("id 'sign' is already registered by reef-quantizer-sign");
  });

  it('refuses a plugin built for another API version', async () => {
    const r = await reef(['--plugin', join(outside, 'future.mjs'), 'plugins']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('API 99');
  });

  it('names the package to install for an unknown first-party method', async () => {
    const r = await reef(['demo', '--method', 'rabitq-nope', '--dataset', fixture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown quantizer 'rabitq-nope'");
    expect(r.stderr).toContain('--plugin');
    const known = await reef(['demo', '--method', 'lattice', '--dataset', fixture], outside);
    if (known.code !== 0) expect(known.stderr).toContain('@reef/quantizer-lattice');
  });

  it('reports a missing plugin path and a dataset that is not HDF5', async () => {
    const missing = await reef(['--plugin', join(outside, 'nope'), 'plugins']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^reef: no such file: .*nope/);
    writeFileSync(join(outside, 'broken.hdf5'), 'not an hdf5 file');
    const broken = await reef(['demo', '--dataset', join(outside, 'broken.hdf5')]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('broken.hdf5');
  });

  it('runs the demo on the bundled dataset and prints MSE and compression', async () => {
    const r = await reef(['demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MSE \(mean squared L2 error per vector\): [0-9.e+]+/);
    expect(r.stdout).toMatch(/compression vs float32: [0-9.]+x codes only, [0-9.]+x with the model counted/);
  });
});
