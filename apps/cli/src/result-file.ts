import { access, constants, lstat, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EmbeddingBatchResult } from '@codesearch/core';
import {
  type AtomicWriteSink,
  descriptorAlias,
  ensureDirectory,
  FileOperationError,
  writeFileSafely,
} from '@codesearch/fs';

/** The process's own standard streams, by descriptor number. */
type StandardStream = 1 | 2;

/**
 * The standard stream an `--output` value names, if any: `-` is standard output, and so are
 * its descriptor aliases (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`); likewise for stderr.
 * These are written through the process's own stream: reopening the alias fails when the
 * descriptor is a socket (ENXIO), which is what a parent Node process hands its children.
 */
export function standardStreamOf(output: string): StandardStream | undefined {
  if (output === '-') return 1;
  const alias = descriptorAlias(output);
  if (!alias?.ownProcess) return undefined;
  return alias.fd === 1 || alias.fd === 2 ? alias.fd : undefined;
}

/** True when `--output` sends the result to standard output. */
export function isStandardOutput(output: string): boolean {
  return standardStreamOf(output) === 1;
}

/**
 * What can be checked cheaply before a long embedding run, so that a typo costs nothing:
 * a directory is refused, the parent of a new file is created (`ensureDirectory`: fails fast,
 * also on procfs), and the place the write will need is checked for write permission. Rejects
 * with a `FileOperationError` naming the path and the cause. Full disks and the like can only
 * show when the result is written.
 */
export async function checkOutputTarget(output: string): Promise<void> {
  if (standardStreamOf(output) !== undefined) return;
  const file = path.resolve(output);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    if (info.code !== 'ENOENT' && info.code !== 'ENOTDIR') throw failure('write', file, info);
    // A new file (or a dangling link, written at the path it names): its directory must exist.
    const target = await danglingLinkTarget(file);
    const directory = await ensureDirectory(path.dirname(target), 'for --output');
    await writable(directory, file);
    return;
  }
  if (info.isDirectory()) {
    throw new FileOperationError(`cannot write ${file}: it is a directory`, { code: 'EISDIR', path: file });
  }
  // A regular file is replaced by a rename in its directory; a device or FIFO is written in place.
  if (info.isFile()) await writable(path.dirname(await realpath(file)), file);
  else await writable(file, file);
}

async function danglingLinkTarget(file: string): Promise<string> {
  const link = await lstat(file).catch(() => undefined);
  if (!link?.isSymbolicLink()) return file;
  return path.resolve(path.dirname(file), await readlink(file));
}

async function writable(where: string, file: string): Promise<void> {
  await access(where, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw failure('write', file, error);
  });
}

function failure(action: string, file: string, cause: NodeJS.ErrnoException): FileOperationError {
  return new FileOperationError(`cannot ${action} ${file}: ${cause.message}`, {
    code: cause.code ?? 'EIO',
    path: file,
    cause,
  });
}

/**
 * Writes the full result, vectors included, as JSON, to a file or to a standard stream
 * (`standardStreamOf`). Streamed entry by entry: one `JSON.stringify` of 100,000 vectors would
 * exceed V8's string limit. Files go through `writeFileSafely`: a regular file is replaced
 * atomically, a link keeps being a link, devices and FIFOs are written in place and never
 * replaced. Failures reject with a `FileOperationError` naming the path and the cause.
 */
export async function writeResultFile(
  output: string,
  result: EmbeddingBatchResult,
  streams: { 1: NodeJS.WritableStream; 2: NodeJS.WritableStream } = { 1: process.stdout, 2: process.stderr },
): Promise<void> {
  const standard = standardStreamOf(output);
  if (standard === undefined) {
    await ensureDirectory(path.dirname(path.resolve(output)), 'for --output');
    await writeFileSafely(output, (sink) => writeResult(sink, result));
    return;
  }
  const name = standard === 1 ? 'standard output' : 'standard error';
  const sink = streamSink(streams[standard], name);
  await writeResult(sink, result);
  await sink.flush();
}

async function writeResult(sink: AtomicWriteSink, result: EmbeddingBatchResult): Promise<void> {
  await sink.write(`{"summary":${JSON.stringify(result.summary)},"embeddings":{`);
  let first = true;
  for (const [key, vector] of Object.entries(result.embeddings)) {
    await sink.write(
      `${first ? '' : ','}\n${JSON.stringify(key)}:${vector ? `[${vector.join(',')}]` : 'null'}`,
    );
    first = false;
  }
  await sink.write(
    `\n},"errors":${JSON.stringify(result.errors)},"metadata":${JSON.stringify(result.metadata)},` +
      `"warnings":${JSON.stringify(result.warnings)}}\n`,
  );
}

/** Bytes gathered before one write to a stream, as `writeFileSafely` does for files. */
const BUFFER_BYTES = 1 << 20;

/** A sink onto a stream that waits for each write to be taken (backpressure) and names the stream on failure. */
function streamSink(
  stream: NodeJS.WritableStream,
  name: string,
): AtomicWriteSink & { flush(): Promise<void> } {
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = async (): Promise<void> => {
    if (pendingLength === 0) return;
    const data = pending.join('');
    pending = [];
    pendingLength = 0;
    await new Promise<void>((resolve, reject) => {
      stream.write(data, (error?: Error | null) => {
        if (!error) resolve();
        else {
          const cause = error as NodeJS.ErrnoException;
          reject(
            new FileOperationError(`cannot write ${name}: ${cause.message}`, {
              code: cause.code ?? 'EIO',
              path: name,
              cause,
            }),
          );
        }
      });
    });
  };
  return {
    write: async (chunk) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength >= BUFFER_BYTES) await flush();
    },
    flush,
  };
}
