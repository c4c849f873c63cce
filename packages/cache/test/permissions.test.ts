import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childScript, MODEL, runChildSync, tempDir } from './helpers.js';

// Root reads and writes through any chmod, so as root the cache runs as `nobody` (a child
// process with uid/gid 65534); as any other user the child simply runs as that user.
const NOBODY = 65534;
const asOtherUser = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
const owner = process.getuid?.() === 0 ? NOBODY : (process.getuid?.() ?? 0);

/**
 * Opens the cache, stores one entry and flushes (expected to fail); then lets `restore`
 * (a path and mode) be chmod-ed by its owner — this user — and flushes again.
 */
const SCRIPT = `
import { chmodSync } from 'node:fs';
const { JsonFileEmbeddingCache } = await import(INDEX);
const [file, restorePath, restoreMode] = process.argv.slice(2);
const cache = new JsonFileEmbeddingCache(file, { onWarning: (m) => console.error(m) });
const report = await cache.open(${JSON.stringify(MODEL)});
const embedding = new Float32Array(16).fill(0.25);
await cache.setMany([['a'.repeat(64), { name: 'kept', embedding, timestamp: 't', modelVersion: 'v1' }]]);
const out = { opened: report.entries, warnings: report.warnings };
try {
  await cache.flush();
  out.firstFlush = 'ok';
} catch (error) {
  out.firstFlush = { name: error.name, code: error.code, message: error.message, isCacheError: error.constructor.isInstance(error) };
}
const [kept] = await cache.getMany(['a'.repeat(64)]);
out.keptInMemory = kept?.name === 'kept' && kept.embedding.every((v) => v === 0.25);
chmodSync(restorePath, Number.parseInt(restoreMode, 8));
try {
  await cache.flush();
  out.secondFlush = 'ok';
} catch (error) {
  out.secondFlush = error.message;
}
await cache.close();
process.stdout.write(JSON.stringify(out));
`;

function setup(): { dir: string; file: string; script: string } {
  const root = tempDir();
  const dir = path.join(root, 'embeddings');
  mkdirSync(dir);
  chownSync(dir, owner, owner);
  const script = childScript(SCRIPT);
  return { dir, file: path.join(dir, 'cache.json'), script };
}

function run(script: string, args: string[]) {
  const child = runChildSync(script, args, asOtherUser);
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout);
}

describe('a cache the user cannot write', () => {
  it('read-only directory: flush rejects with a CacheError naming the file; entries stay; a later flush succeeds', () => {
    const { dir, file, script } = setup();
    chmodSync(dir, 0o555);
    const out = run(script, [file, dir, '755']);
    expect(out.opened).toBe(0);
    expect(out.firstFlush).toMatchObject({ name: 'CacheError', code: 'WRITE_FAILED', isCacheError: true });
    expect(out.firstFlush.message).toContain(`cannot write ${file}`);
    expect(out.firstFlush.message).toMatch(/EACCES/);
    expect(out.keptInMemory).toBe(true);
    expect(out.secondFlush).toBe('ok');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toEqual(['a'.repeat(64)]);
  });

  it('read-only cache file: flush refuses to replace it, then succeeds once it is writable', () => {
    const { file, script } = setup();
    const seed = childScript(`
      const { JsonFileEmbeddingCache } = await import(INDEX);
      const cache = new JsonFileEmbeddingCache(process.argv[2]);
      await cache.open(${JSON.stringify(MODEL)});
      await cache.close();
    `);
    expect(runChildSync(seed, [file], asOtherUser).status).toBe(0);
    chmodSync(file, 0o444);
    const before = readFileSync(file);
    const out = run(script, [file, file, '644']);
    expect(out.firstFlush).toMatchObject({ code: 'WRITE_FAILED', isCacheError: true });
    expect(out.firstFlush.message).toContain(file);
    expect(out.firstFlush.message).toMatch(/EACCES/);
    expect(out.keptInMemory).toBe(true);
    expect(out.secondFlush).toBe('ok');
    expect(readFileSync(file).equals(before)).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toEqual(['a'.repeat(64)]);
  });
});

/** Opens, stores one entry, flushes; prints the report, the flush outcome and the files. */
const OPEN_AND_FLUSH = `
import { readdirSync } from 'node:fs';
import path from 'node:path';
const { JsonFileEmbeddingCache } = await import(INDEX);
const file = process.argv[2];
const cache = new JsonFileEmbeddingCache(file, { onWarning: (m) => console.error(m) });
const report = await cache.open(${JSON.stringify(MODEL)});
await cache.setMany([['b'.repeat(64), { name: 'new', embedding: new Float32Array(16), timestamp: 't', modelVersion: 'v1' }]]);
let flush = 'ok';
try {
  await cache.flush();
} catch (error) {
  flush = error.message;
}
process.stdout.write(JSON.stringify({ warnings: report.warnings, flush, files: readdirSync(path.dirname(file)).sort() }));
`;

describe('an unusable cache file the user cannot move or read', () => {
  it('corrupt file in a read-only directory: left untouched, one warning, flush fails, never overwritten', () => {
    const { dir, file } = setup();
    writeFileSync(file, '{"metadata": {"modelName": ', { mode: 0o644 });
    chmodSync(dir, 0o555);
    const before = readFileSync(file);
    const out = run(childScript(OPEN_AND_FLUSH), [file]);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toContain(file);
    expect(out.warnings[0]).toContain('could not move it aside');
    expect(out.warnings[0]).toContain('left untouched');
    expect(out.flush).toContain(`cannot write ${file}`);
    expect(out.files).toEqual(['cache.json']);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('a file the user cannot read is moved aside like a corrupt one', () => {
    const { dir, file } = setup();
    writeFileSync(file, '{}');
    chmodSync(file, 0o000);
    const out = run(childScript(OPEN_AND_FLUSH), [file]);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/cannot read it: EACCES/);
    const moved = readdirSync(dir).filter((name) => name.startsWith('cache.json.corrupt-'));
    expect(moved).toHaveLength(1);
    expect(out.warnings[0]).toContain(path.join(dir, moved[0]!));
    expect(out.flush).toBe('ok');
    expect(out.files).toEqual(['cache.json', moved[0]]);
  });
});
