import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descriptorAlias, removeOrphanTemps, writeFileAtomic, writeFileSafely } from '../src/index.js';
import { childDist, tempDir } from './helpers.js';

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

  it('refuses a directory before creating anything', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(dir, 'x')).rejects.toMatchObject({ code: 'EISDIR', path: dir });
    expect(readdirSync(dir)).toEqual([]);
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

describe('writeFileSafely on what is not a regular file', () => {
  it('writes /dev/null in place: the device node is not replaced', async () => {
    const before = statSync('/dev/null');
    await writeFileAtomic('/dev/null', 'discarded');
    const after = lstatSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
  });

  it('reports a full device (ENOSPC) with the path and the cause, and keeps /dev/full a device', async () => {
    await expect(writeFileAtomic('/dev/full', 'x'.repeat(10))).rejects.toMatchObject({
      code: 'ENOSPC',
      path: '/dev/full',
      message: expect.stringMatching(/\/dev\/full.*ENOSPC|ENOSPC.*\/dev\/full/),
    });
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('writes a FIFO in place, so a reader at the other end gets the bytes', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile('cat', [fifo], (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
    });
    await writeFileAtomic(fifo, 'through the pipe');
    expect(await reader).toBe('through the pipe');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('treats /dev/stdout and /dev/fd/N as descriptors: written in place, never renamed over', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'redirected.txt');
    // A child whose stdout is a regular file, as after `> out`: writing /dev/stdout appends to it.
    const script = `import(${JSON.stringify(childDist())}).then((m) => m.writeFileAtomic('/dev/stdout', 'via-dev-stdout\\n'))`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', openSync(out, 'w'), 'inherit'],
    });
    expect(readFileSync(out, 'utf8')).toBe('via-dev-stdout\n');
    expect(readdirSync(dir)).toEqual(['redirected.txt']);
  });

  it('replaces the target of a symbolic link and keeps the link', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'real'));
    writeFileSync(path.join(dir, 'real', 'cache.json'), 'old');
    symlinkSync('real/cache.json', path.join(dir, 'link.json'));
    await writeFileAtomic(path.join(dir, 'link.json'), 'new');
    expect(lstatSync(path.join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(dir, 'link.json'))).toBe('real/cache.json');
    expect(readFileSync(path.join(dir, 'real', 'cache.json'), 'utf8')).toBe('new');
  });

  it('creates the file a dangling link names', async () => {
    const dir = tempDir();
    symlinkSync('target.json', path.join(dir, 'link.json'));
    await writeFileAtomic(path.join(dir, 'link.json'), 'made');
    expect(readFileSync(path.join(dir, 'target.json'), 'utf8')).toBe('made');
    expect(lstatSync(path.join(dir, 'link.json')).isSymbolicLink()).toBe(true);
  });
});

describe('writeFileSafely streaming', () => {
  it('writes every chunk in order, across the internal buffer size', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.json');
    const line = `${'y'.repeat(999)}\n`;
    await writeFileSafely(file, async (sink) => {
      for (let i = 0; i < 3000; i++) await sink.write(line);
    });
    expect(statSync(file).size).toBe(3000 * 1000);
    expect(readdirSync(dir)).toEqual(['big.json']);
  });

  it('keeps the old file and leaves no temp file when the producer throws', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'result.json');
    writeFileSync(file, 'previous');
    await expect(
      writeFileSafely(file, async (sink) => {
        await sink.write('half');
        throw new Error('producer failed');
      }),
    ).rejects.toThrow('producer failed');
    expect(readFileSync(file, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['result.json']);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });
});

describe('descriptorAlias', () => {
  it('names the descriptor of /dev and /proc aliases, and whose it is', () => {
    expect(descriptorAlias('/dev/stdout')).toEqual({ fd: 1, ownProcess: true });
    expect(descriptorAlias('/dev/stderr')).toEqual({ fd: 2, ownProcess: true });
    expect(descriptorAlias('/dev/fd/7')).toEqual({ fd: 7, ownProcess: true });
    expect(descriptorAlias('/proc/self/fd/1')).toEqual({ fd: 1, ownProcess: true });
    expect(descriptorAlias(`/proc/${process.pid}/fd/2`)).toEqual({ fd: 2, ownProcess: true });
    expect(descriptorAlias(`/proc/${process.pid + 1}/fd/1`)).toEqual({ fd: 1, ownProcess: false });
    for (const other of ['/dev/null', '/dev/stdout2', '/tmp/dev/stdout', 'dev/stdout', '/proc/self/fd']) {
      expect(descriptorAlias(other)).toBeUndefined();
    }
  });
});
