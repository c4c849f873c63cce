import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeOrphanTemps, writeFileAtomic } from '../src/atomic-write.js';
import { tempDir } from './helpers.js';

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['cache.json']);
  });

  it('removes its temp file and keeps the old content when the rename fails', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'cache.json');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'x'); // renaming a file over a non-empty directory fails
    await expect(writeFileAtomic(target, 'data')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    expect(readdirSync(dir)).toEqual(['cache.json']);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('fails without a trace when the directory does not exist', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(path.join(dir, 'missing', 'cache.json'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('removeOrphanTemps', () => {
  it('removes only this file’s temp files', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    for (const name of [
      'cache.json.tmp-1-a',
      'cache.json.tmp-2-b',
      'cache.json',
      'other.json.tmp-1-a',
      'cache.jsonx',
    ]) {
      writeFileSync(path.join(dir, name), '');
    }
    expect(await removeOrphanTemps(file)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['cache.json', 'cache.jsonx', 'other.json.tmp-1-a']);
    expect(await removeOrphanTemps(path.join(dir, 'gone', 'cache.json'))).toBe(0);
  });
});
