import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTextLines, resolveTreeFile } from './tree-files.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'codesearch-tree-files-'));
  root = path.join(base, 'repo');
  await mkdir(path.join(root, 'src'), { recursive: true });
  await writeFile(path.join(root, 'src', 'a.ts'), 'one\ntwo\r\nthree\n');
  await writeFile(path.join(root, '..notes'), 'inside\n');
  await writeFile(path.join(root, 'blob.bin'), Buffer.from([1, 2, 0, 3]));
  await writeFile(path.join(base, 'secret.txt'), 'outside\n');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  await symlink(base, path.join(root, 'up'));
  await symlink(path.join(root, 'src', 'a.ts'), path.join(root, 'alias.ts'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveTreeFile', () => {
  it('resolves a path relative to the root, or absolute inside it', async () => {
    await expect(resolveTreeFile(root, 'src/a.ts')).resolves.toEqual({
      absolute: path.join(root, 'src', 'a.ts'),
      relative: 'src/a.ts',
    });
    await expect(resolveTreeFile(root, path.join(root, 'src', 'a.ts'))).resolves.toMatchObject({
      relative: 'src/a.ts',
    });
    await expect(resolveTreeFile(root, 'src/../src/a.ts')).resolves.toMatchObject({ relative: 'src/a.ts' });
    await expect(resolveTreeFile(root, '..notes')).resolves.toMatchObject({ relative: '..notes' });
    await expect(resolveTreeFile(root, 'alias.ts')).resolves.toMatchObject({ relative: 'alias.ts' });
  });

  it('rejects paths that leave the tree, naming them', async () => {
    await expect(resolveTreeFile(root, '../secret.txt')).rejects.toThrow(
      `path ../secret.txt is outside the indexed tree ${root}`,
    );
    await expect(resolveTreeFile(root, path.join(base, 'secret.txt'))).rejects.toThrow(
      /outside the indexed tree/,
    );
    await expect(resolveTreeFile(root, 'escape.txt')).rejects.toThrow(
      /path escape.txt is a link to .*secret.txt, outside the indexed tree/,
    );
    await expect(resolveTreeFile(root, 'up/secret.txt')).rejects.toThrow(/outside the indexed tree/);
  });

  it('rejects what is not a regular file', async () => {
    await expect(resolveTreeFile(root, 'src')).rejects.toThrow('path src is a directory');
    await expect(resolveTreeFile(root, 'src/missing.ts')).rejects.toThrow(
      'path src/missing.ts: no such file',
    );
    await expect(resolveTreeFile(root, '')).rejects.toThrow(/not a file path/);
  });
});

describe('readTextLines', () => {
  it('splits lines (CRLF too) without a phantom last line', async () => {
    const lines = await readTextLines(await resolveTreeFile(root, 'src/a.ts'));
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('refuses binary files', async () => {
    await expect(readTextLines(await resolveTreeFile(root, 'blob.bin'))).rejects.toThrow(
      'blob.bin is a binary file',
    );
  });
});
