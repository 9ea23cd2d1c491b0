#!/usr/bin/env node
// Serves apps/playground/dist on 127.0.0.1 (PORT, default 5178; 0 picks a free port) and prints the URL.
// Static files only, nothing else: the page itself never calls the server after loading.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (!existsSync(join(root, 'index.html'))) {
  console.error('playground: dist/index.html is missing; build first (pnpm playground builds and serves)');
  process.exit(1);
}
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  // Only files inside dist/: a request never names a path outside it.
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
server.listen(Number(process.env.PORT ?? 5178), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`Reef playground: http://127.0.0.1:${port}/  (or open ${join(root, 'index.html')} directly; Ctrl-C stops)`);
});
