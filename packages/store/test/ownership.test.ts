import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { openCodeIndex } from '../src/index.js';
import { MODEL, record, tempDir, unit } from './helpers.js';

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a StoreError, got ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(StoreError.isInstance(error), String(error)).toBe(true);
  return error as StoreError;
}

/** A directory that looks like a user's source tree. */
async function userTree(): Promise<string> {
  const dir = join(await tempDir(), 'my-project');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'README.md'), '# my project\n');
  await writeFile(join(dir, 'src', 'main.py'), 'def main():\n    pass\n');
  return dir;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    out[full.slice(dir.length)] = entry.isFile() ? await readFile(full, 'utf8') : '<dir>';
  }
  return out;
}

describe('a directory that is not an index', () => {
  for (const rebuild of [false, true]) {
    it(`is refused (rebuild: ${rebuild}) with NOT_AN_INDEX naming it and some entries; nothing created or deleted`, async () => {
      const dir = await userTree();
      const before = await snapshot(dir);
      const error = await rejection(openCodeIndex(dir, { model: MODEL, rebuild }));
      expect(error.code).toBe('NOT_AN_INDEX');
      expect(error.directory).toBe(dir);
      expect(error.message).toContain(dir);
      expect(error.message).toContain('README.md');
      expect(error.message).toContain('src');
      expect(error.message).toMatch(/empty or new directory/);
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it('a sync through a handle cannot write into it either', async () => {
    const dir = await userTree();
    const before = await snapshot(dir);
    // Old code: the open succeeded and the sync created code.lance among the user's files.
    await rejection(
      openCodeIndex(dir, { model: MODEL }).then((index) =>
        index.sync([record({ file: 'a.py', line: 1, name: 'f', vector: unit(1) })]),
      ),
    );
    expect(await snapshot(dir)).toEqual(before);
  });
});
