import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CODESEARCH_GITIGNORE, ignoreCodesearchDirectory } from '../src/codesearch-dir.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-dir-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function gitStatus(): string {
  return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('ignoreCodesearchDirectory', () => {
  it('keeps the default index out of git status (a real git repository)', async () => {
    execFileSync('git', ['init', '-q'], { cwd: root });
    await writeFile(path.join(root, 'app.py'), 'def f(): pass\n');
    await mkdir(path.join(root, '.codesearch', 'index'), { recursive: true });
    await writeFile(path.join(root, '.codesearch', 'index', 'codesearch-index.json'), '{}');
    expect(gitStatus()).toContain('.codesearch/');

    const outcome = await ignoreCodesearchDirectory(root, undefined);
    expect(outcome).toEqual({ file: path.join(root, '.codesearch', '.gitignore'), state: 'written' });
    expect(gitStatus()).toBe('?? app.py\n');
    expect(await readFile(outcome.file, 'utf8')).toBe(CODESEARCH_GITIGNORE);
  });

  it('never replaces a file already there, not even an empty one or a link', async () => {
    await mkdir(path.join(root, '.codesearch'));
    const file = path.join(root, '.codesearch', '.gitignore');
    await writeFile(file, '');
    expect((await ignoreCodesearchDirectory(root, undefined)).state).toBe('present');
    expect(await readFile(file, 'utf8')).toBe('');

    await rm(file);
    const elsewhere = path.join(root, 'elsewhere');
    await symlink(elsewhere, file); // dangling: writing through it would create a file outside
    expect((await ignoreCodesearchDirectory(root, undefined)).state).toBe('present');
    await expect(readFile(elsewhere)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes nothing for an index given with --index, nor into a .codesearch that is a link or missing', async () => {
    await mkdir(path.join(root, '.codesearch'));
    expect((await ignoreCodesearchDirectory(root, path.join(root, 'idx'))).state).toBe('skipped');
    await expect(readFile(path.join(root, '.codesearch', '.gitignore'))).rejects.toMatchObject({
      code: 'ENOENT',
    });

    const other = await mkdtemp(path.join(os.tmpdir(), 'codesearch-dir-other-'));
    try {
      const linked = path.join(root, 'linked');
      await mkdir(linked);
      await symlink(other, path.join(linked, '.codesearch'));
      expect((await ignoreCodesearchDirectory(linked, undefined)).state).toBe('skipped');
      await expect(readFile(path.join(other, '.gitignore'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await ignoreCodesearchDirectory(path.join(root, 'missing'), undefined)).state).toBe('skipped');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  // Root writes into a read-only directory anyway.
  it.skipIf(process.getuid?.() === 0)('reports a directory it cannot write instead of throwing', async () => {
    await mkdir(path.join(root, '.codesearch'), { mode: 0o555 });
    const outcome = await ignoreCodesearchDirectory(root, undefined);
    expect(outcome.state).toBe('failed');
    expect(outcome.reason).toMatch(/cannot write .*\.codesearch\/\.gitignore: EACCES/);
  });
});
