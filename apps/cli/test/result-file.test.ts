import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { EmbeddingBatchResult } from '@codesearch/core';
import { FileOperationError } from '@codesearch/fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkOutputTarget,
  isStandardOutput,
  standardStreamOf,
  writeResultFile,
} from '../src/result-file.js';

const result: EmbeddingBatchResult = {
  summary: { total: 3, success: 2, failed: 1, cached: 1, newlyEmbedded: 1 },
  embeddings: { 'a.py:1': [0.5, -0.25, 0, 1], 'b.py:3': null, 'c.py:9': [1, 0, 0, 0] },
  errors: { 'b.py:3': 'text preparation failed: no source' },
  metadata: {
    modelName: 'm',
    modelVersion: 'sha256:1',
    dimensions: 4,
    processedAt: '2026-11-25T00:00:00.000Z',
  },
  warnings: [],
};
const isRoot = process.getuid?.() === 0;

let directory = '';
let reader: ChildProcess | undefined;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'codesearch-output-'));
});
afterEach(async () => {
  reader?.kill('SIGKILL');
  reader = undefined;
  await rm(directory, { recursive: true, force: true });
});

describe('standardStreamOf', () => {
  it('knows - and the descriptor aliases of stdout and stderr, and nothing else', () => {
    for (const output of ['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1', `/proc/${process.pid}/fd/1`]) {
      expect(standardStreamOf(output), output).toBe(1);
      expect(isStandardOutput(output)).toBe(true);
    }
    for (const output of ['/dev/stderr', '/dev/fd/2', '/proc/self/fd/2'])
      expect(standardStreamOf(output)).toBe(2);
    for (const output of ['./-', 'out.json', '/dev/fd/3', '/proc/1/fd/1', '/dev/stdout/x', '/dev/full'])
      expect(standardStreamOf(output), output).toBeUndefined();
  });
});

describe('writeResultFile', () => {
  it('writes the result to standard output as one JSON document', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeResultFile('-', result, { 1: stdout, 2: new PassThrough() });
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toEqual(result);
  });

  it('names standard output and the cause when it cannot be written', async () => {
    const closed = new Writable({
      write: (_chunk, _encoding, callback) =>
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
    });
    closed.on('error', () => {});
    // '-', not '/dev/stdout': code that renamed over its target must not be able to replace /dev/stdout here.
    const error = await writeResultFile('-', result, { 1: closed, 2: new PassThrough() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FileOperationError);
    expect((error as FileOperationError).message).toBe('cannot write standard output: write EPIPE');
    expect((error as FileOperationError).code).toBe('EPIPE');
  });

  it('replaces a regular file atomically (a new inode, no temporary file left)', async () => {
    const file = path.join(directory, 'result.json');
    await writeFile(file, 'old content');
    const before = await stat(file);
    await writeResultFile(file, result);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(result);
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await readdir(directory)).toEqual(['result.json']);
  });

  it('writes through a symbolic link and keeps it a link', async () => {
    const target = path.join(directory, 'real.json');
    const link = path.join(directory, 'link.json');
    await writeFile(target, 'old');
    await symlink('real.json', link);
    await writeResultFile(link, result);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('real.json');
    expect(JSON.parse(await readFile(target, 'utf8'))).toEqual(result);
  });

  it('writes into a FIFO for its reader and leaves the FIFO in place', async () => {
    const fifo = path.join(directory, 'result.fifo');
    execFileSync('mkfifo', [fifo]);
    reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    reader.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    await writeResultFile(fifo, result);
    await once(reader, 'close');
    expect(JSON.parse(received)).toEqual(result);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it.runIf(isRoot)('fails on a full device with ENOSPC and never replaces the device', async () => {
    // A device node like /dev/full (char 1,7) in our own directory: the old rename-over-it code
    // must not be able to damage the real /dev/full when this test is run against it.
    const full = path.join(directory, 'full');
    execFileSync('mknod', [full, 'c', '1', '7']);
    const error = await writeResultFile(full, result).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileOperationError);
    expect((error as FileOperationError).code).toBe('ENOSPC');
    expect((error as Error).message).toMatch(new RegExp(`^cannot write ${full}: ENOSPC`));
    expect((await lstat(full)).isCharacterDevice()).toBe(true);
    expect(await readdir(directory)).toEqual(['full']);
  });

  it('refuses a directory', async () => {
    await expect(writeResultFile(directory, result)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await readdir(directory)).toEqual([]);
  });
});

describe('checkOutputTarget (before the embedding run)', () => {
  it('refuses a directory, naming it', async () => {
    const error = await checkOutputTarget(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileOperationError);
    expect((error as Error).message).toBe(`cannot write ${directory}: it is a directory`);
  });

  it('creates the missing parents of a new file', async () => {
    const file = path.join(directory, 'a', 'b', 'result.json');
    await checkOutputTarget(file);
    expect((await stat(path.dirname(file))).isDirectory()).toBe(true);
    expect(await readdir(path.dirname(file))).toEqual([]);
  });

  it('fails fast on a parent that cannot be created (procfs, a file in the way)', async () => {
    const started = Date.now();
    await expect(checkOutputTarget('/proc/nope/result.json')).rejects.toThrow(
      /^cannot create directory \/proc\/nope \(for --output\): ENOENT/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    const blocker = path.join(directory, 'file');
    await writeFile(blocker, '');
    await expect(checkOutputTarget(path.join(blocker, 'result.json'))).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
  }, 10_000);

  it('accepts standard output, devices, FIFOs, links and existing files', async () => {
    const existing = path.join(directory, 'existing.json');
    await writeFile(existing, '{}');
    await symlink('existing.json', path.join(directory, 'link.json'));
    await symlink(path.join('later', 'new.json'), path.join(directory, 'dangling.json'));
    for (const output of ['-', '/dev/stdout', '/dev/null', existing, path.join(directory, 'link.json')])
      await expect(checkOutputTarget(output), output).resolves.toBeUndefined();
    // A dangling link is written at the path it names: that directory is created.
    await checkOutputTarget(path.join(directory, 'dangling.json'));
    expect((await stat(path.join(directory, 'later'))).isDirectory()).toBe(true);
  });

  it.skipIf(isRoot)('refuses a file in a directory it may not write', async () => {
    const locked = path.join(directory, 'locked');
    await mkdir(locked, { mode: 0o555 });
    await expect(checkOutputTarget(path.join(locked, 'result.json'))).rejects.toMatchObject({
      code: 'EACCES',
    });
  });
});

describe('writeResultFile to a file', () => {
  it('writes a result that JSON.parse reads back exactly, failures as null, and leaves no temporary file', async () => {
    const vector = Array.from(new Float32Array([0.1, -0.25, 1 / 3, 1e-8]));
    const result: EmbeddingBatchResult = {
      summary: { total: 3, success: 2, failed: 1, cached: 1, newlyEmbedded: 1 },
      embeddings: { 'a.py:1': vector, 'dir/ü "q".py:20': [0, 1, 0, 0], 'b.py:3': null },
      errors: { 'b.py:3': 'text preparation failed: no source' },
      metadata: {
        modelName: 'm',
        modelVersion: 'sha256:1',
        dimensions: 4,
        processedAt: '2026-11-25T00:00:00.000Z',
      },
      warnings: ['cache moved aside'],
    };
    const file = path.join(directory, 'nested', 'result.json');
    await writeResultFile(file, result);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(result);
    expect(await readdir(path.dirname(file))).toEqual(['result.json']);
  });
});
