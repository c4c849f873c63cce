import { open } from 'node:fs/promises';
import type { Language } from '@codesearch/core';
import { BY_CONTENT, detectLanguage, languageByName, sniffLength } from './language-detection.js';

/** The first `length` bytes of a file as text, or undefined when it cannot be read. */
export async function readHead(filePath: string, length: number): Promise<string | undefined> {
  try {
    const handle = await open(filePath, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The language of a file on disk, as the walk decides it: by name, and by its first bytes when
 * the name cannot tell (a `.h` header, a script without extension). A file that cannot be read
 * counts by its name alone.
 */
export async function detectFileLanguage(
  absolutePath: string,
  relativePath: string = absolutePath,
): Promise<Language | undefined> {
  const byName = languageByName(relativePath);
  if (byName !== BY_CONTENT) return byName;
  const head = await readHead(absolutePath, sniffLength(relativePath));
  return detectLanguage(relativePath, head);
}
