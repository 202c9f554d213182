// Fails when the JavaScript a first visit must load exceeds the budget: the
// entry chunk and everything it imports statically (from Vite's build
// manifest), plus the classic scripts index.html names (registerSW.js),
// each gzipped. Lazy screens (History, Settings) are not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 60 * 1024;
const dist = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

const files = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const dep of chunk.imports ?? []) visit(dep);
};
const entries = Object.keys(manifest).filter((k) => manifest[k].isEntry);
if (entries.length === 0) throw new Error('no entry chunk in dist/.vite/manifest.json');
entries.forEach(visit);

const html = readFileSync(join(dist, 'index.html'), 'utf8');
for (const m of html.matchAll(/<script\b[^>]*\bsrc="\/([^"]+)"/g)) files.add(m[1]);

let total = 0;
for (const file of [...files].sort()) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(2).padStart(8)} KB  ${file}`);
}
const verdict = total <= BUDGET ? 'ok' : 'OVER BUDGET';
console.log(`initial JS (gzip): ${(total / 1024).toFixed(2)} KB of ${BUDGET / 1024} KB: ${verdict}`);
process.exit(total <= BUDGET ? 0 : 1);
