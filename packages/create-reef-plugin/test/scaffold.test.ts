import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateError, KINDS, idFromPackageName, scaffold, type CreateErrorCode } from '../src/index.js';

// The repository's templates, as bundle-templates.mjs copies them into dist/ for the tarball.
const templatesDir = new URL('../../../templates/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'create-reef-plugin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function expectCreateError(fn: () => unknown, code: CreateErrorCode, mention: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CreateError);
  expect((caught as CreateError).code).toBe(code);
  expect((caught as CreateError).message).toMatch(mention);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe.each(Object.entries(KINDS))('scaffolding kind %s', (kind, template) => {
  const dir = join(scratch, `acme-${kind}`);
  const result = scaffold({ targetDir: dir, kind, packageName: `@acme/${template.namePrefix}turbo`, templatesDir });

  it('renames the package and the plugin id', () => {
    expect(result.id).toBe('turbo');
    const manifest = JSON.parse(read(dir, 'package.json'));
    expect(manifest.name).toBe('@acme/' + template.namePrefix + 'turbo');
    expect(manifest.reef[template.manifestField]).toEqual(['turbo']);
    expect(read(dir, 'src/index.ts')).toContain(`'@acme/${template.namePrefix}turbo'`);
  });

  it('leaves no trace of the template package name or quoted id in any text file', () => {
    for (const file of result.files.filter((f) => /\.(ts|json|md)$/.test(f))) {
      const text = read(dir, file);
      expect(text, file).not.toContain(template.packageName);
      expect(text, file).not.toContain(`'${template.id}'`);
    }
    expect(result.files.filter((f) => f.startsWith('test/')).length).toBeGreaterThan(0);
  });

  it('writes a .gitignore and copies no build output', () => {
    expect(read(dir, '.gitignore')).toContain('node_modules');
    expect(result.files).not.toContain('_gitignore');
    expect(result.files.some((f) => f.startsWith('dist/') || f.startsWith('node_modules/'))).toBe(false);
  });
});

describe('plugin ids from package names', () => {
  it.each([
    ['@acme/reef-quantizer-turbo', 'reef-quantizer-', 'turbo'],
    ['reef-delta-zstd', 'reef-delta-', 'zstd'],
    ['reef-halfbits', 'reef-quantizer-', 'halfbits'],
    ['my-delta', 'reef-delta-', 'my-delta'],
  ])('%s gives %s', (name, prefix, id) => {
    expect(idFromPackageName(name, prefix)).toBe(id);
  });
});

describe('refusals', () => {
  it('refuses a folder that is not empty, naming what it holds', () => {
    const dir = join(scratch, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expectCreateError(() => scaffold({ targetDir: dir, kind: 'quantizer', templatesDir }), 'TARGET_NOT_EMPTY', /taken is not empty.*notes\.txt/);
    expect(read(dir, 'notes.txt')).toBe('mine');
  });

  it('accepts an empty existing folder', () => {
    const dir = join(scratch, 'empty');
    mkdirSync(dir);
    expect(scaffold({ targetDir: dir, kind: 'delta-lossy', templatesDir }).id).toBe('empty');
  });

  it('refuses an invalid package name before writing anything', () => {
    const dir = join(scratch, 'My Plugin');
    expectCreateError(() => scaffold({ targetDir: dir, kind: 'quantizer', templatesDir }), 'BAD_NAME', /"My Plugin" is not a valid npm package name/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses an id the registry would refuse', () => {
    expectCreateError(() => scaffold({ targetDir: join(scratch, 'x1'), kind: 'quantizer', id: '9lives', templatesDir }), 'BAD_NAME', /"9lives" is not a valid plugin id/);
    expectCreateError(() => scaffold({ targetDir: join(scratch, 'reef-quantizer-9x'), kind: 'quantizer', templatesDir }), 'BAD_NAME', /"9x" is not a valid plugin id.*--id/);
  });

  it('refuses an unknown kind, listing the known ones', () => {
    expectCreateError(() => scaffold({ targetDir: join(scratch, 'x2'), kind: 'codec', templatesDir }), 'BAD_KIND', /"codec".*quantizer, delta-lossless, delta-lossy/);
  });
});
