#!/usr/bin/env node
// Inclusive (total) time of the functions whose name matches a pattern, from a V8 .cpuprofile.
//   node bench/profile-inclusive.mjs FILE.cpuprofile 'dispatchText|#flush|flushDirty'
import { readFileSync } from 'node:fs';

const [file, pattern = '.'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const re = new RegExp(pattern);
const total = profile.nodes.reduce((s, n) => s + n.hitCount, 0);
const inclusive = new Map();
for (const n of profile.nodes) {
  if (n.hitCount === 0) continue;
  // count each matching name once per sample stack
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/')}:${f.lineNumber + 1}`;
    if (re.test(key) && !seen.has(key)) {
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + n.hitCount);
    }
  }
}
for (const [key, hits] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
