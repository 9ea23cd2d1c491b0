// A read-only npm registry for the @reef scope, served on loopback from packed tarballs, so a scratch
// project installs our packages exactly as a user would from npm (their declared dependencies and
// nothing else) while every third-party package still comes from the public registry.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** The manifest inside a tarball made by `pnpm pack` (workspace: ranges already rewritten). */
export function packedManifest(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

/** Starts the registry over every .tgz in `dir`; resolves to { url, packages, close }. */
export async function startScopedRegistry(dir) {
  const packuments = new Map();
  const tarballs = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).slice(1);
    if (tarballs.has(path)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(tarballs.get(path));
      return;
    }
    const doc = packuments.get(path);
    if (!doc) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `not found: ${path} (only packed @reef packages are served here)` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
    const bytes = readFileSync(join(dir, file));
    const manifest = packedManifest(join(dir, file));
    const key = `tarballs/${file}`;
    tarballs.set(key, bytes);
    packuments.set(manifest.name, {
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          ...manifest,
          dist: {
            tarball: url + key,
            shasum: createHash('sha1').update(bytes).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          },
        },
      },
    });
  }
  return { url, packages: [...packuments.keys()], close: () => new Promise((r) => server.close(r)) };
}
