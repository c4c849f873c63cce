import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EmbeddingBatchResult } from '@codesearch/core';

/**
 * Writes the full result, vectors included, as JSON. Streamed entry by entry: one
 * `JSON.stringify` of 100,000 vectors would exceed V8's string limit. Written to a temporary
 * file and renamed, so a reader never sees half a result.
 */
export async function writeResultFile(file: string, result: EmbeddingBatchResult): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const stream = createWriteStream(temporary);
  const write = async (chunk: string): Promise<void> => {
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  try {
    await write(`{"summary":${JSON.stringify(result.summary)},"embeddings":{`);
    let first = true;
    for (const [key, vector] of Object.entries(result.embeddings)) {
      await write(`${first ? '' : ','}\n${JSON.stringify(key)}:${vector ? `[${vector.join(',')}]` : 'null'}`);
      first = false;
    }
    await write(
      `\n},"errors":${JSON.stringify(result.errors)},"metadata":${JSON.stringify(result.metadata)},` +
        `"warnings":${JSON.stringify(result.warnings)}}\n`,
    );
    stream.end();
    await once(stream, 'finish');
    await rename(temporary, file);
  } catch (error) {
    stream.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}
