/**
 * Parts of one identifier: `parseHTTPResponse2` → parse, HTTP, Response, 2; `parse_file` → parse,
 * file. How the store's full-text column and the ranking stage both read names.
 */
export function identifierParts(identifier: string): string[] {
  return identifier.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [];
}
