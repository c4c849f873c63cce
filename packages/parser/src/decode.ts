import type { Language } from '@codesearch/core';

/** Text of a source file, or why it is not text we can parse. */
export type DecodeResult = { ok: true; text: string; encoding: string } | { ok: false; reason: string };

const BINARY_SNIFF_BYTES = 8192;
// PEP 263: a coding declaration on line 1 or 2, e.g. `# -*- coding: latin-1 -*-`.
const PYTHON_CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

function pythonCodingCookie(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 400)).split(/\r\n|\r|\n/, 2);
  for (const line of head) {
    const match = PYTHON_CODING_COOKIE.exec(line);
    if (match?.[1]) return match[1].toLowerCase();
    // The cookie may only be on line 2 if line 1 is a comment or blank.
    if (!/^[ \t\f]*(#.*)?$/.test(line)) break;
  }
  return undefined;
}

/** Byte offset of the first invalid UTF-8 sequence, for the error message. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  // A prefix is valid when it decodes in streaming mode (a cut inside a multi-byte sequence is
  // then pending, not an error). Each probe needs a fresh decoder: a streaming one keeps state.
  const validPrefix = (end: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let low = 0; // a valid prefix length
  let high = bytes.length; // an invalid one
  while (high - low > 1) {
    const mid = (low + high) >>> 1;
    if (validPrefix(mid)) low = mid;
    else high = mid;
  }
  // Byte high-1 is where decoding fails (a bad sequence may start up to 3 bytes earlier).
  return high - 1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

// Python codec names that the WHATWG TextDecoder spells differently or maps to another
// encoding (its `latin1` means windows-1252, which differs from ISO-8859-1 in 0x80–0x9F).
const PYTHON_CODECS: Readonly<Record<string, string>> = {
  latin_1: 'iso-8859-1',
  latin1: 'iso-8859-1',
  iso_8859_1: 'iso-8859-1',
  iso8859_1: 'iso-8859-1',
  '8859': 'iso-8859-1',
  cp819: 'iso-8859-1',
  l1: 'iso-8859-1',
  ascii: 'ascii',
  us_ascii: 'ascii',
  cp1252: 'windows-1252',
  windows_1252: 'windows-1252',
  utf_8: 'utf-8',
  utf8: 'utf-8',
  u8: 'utf-8',
  utf_8_sig: 'utf-8',
};

/** Python's codec lookup (lower case, `-` and spaces as `_`), then WHATWG labels. */
function encodingOfCookie(cookie: string): string {
  const normalised = cookie.toLowerCase().replace(/[-\s]/g, '_');
  return PYTHON_CODECS[normalised] ?? PYTHON_CODECS[normalised.replace(/_/g, '')] ?? cookie;
}

// windows-1252 at 0x80–0x9F (elsewhere it is ISO-8859-1). Node 20's TextDecoder gets this range
// wrong (it decodes windows-1252 as ISO-8859-1), so the table is here.
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

type SingleByteEncoding = 'iso-8859-1' | 'windows-1252' | 'ascii';

/** Decoded by hand: TextDecoder reads all three as (a broken) windows-1252. */
function decodeSingleByte(bytes: Uint8Array, encoding: SingleByteEncoding): string | undefined {
  if (encoding === 'ascii' && bytes.some((byte) => byte > 0x7f)) return undefined;
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (encoding !== 'windows-1252') return latin1;
  return latin1.replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80]!);
}

const SINGLE_BYTE = new Set<string>(['iso-8859-1', 'windows-1252', 'ascii']);

/**
 * Decodes source bytes. UTF-8 by default (a BOM is dropped); UTF-16 with a BOM; for Python
 * the PEP 263 coding cookie is honoured, as CPython does. NUL bytes mean a binary file.
 */
export function decodeSource(bytes: Uint8Array, language: Language): DecodeResult {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { ok: true, text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { ok: true, text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  }
  const sniff = bytes.subarray(0, BINARY_SNIFF_BYTES);
  if (sniff.includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };

  let encoding = 'utf-8';
  if (language === 'python') {
    const cookie = pythonCodingCookie(bytes);
    if (cookie) encoding = encodingOfCookie(cookie);
  }
  if (SINGLE_BYTE.has(encoding)) {
    const text = decodeSingleByte(bytes, encoding as SingleByteEncoding);
    return text === undefined
      ? { ok: false, reason: `not valid ${encoding} text` }
      : { ok: true, text, encoding };
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return { ok: false, reason: `unknown source encoding '${encoding}' in the coding declaration` };
  }
  try {
    // TextDecoder drops a UTF-8 BOM by default.
    return { ok: true, text: decoder.decode(bytes), encoding };
  } catch {
    if (encoding !== 'utf-8') return { ok: false, reason: `not valid ${encoding} text` };
    const offset = firstInvalidUtf8Offset(bytes);
    return { ok: false, reason: `invalid UTF-8 at line ${lineAt(bytes, offset)} (byte ${offset})` };
  }
}
