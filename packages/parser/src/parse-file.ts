import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Language, ParseError } from '@codesearch/core';
import { decodeSource } from './decode.js';
import { contentSkipReason, DEFAULT_MAX_FILE_SIZE, formatBytes } from './file-policy.js';
import { BY_CONTENT, detectLanguage, languageByName, sniffLength } from './language-detection.js';
import { type FileFingerprint, type ParsedFile, parseSource } from './parse-source.js';

export interface ParseFileOptions {
  /** Entities get paths relative to this directory (default: the file's own directory). */
  root?: string;
  /** Overrides detection by file name (and, for `.h` and files without extension, by content). */
  language?: Language;
  /** Refuse files larger than this many bytes (default 1 MiB). */
  maxFileSize?: number;
  /** Refuse files whose header marks them as generated (default true). */
  skipGenerated?: boolean;
}

/** Error codes of files refused on purpose (policy) rather than because something is wrong. */
export const SKIP_CODES: ReadonlySet<string> = new Set(['FILE_TOO_LARGE', 'BINARY_FILE', 'GENERATED_FILE']);

function posixRelative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/**
 * Reads, decodes and parses one file. Throws a `ParseError` naming the file and the cause
 * (unreadable, too large, binary, not valid text, generated/minified); a file with syntax
 * errors is not an error: its entities are extracted and `warnings` says where the errors are.
 */
export async function parseFile(filePath: string, options: ParseFileOptions = {}): Promise<ParsedFile> {
  const absolutePath = path.resolve(filePath);
  const relativePath = posixRelative(
    options.root ? path.resolve(options.root) : path.dirname(absolutePath),
    absolutePath,
  );
  const byName = options.language ?? languageByName(absolutePath);
  const unsupported = () =>
    new ParseError(relativePath, 'unsupported file type', { code: 'UNSUPPORTED_LANGUAGE' });
  if (!byName) throw unsupported();

  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  let bytes: Buffer;
  let fingerprint: FileFingerprint;
  try {
    // Times are taken before the read: a change during the read then shows as a newer mtime later.
    const info = await stat(absolutePath);
    if (!info.isFile()) throw new ParseError(relativePath, 'not a regular file', { code: 'NOT_A_FILE' });
    if (info.size > maxFileSize) {
      throw new ParseError(
        relativePath,
        `too large (${formatBytes(info.size)}, limit ${formatBytes(maxFileSize)})`,
        {
          code: 'FILE_TOO_LARGE',
        },
      );
    }
    bytes = await readFile(absolutePath);
    fingerprint = {
      size: info.size,
      mtimeMs: info.mtimeMs,
      ctimeMs: info.ctimeMs,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  } catch (error) {
    if (ParseError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : `cannot read: ${(error as Error).message}`;
    throw new ParseError(relativePath, reason, { code: 'UNREADABLE', cause: error });
  }

  // A `.h` header or a script without extension: its first bytes decide (as the walk does).
  const language =
    byName === BY_CONTENT
      ? detectLanguage(absolutePath, bytes.toString('utf8', 0, sniffLength(absolutePath)))
      : byName;
  if (!language) throw unsupported();
  const decoded = decodeSource(bytes, language);
  if (!decoded.ok) {
    const code = decoded.reason.startsWith('binary') ? 'BINARY_FILE' : 'INVALID_ENCODING';
    throw new ParseError(relativePath, decoded.reason, { code });
  }
  const skipReason = contentSkipReason(decoded.text, { skipGenerated: options.skipGenerated ?? true });
  if (skipReason) throw new ParseError(relativePath, skipReason, { code: 'GENERATED_FILE' });

  try {
    return { ...parseSource(decoded.text, language, relativePath), fingerprint };
  } catch (error) {
    throw new ParseError(relativePath, `tree-sitter failed: ${(error as Error).message}`, { cause: error });
  }
}
