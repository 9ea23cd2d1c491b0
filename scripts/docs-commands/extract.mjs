// The shell commands of the project's documentation: every line of every ```sh / ```bash / ```shell
// block in README.md, docs/*.md and each package's README, with its file and line, exactly as
// written (a line ending in a backslash continues on the next). Used by scripts/test/docs-commands.test.mjs.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SHELL_FENCE = /^\s*```(sh|bash|shell|console)\s*$/;
const ANY_FENCE = /^\s*```/;

/** The documentation files, in reading order: the root README first (it installs what the others use). */
export function docFiles(root) {
  const inGroup = (group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group)).sort().map((name) => join(group, name, 'README.md')).filter((f) => existsSync(join(root, f)))
      : [];
  const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f)) : [];
  return ['README.md', ...docs, ...inGroup('packages'), ...inGroup('plugins'), ...inGroup('apps')];
}

/**
 * The commands of one markdown text: { line, command, block } per non-empty, non-comment line of a
 * shell block (`block`: the index of the block in the file, `line`: 1-based line of the command's start).
 */
export function shellCommands(markdown) {
  const lines = markdown.split('\n');
  const out = [];
  let block = -1;
  let inShell = false;
  let inOther = false;
  let pending = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (!inShell && !inOther && ANY_FENCE.test(text)) {
      if (SHELL_FENCE.test(text)) {
        inShell = true;
        block++;
      } else inOther = true;
      continue;
    }
    if ((inShell || inOther) && /^\s*```\s*$/.test(text)) {
      inShell = inOther = false;
      continue;
    }
    if (!inShell) continue;
    if (pending) {
      pending.command += '\n' + text;
      if (!text.endsWith('\\')) {
        out.push(pending);
        pending = null;
      }
      continue;
    }
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const entry = { line: i + 1, command: trimmed.startsWith('$ ') ? trimmed.slice(2) : trimmed, block };
    if (text.endsWith('\\')) pending = entry;
    else out.push(entry);
  }
  if (pending) out.push(pending);
  return out;
}
