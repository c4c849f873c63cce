import { execFileSync } from 'node:child_process';
import { rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexManifest } from '@codesearch/core';
import { parseDirectory } from '@codesearch/parser';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  compareTree,
  fileStates,
  hasChanges,
  manifestFromParse,
  walkOptionsFromJson,
  walkOptionsJson,
} from '../src/index.js';
import { tempDir, writeTree } from './support.js';

const A = 'def a():\n    return 1\n';
// `printf 'def a():\n    return 1\n' | sha256sum`
const A_SHA256 = '0c2863d70c1f0e4d3682a1608c1e161ec2fad5bc4d911fc69e314677ca080149';

async function indexedTree(files: Record<string, string | Uint8Array>, walk = {}) {
  const root = await tempDir();
  await writeTree(root, files);
  const parse = await parseDirectory(root, walk);
  return { root, manifest: await manifestFromParse(parse, walk) };
}

describe('manifestFromParse', () => {
  it('records every file handed to the parser: parsed, refused and failed, with its fingerprint', async () => {
    const { root, manifest } = await indexedTree({
      'a.py': A,
      'lib/b.ts': 'export function b() {}\n',
      'blob.py': Buffer.from([0x64, 0x65, 0x66, 0, 0, 1, 2]),
      'bad.py': Buffer.from([0x78, 0x3d, 0x22, 0xc3, 0x28, 0x22, 0x0a]),
    });
    expect(manifest.root).toBe(root);
    expect(manifest.walk).toEqual({});
    expect(manifest.files.map(({ path: p, entities, outcome }) => [p, entities, outcome])).toEqual([
      ['a.py', 1, 'parsed'],
      ['bad.py', 0, 'error'],
      ['blob.py', 0, 'skipped'],
      ['lib/b.ts', 1, 'parsed'],
    ]);
    const a = manifest.files[0]!;
    const info = await stat(path.join(root, 'a.py'));
    expect(a).toMatchObject({ size: 22, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, sha256: A_SHA256 });
    for (const file of manifest.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the walk options as plain JSON that round-trips', () => {
    const walk = {
      languages: ['python' as const],
      exclude: ['tests/'],
      maxFileSize: 5 * 1024 * 1024,
      gitignore: false,
      include: [],
    };
    const json = walkOptionsJson(walk);
    expect(json).toEqual({
      languages: ['python'],
      exclude: ['tests/'],
      maxFileSize: 5242880,
      gitignore: false,
    });
    expect(walkOptionsFromJson(JSON.parse(JSON.stringify(json)))).toEqual({
      languages: ['python'],
      exclude: ['tests/'],
      maxFileSize: 5242880,
      gitignore: false,
    });
    expect(walkOptionsFromJson({ languages: 'python', maxFileSize: -1 })).toEqual({});
  });
});

describe('compareTree', () => {
  let root: string;
  let manifest: IndexManifest;
  beforeEach(async () => {
    ({ root, manifest } = await indexedTree({
      'a.py': A,
      'b.py': 'def b():\n    return 2\n',
      'c.py': 'def c():\n    return 3\n',
    }));
  });

  it('finds nothing in an untouched tree', async () => {
    const changes = await compareTree(root, manifest);
    expect(changes).toEqual({ added: [], changed: [], deleted: [], renamed: [], touched: 0, unchanged: 3 });
    expect(hasChanges(changes)).toBe(false);
  });

  it('reports a rename (mv a.py moved.py) as a rename, not as up to date', async () => {
    await rename(path.join(root, 'a.py'), path.join(root, 'moved.py'));
    const changes = await compareTree(root, manifest);
    expect(changes.renamed).toEqual([{ from: 'a.py', to: 'moved.py' }]);
    expect(changes.added).toEqual([]);
    expect(changes.deleted).toEqual([]);
    expect(hasChanges(changes)).toBe(true);
  });

  it('sees an edit whose modification time was set back exactly to the old one (same size)', async () => {
    const file = path.join(root, 'b.py');
    const before = await stat(file);
    const exactTime = execFileSync('stat', ['-c', '%y', file], { encoding: 'utf8' }).trim(); // nanoseconds
    await writeFile(file, 'def b():\n    return 9\n');
    execFileSync('touch', ['-m', '-d', exactTime, file]);
    const after = await stat(file);
    expect([after.mtimeMs, after.size]).toEqual([before.mtimeMs, before.size]);
    const changes = await compareTree(root, manifest);
    expect(changes.changed).toEqual(['b.py']);
  });

  it('sees an edit dated in the past (touch -d 2020-01-01), which a check by index time misses', async () => {
    const file = path.join(root, 'a.py');
    await writeFile(file, 'def a():\n    return "new"\n');
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(file, old, old);
    expect((await compareTree(root, manifest)).changed).toEqual(['a.py']);
  });

  it('tells a touch (new times, same bytes) from an edit', async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(root, 'c.py'), later, later);
    const changes = await compareTree(root, manifest);
    expect(changes).toMatchObject({ changed: [], touched: 1, unchanged: 2 });
    expect(hasChanges(changes)).toBe(false);
  });

  it('reports added and deleted files', async () => {
    await rm(path.join(root, 'c.py'));
    await writeFile(path.join(root, 'd.py'), 'def d():\n    return 4\n');
    const changes = await compareTree(root, manifest);
    expect(changes).toMatchObject({ added: ['d.py'], deleted: ['c.py'], renamed: [] });
  });

  it('walks with the options the index used, so files it left out are not "added"', async () => {
    const { root: tree, manifest: pythonOnly } = await indexedTree(
      { 'a.py': A, 'skip/me.py': A, 'x.ts': 'export const x = 1;\n' },
      { languages: ['python'], exclude: ['skip/'] },
    );
    expect(pythonOnly.files.map((file) => file.path)).toEqual(['a.py']);
    await writeFile(path.join(tree, 'y.ts'), 'export const y = 2;\n');
    await writeFile(path.join(tree, 'skip', 'new.py'), A);
    const changes = await compareTree(tree, pythonOnly);
    expect(hasChanges(changes)).toBe(false);
  });
});

describe('fileStates', () => {
  it('marks the files of hits that changed or vanished since indexing', async () => {
    const { root, manifest } = await indexedTree({ 'a.py': A, 'b.py': 'def b():\n    pass\n', 'c.py': A });
    await writeFile(path.join(root, 'b.py'), 'def b():\n    return "edited"\n');
    await rm(path.join(root, 'c.py'));
    const states = await fileStates(root, manifest, ['a.py', 'b.py', 'c.py', 'a.py', 'unknown.py']);
    expect(Object.fromEntries(states)).toEqual({
      'a.py': 'unchanged',
      'b.py': 'changed',
      'c.py': 'deleted',
      'unknown.py': 'deleted',
    });
  });
});
