import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensureDirectory } from '@codesearch/fs';

export interface DownloadProgress {
  /** What is being fetched: a file name or a wheel name. */
  label: string;
  receivedBytes: number;
  /** Undefined when the server does not say. */
  totalBytes?: number;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** No data for this long fails the download (default 30 s). */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** GETs `url` into memory, reporting progress; throws with the URL and status on failure. */
export async function downloadBuffer(
  url: string,
  label: string,
  options: DownloadOptions = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await streamDownload(url, label, options, async (body) => {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  });
  return Buffer.concat(chunks);
}

/** GETs `url` into `file` (through a temporary name, so a cut download never looks complete). Returns its sha256. */
export async function downloadFile(
  url: string,
  file: string,
  label: string,
  options: DownloadOptions = {},
): Promise<string> {
  await ensureDirectory(path.dirname(file), `download of ${label}`);
  const partial = `${file}.partial-${process.pid}`;
  const hash = createHash('sha256');
  try {
    await streamDownload(url, label, options, async (body) => {
      body.on('data', (chunk: Buffer) => hash.update(chunk));
      await pipeline(body, createWriteStream(partial));
    });
    await rename(partial, file);
    return hash.digest('hex');
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function streamDownload(
  url: string,
  label: string,
  options: DownloadOptions,
  consume: (body: Readable) => Promise<void>,
): Promise<void> {
  const idle = new AbortController();
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  let timer = setTimeout(() => idle.abort(), idleTimeoutMs);
  try {
    const response = await (options.fetch ?? fetch)(url, { signal: idle.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
    const totalBytes = Number(response.headers.get('content-length')) || undefined;
    let receivedBytes = 0;
    const body = Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]);
    body.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), idleTimeoutMs);
      options.onProgress?.({ label, receivedBytes, ...(totalBytes ? { totalBytes } : {}) });
    });
    await consume(body);
  } catch (error) {
    if (idle.signal.aborted) throw new Error(`GET ${url}: no data for ${idleTimeoutMs / 1000} s`);
    const cause = (error as Error).cause as Error | undefined;
    throw new Error(`${(error as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
  } finally {
    clearTimeout(timer);
  }
}
