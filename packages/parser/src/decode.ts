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
  let low = 0;
  let high = bytes.length;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Binary search on prefixes; a cut inside a valid multi-byte sequence can look invalid,
  // so the answer is exact to within 3 bytes, which is enough to find the spot.
  while (high - low > 4) {
    const mid = (low + high) >>> 1;
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid;
    }
  }
  return low;
}

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
    if (cookie && !/^utf[-_]?8/.test(cookie)) encoding = cookie;
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
    return { ok: false, reason: `invalid UTF-8 near byte ${firstInvalidUtf8Offset(bytes)}` };
  }
}
