import { createHash } from 'node:crypto';
import { lstat, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { type EmbeddingModelInfo, sameModel } from '@codesearch/core';
import { FileOperationError, fsyncDirectory } from '@codesearch/fs';
import { describeModel, errorText, nowIso, printable } from './common.js';
import { isStoredEntryShape, type StoredEntry } from './entry-codec.js';
import { fileStamp, versionLabel } from './move-aside.js';
import { encodedLength } from './vector-codec.js';

/**
 * The journal beside a JSON cache file (`cache.json.journal`): what `flush()` appended since
 * the file was last rewritten. One record per line:
 *
 *   <payload bytes> <first 16 hex digits of the payload's sha256> <payload JSON>\n
 *
 * The first record is a header naming the model and the cache file it continues (that file's
 * `metadata.created`); each later record holds the entries of one flush. A record is used only
 * when its length and checksum match, so a torn append (SIGKILL, power loss) is dropped as a
 * whole and everything before it is kept.
 */
export const JOURNAL_FORMAT = 'codesearch-cache-journal/1';

export function journalFile(cacheFile: string): string {
  return `${cacheFile}.journal`;
}

export interface JournalHeader {
  journal: typeof JOURNAL_FORMAT;
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** `metadata.created` of the cache file this journal continues. */
  created: string;
}

export interface JournalContent {
  /** The header, when the read started at the beginning and it verified. */
  header: JournalHeader | undefined;
  /** Entries of the verified records read, in order (a key may repeat). */
  entries: Array<[string, StoredEntry]>;
  /** Entries of verified records that are not entries of `dimensions` values. */
  invalid: number;
  /** Offset just after the last verified record: where the next append goes. */
  end: number;
  /** Bytes in the file when it was read. */
  size: number;
  /** Set when a record failed its check with more records after it: those were dropped too. */
  damaged: string | undefined;
  /** Bytes after `end` that do not form a verified record yet: a torn (or unfinished) last append. */
  torn: boolean;
  /** No complete header, only the start of one: the journal's first append was cut short. */
  tornHeader: boolean;
}

export type JournalRead =
  | { kind: 'missing' }
  | { kind: 'ok'; identity: FileIdentity; content: JournalContent }
  | { kind: 'unusable'; reason: string; special?: boolean };

/** Which file: a journal replaced or removed and recreated has another inode. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

const CHECK_DIGITS = 16;
const NEWLINE = 0x0a;

function checksum(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex').slice(0, CHECK_DIGITS);
}

export function encodeRecord(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} ${checksum(body)} `), body, Buffer.from('\n')]);
}

export function headerRecord(model: EmbeddingModelInfo, created: string): Buffer {
  const header: JournalHeader = {
    journal: JOURNAL_FORMAT,
    modelName: model.modelName,
    modelVersion: model.modelVersion,
    dimensions: model.dimensions,
    created,
  };
  return encodeRecord(header);
}

export function entriesRecord(entries: Iterable<readonly [string, StoredEntry]>): Buffer {
  return encodeRecord({ entries: Object.fromEntries(entries) });
}

/** The payload of one line, or why it is not a verified record. */
function verify(line: Buffer): unknown | { failed: string } {
  const first = line.indexOf(0x20);
  const second = first < 0 ? -1 : line.indexOf(0x20, first + 1);
  if (second < 0) return { failed: 'no length and checksum' };
  const length = Number(line.subarray(0, first).toString('latin1'));
  const check = line.subarray(first + 1, second).toString('latin1');
  const body = line.subarray(second + 1);
  if (!Number.isSafeInteger(length) || length !== body.length) {
    return {
      failed: `length ${printable(line.subarray(0, first).toString('latin1'))} does not match ${body.length} bytes`,
    };
  }
  if (check !== checksum(body)) return { failed: 'checksum mismatch' };
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { failed: `invalid JSON (${printable(errorText(error))})` };
  }
}

function failed(value: unknown): value is { failed: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { failed?: unknown }).failed === 'string'
  );
}

function parseHeader(value: unknown): JournalHeader | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    record.journal !== JOURNAL_FORMAT ||
    typeof record.modelName !== 'string' ||
    typeof record.modelVersion !== 'string' ||
    !Number.isInteger(record.dimensions) ||
    typeof record.created !== 'string'
  ) {
    return undefined;
  }
  return {
    journal: JOURNAL_FORMAT,
    modelName: record.modelName,
    modelVersion: record.modelVersion,
    dimensions: record.dimensions as number,
    created: record.created,
  };
}

/**
 * Parses `bytes`, which start at offset `from` of the journal (0: the header comes first).
 * Returns `undefined` content with a reason when the first record read from 0 is not a header.
 */
export function parseJournal(
  bytes: Buffer,
  from: number,
  dimensions: number,
): { content: JournalContent } | { foreign: string } {
  const length = encodedLength(dimensions);
  const content: JournalContent = {
    header: undefined,
    entries: [],
    invalid: 0,
    end: from,
    size: from + bytes.length,
    damaged: undefined,
    torn: false,
    tornHeader: false,
  };
  let position = 0;
  let index = 0;
  while (position < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, position);
    // No newline yet: an append that was cut short, or is still being written.
    if (newline < 0) {
      content.torn = true;
      content.tornHeader = from === 0 && index === 0 && startsLikeHeader(bytes.subarray(position));
      break;
    }
    const payload = verify(bytes.subarray(position, newline));
    const last = newline === bytes.length - 1;
    if (failed(payload)) {
      if (last) content.torn = true;
      else
        content.damaged = `record ${index + 1} at byte ${from + position} failed its check (${payload.failed})`;
      if (from === 0 && index === 0 && !last)
        return { foreign: `its first record is not a header (${payload.failed})` };
      break;
    }
    if (from === 0 && index === 0) {
      content.header = parseHeader(payload);
      if (!content.header)
        return { foreign: `not a ${JOURNAL_FORMAT} file (its first record is not a header)` };
    } else {
      const entries = (payload as { entries?: unknown }).entries;
      if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
        content.damaged = `record ${index + 1} at byte ${from + position} holds no entries`;
        break;
      }
      for (const [key, value] of Object.entries(entries)) {
        if (isStoredEntryShape(value) && value.embedding.length === length)
          content.entries.push([key, value]);
        else content.invalid++;
      }
    }
    index++;
    position = newline + 1;
    content.end = from + position;
  }
  return { content };
}

const HEADER_START = `{"journal":"${JOURNAL_FORMAT}"`;

/**
 * Whether `bytes` (no newline in them) are the beginning of a header record as `headerRecord`
 * writes it: `<digits> <16 hex> {"journal":"codesearch-cache-journal/1",…`, cut anywhere.
 */
function startsLikeHeader(bytes: Buffer): boolean {
  const text = bytes.subarray(0, 200).toString('latin1');
  const match = /^(\d+)(?: ([0-9a-f]{0,16})(?: ([\s\S]*))?)?$/.exec(text);
  if (!match) return false;
  const [, , check, payload] = match;
  if (payload === undefined) return true;
  if (check?.length !== CHECK_DIGITS) return false;
  return payload.length <= HEADER_START.length
    ? HEADER_START.startsWith(payload)
    : payload.startsWith(HEADER_START);
}

/** Reads the journal from offset `from`. A special file is never opened. */
export async function readJournal(file: string, from: number, dimensions: number): Promise<JournalRead> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { kind: 'unusable', reason: 'not a regular file', special: true };
    const handle = await open(file, 'r');
    try {
      const stats = await handle.stat();
      const size = Math.max(0, stats.size - from);
      const bytes = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await handle.read(bytes, filled, size - filled, from + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      const parsed = parseJournal(bytes.subarray(0, filled), from, dimensions);
      if ('foreign' in parsed) return { kind: 'unusable', reason: parsed.foreign };
      return { kind: 'ok', identity: { dev: stats.dev, ino: stats.ino }, content: parsed.content };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unusable', reason: `cannot read it: ${errorText(error)}` };
  }
}

/**
 * Appends `records` to the journal and makes them durable (fdatasync; a new journal's directory
 * entry too). Bytes after `keep` (a torn append of a killed writer) are cut off first. Call
 * only while holding the cache file's lock.
 */
export async function appendToJournal(
  file: string,
  records: readonly Buffer[],
  keep: number,
): Promise<FileIdentity & { end: number }> {
  const fail = (action: string) => (error: NodeJS.ErrnoException) => {
    throw new FileOperationError(`cannot ${action} ${file}: ${errorText(error)}`, {
      code: error.code ?? 'EIO',
      path: file,
      cause: error,
    });
  };
  const existed = await lstat(file).then(
    () => true,
    () => false,
  );
  const handle = await open(file, 'a', 0o644).catch(fail('open'));
  try {
    const before = await handle.stat();
    if (before.size > keep) await handle.truncate(keep).catch(fail('truncate the torn end of'));
    const bytes = Buffer.concat(records);
    for (let written = 0; written < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, written).catch(fail('append to'));
      written += bytesWritten;
    }
    await handle.datasync().catch(fail('sync'));
    const after = await handle.stat();
    if (!existed) await fsyncDirectory(path.dirname(file));
    return { dev: after.dev, ino: after.ino, end: after.size };
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Why the journal must not be applied to the cache file `base` (its metadata; `undefined` when
 * there is none), with the suffix it is moved aside under; `undefined` when it may be.
 */
export function journalProblem(
  journal: JournalRead,
  base: { created: string } | undefined,
  model: Pick<EmbeddingModelInfo, 'modelName' | 'modelVersion' | 'dimensions'>,
): { text: string; suffix: string } | undefined {
  const stamp = fileStamp(nowIso());
  if (journal.kind === 'missing') return undefined;
  if (journal.kind === 'unusable')
    return { text: `could not be used (${journal.reason})`, suffix: `corrupt-${stamp}` };
  const { header, size } = journal.content;
  if (!header) {
    // Empty, or its first append cut short: nothing to apply, and the next append starts it anew.
    // Anything else cannot be told to be ours.
    return size === 0 || journal.content.tornHeader
      ? undefined
      : {
          text: 'has no valid header record (it is not a codesearch cache journal)',
          suffix: `corrupt-${stamp}`,
        };
  }
  if (!sameModel(header, model)) {
    return {
      text: `was written by ${describeModel(header)}, not ${describeModel(model)}`,
      suffix: `model-${versionLabel(header.modelVersion)}-${stamp}`,
    };
  }
  if (!base) return { text: 'has no cache file beside it to continue', suffix: `corrupt-${stamp}` };
  if (header.created !== base.created) {
    return {
      text: `continues another cache file (created ${header.created}; this one was created ${base.created})`,
      suffix: `corrupt-${stamp}`,
    };
  }
  return undefined;
}
