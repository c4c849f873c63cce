import { identifierParts } from '@codesearch/core';

export { identifierParts };

/**
 * The column the full-text index covers. The tokenizer splits on punctuation (so `parse_file`
 * and `Parser.parse` already give their words) but not on case, so:
 * - first line: the words of the qualified name — the name counts again, which weighs
 *   name matches above body matches (BM25 term frequency);
 * - then the prepared text (path, signature, docstring, code);
 * - last line: the words of every mixed-case identifier of the text (`readConfigFile` →
 *   `read config file`), each identifier once, so "read config" finds it.
 */
export function buildSearchText(record: { qualifiedName: string; text: string }): string {
  const nameWords = identifierParts(record.qualifiedName).join(' ');
  const split = new Set<string>();
  for (const identifier of record.text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? []) {
    if (!/[a-z][A-Z]|[A-Z]{2}[a-z]|[A-Za-z]\d/.test(identifier) || split.has(identifier)) continue;
    split.add(identifier);
  }
  const words = [...split].map((identifier) => identifierParts(identifier).join(' '));
  return `${nameWords}\n${record.text}\n${words.join(' ')}`;
}
