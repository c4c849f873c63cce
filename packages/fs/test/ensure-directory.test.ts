import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDirectory, FileOperationError } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('ensureDirectory', () => {
  it('creates every missing level and returns the absolute path', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'a', 'b', 'c');
    expect(await ensureDirectory(target)).toBe(target);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('accepts a directory that exists', async () => {
    const dir = tempDir();
    expect(await ensureDirectory(dir)).toBe(dir);
  });

  it('fails fast on procfs, where recursive mkdir loops forever', { timeout: 5_000 }, async () => {
    const started = Date.now();
    const error = await ensureDirectory('/proc/nope/deeper', 'the cache').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileOperationError);
    expect(error).toMatchObject({ code: 'ENOENT', path: '/proc/nope/deeper' });
    expect((error as Error).message).toMatch(
      /^cannot create directory \/proc\/nope\/deeper \(the cache\): ENOENT/,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('names a file standing where a directory should be', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'file'), '');
    await expect(ensureDirectory(path.join(dir, 'file', 'sub'))).rejects.toMatchObject({
      code: 'ENOTDIR',
      message: expect.stringContaining(`${path.join(dir, 'file')} exists and is not a directory`),
    });
    expect(existsSync(path.join(dir, 'file', 'sub'))).toBe(false);
  });

  it('tolerates another process creating the same directory at the same time', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'x', 'y', 'z');
    await Promise.all(Array.from({ length: 8 }, () => ensureDirectory(target)));
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('reports a directory it may not write into (EACCES) when not root', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere; the CLI tests cover this as nobody
    const dir = tempDir();
    mkdirSync(path.join(dir, 'locked'), { mode: 0o555 });
    await expect(ensureDirectory(path.join(dir, 'locked', 'sub'))).rejects.toMatchObject({ code: 'EACCES' });
  });
});
