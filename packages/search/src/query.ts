import { identifierParts } from '@codesearch/core';
import type { QueryAnalysis } from './types.js';

export { identifierParts };

/** Lower-case parts, joined: the form in which `parse_file`, `parseFile` and `ParseFile` agree. */
export function splitForm(identifier: string): string {
  return identifierParts(identifier)
    .map((part) => part.toLowerCase())
    .join(' ');
}

// Words that carry no meaning for code search: matching them against names or paths is noise.
const STOP_WORDS = new Set(
  (
    'a an and are as at be by can do does for from get gets how i in into is it its of on or ' +
    'the this that to use used uses using via what when where which who why with work works ' +
    'code function method class implementation implemented handle handled handling find show'
  ).split(' '),
);

const TEST_WORDS = new Set([
  'test',
  'tests',
  'testing',
  'spec',
  'specs',
  'fixture',
  'fixtures',
  'mock',
  'mocks',
  'example',
  'examples',
  'benchmark',
  'benchmarks',
  'bench',
]);

/** An identifier as typed: `APIRouter`, `Session.send`, `serde::de`, `Foo#bar`, `parse()`, a Rust macro `json!`. */
const SYMBOL = /^[A-Za-z_$][\w$]*(?:(?:\.|::|#|->)[A-Za-z_$][\w$]*)*(?:\(\)|!)?$/;

/** A word of a sentence that is an identifier rather than English: has case humps, `_`, `.`, `::` or `()`. */
function looksLikeIdentifier(token: string): boolean {
  if (!SYMBOL.test(token)) return false;
  return (
    /[a-z][A-Z]/.test(token) || // camelCase
    /[A-Z]{2,}[a-z]/.test(token) || // HTTPServer
    /^[A-Z][a-z]+[A-Z]/.test(token) ||
    /[A-Za-z]_[A-Za-z]/.test(token) || // snake_case
    /(\.|::|#|->)[A-Za-z_$]/.test(token) || // a.b, a::b
    token.endsWith('()')
  );
}

/** `Session.send()` → `Session.send`; `serde::de::Deserialize` → `serde.de.Deserialize`; `json!` → `json`. */
export function normaliseIdentifier(token: string): string {
  return token.replace(/(\(\)|!)$/, '').replace(/::|#|->/g, '.');
}

/** Reads a query: bare symbol, words with identifiers, or plain words. Deterministic. */
export function analyseQuery(query: string): QueryAnalysis {
  const text = query.trim();
  const identifiers: string[] = [];
  for (const match of text.matchAll(/`([^`]+)`/g)) {
    const inner = match[1]!.trim();
    if (SYMBOL.test(inner)) identifiers.push(normaliseIdentifier(inner));
  }
  const bare = text.replace(/`/g, '');
  const tokens = bare.split(/[\s,;:?!"'()[\]{}]+/).filter(Boolean);
  const isSymbol = !/\s/.test(bare) && SYMBOL.test(bare);
  if (isSymbol) identifiers.push(normaliseIdentifier(bare));
  else {
    for (const raw of bare.split(/\s+/)) {
      const token = raw.replace(/^[^\w$]+|[^\w$)]+$/g, '');
      if (looksLikeIdentifier(token)) identifiers.push(normaliseIdentifier(token));
    }
  }
  const words: string[] = [];
  for (const token of tokens) {
    for (const part of token.split(/[._\-/\\]+|::/)) {
      for (const word of identifierParts(part)) {
        const lower = word.toLowerCase();
        if (lower.length < 2 || STOP_WORDS.has(lower) || words.includes(lower)) continue;
        words.push(lower);
      }
    }
  }
  const unique = [...new Set(identifiers)];
  return {
    type: isSymbol ? 'symbol' : unique.length > 0 ? 'mixed' : 'natural',
    identifiers: unique,
    words,
    wantsTests: words.some((word) => TEST_WORDS.has(word)),
  };
}

/**
 * A light stem so that `routes`, `routing` and `router` meet `route`: one common suffix off, then
 * the first six letters (`registered`, `register`, `registry` → `regist`).
 */
export function stem(word: string): string {
  const lower = word.toLowerCase();
  const bare = lower.replace(/(ations?|ings?|ers?|ions?|ed|es|e|s)$/, '');
  return (bare.length >= 3 ? bare : lower).slice(0, 6);
}
