import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateError } from './errors.js';
import { KINDS, isKindName, type KindName } from './kinds.js';
import { assertPackageName, assertPluginId, idFromPackageName } from './names.js';

export interface ScaffoldOptions {
  /** The folder to create; it may exist if it is empty. */
  readonly targetDir: string;
  /** One of KINDS' names: quantizer, delta-lossless, delta-lossy. */
  readonly kind: string;
  /** The new package's name (default: the folder's name). */
  readonly packageName?: string;
  /** The plugin id (default: from the package name, see idFromPackageName). */
  readonly id?: string;
  /** Where the template folders are (default: the ones bundled with this package). */
  readonly templatesDir?: string;
}

export interface ScaffoldResult {
  readonly dir: string;
  readonly kind: KindName;
  readonly packageName: string;
  readonly id: string;
  /** Files written, relative to `dir`, sorted. */
  readonly files: readonly string[];
}

/** The templates copied into dist/ at build time (scripts/bundle-templates.mjs), so they ship in the tarball. */
export const BUNDLED_TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));

// Build outputs and installs in a template folder (when someone built it in place) are never copied.
const SKIPPED = new Set(['node_modules', 'dist', '.turbo']);
// npm never packs a file named .gitignore, so templates carry it under this name.
const GITIGNORE = '_gitignore';
const TEXT_FILE = /\.(?:ts|json|md)$/;

/** Creates a plugin package from a template, with the package name and plugin id replaced. */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  if (!isKindName(options.kind)) {
    throw new CreateError('BAD_KIND', `unknown plugin kind ${JSON.stringify(options.kind)}: use one of ${Object.keys(KINDS).join(', ')}`);
  }
  const kind = KINDS[options.kind];
  const dir = resolve(options.targetDir);
  const packageName = options.packageName ?? basename(dir);
  assertPackageName(packageName);
  const id = options.id ?? idFromPackageName(packageName, kind.namePrefix);
  assertPluginId(id);
  assertEmptyOrAbsent(dir);
  const source = join(options.templatesDir ?? BUNDLED_TEMPLATES, kind.template);
  if (!existsSync(join(source, 'package.json'))) {
    throw new CreateError('NO_TEMPLATE', `template ${kind.template} not found in ${source}: this copy of create-reef-plugin is incomplete`);
  }

  const files: string[] = [];
  copyTree(source, dir, '', files);
  const rename = (text: string) =>
    text.replaceAll(kind.packageName, packageName).replaceAll(`'${kind.id}'`, `'${id}'`).replaceAll(`"${kind.id}"`, `"${id}"`);
  for (const file of files.filter((f) => TEXT_FILE.test(f))) {
    const path = join(dir, file);
    writeFileSync(path, rename(readFileSync(path, 'utf8')));
  }
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { reef: Record<string, unknown> };
  manifest.name = packageName;
  manifest.version = '0.1.0';
  manifest.reef[kind.manifestField] = [id];
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return { dir, kind: options.kind, packageName, id, files: files.sort() };
}

function assertEmptyOrAbsent(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CreateError('TARGET_NOT_EMPTY', `${dir} exists and is not a folder`);
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw new CreateError('TARGET_NOT_EMPTY', `${dir} is not empty (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): choose a new folder or empty this one`);
  }
}

function copyTree(from: string, to: string, rel: string, files: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (SKIPPED.has(name) || name.endsWith('.tsbuildinfo')) continue;
    const source = join(from, name);
    const targetName = name === GITIGNORE ? '.gitignore' : name;
    if (statSync(source).isDirectory()) {
      copyTree(source, join(to, targetName), join(rel, targetName), files);
    } else {
      copyFileSync(source, join(to, targetName));
      files.push(join(rel, targetName));
    }
  }
}
