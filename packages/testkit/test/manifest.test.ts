import { definePlugin, PLUGIN_API_VERSION, type QuantizerPlugin } from '@reef/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginManifestProblems } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function packageWith(reef: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'reef-testkit-manifest-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'reef-quantizer-fixture', version: '1.0.0', reef }));
  return dir;
}

const never = (): never => {
  throw new Error('the manifest check never creates or loads a quantizer');
};

/** A quantizer plugin, 'alpha', in a module that registers nothing else. */
const alpha: QuantizerPlugin = {
  kind: 'quantizer',
  id: 'alpha',
  label: 'Alpha',
  summary: 'manifest check fixture',
  apiVersion: PLUGIN_API_VERSION,
  params: [],
  defaultGrid: {},
  create: never,
  load: never,
};
const plugin = definePlugin({ name: 'reef-quantizer-fixture', apiVersion: PLUGIN_API_VERSION, register: (host) => host.registerQuantizer(alpha) });

describe('manifest check', () => {
  it('passes when package.json lists exactly the registered ids', () => {
    expect(pluginManifestProblems({ plugin, packageDir: packageWith({ plugin: './index.js', apiVersion: 1, quantizers: ['alpha'] }) })).toEqual([]);
  });

  it('names ids listed but not registered, registered but not listed, and a wrong API version', () => {
    const problems = pluginManifestProblems({ plugin, packageDir: packageWith({ plugin: './index.js', apiVersion: 2, quantizers: ['beta'], deltaTypes: ['gamma'] }) });
    expect(problems.join('\n')).toContain("registers quantizers 'alpha', which package.json reef.quantizers does not list");
    expect(problems.join('\n')).toContain("reef.quantizers lists 'beta'");
    expect(problems.join('\n')).toContain("reef.deltaTypes lists 'gamma'");
    expect(problems.join('\n')).toContain('reef.apiVersion is 2');
    expect(problems).toHaveLength(5);
  });

  it('refuses a package without a reef field', () => {
    expect(pluginManifestProblems({ plugin, packageDir: packageWith(undefined) })).toEqual(['reef-quantizer-fixture/package.json has no "reef" field']);
  });
});
