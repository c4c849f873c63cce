import { createRequire } from 'node:module';
import type { Language } from '@codesearch/core';
import Parser from 'tree-sitter';

// Grammar packages are CommonJS native addons; load each only when a file of its language appears.
const require = createRequire(import.meta.url);

type Grammar = Parser.Language;

const loaders: Record<Language, () => Grammar> = {
  python: () => require('tree-sitter-python') as Grammar,
  typescript: () => (require('tree-sitter-typescript') as { typescript: Grammar }).typescript,
  tsx: () => (require('tree-sitter-typescript') as { tsx: Grammar }).tsx,
  javascript: () => require('tree-sitter-javascript') as Grammar,
  go: () => require('tree-sitter-go') as Grammar,
  rust: () => require('tree-sitter-rust') as Grammar,
  java: () => require('tree-sitter-java') as Grammar,
};

const grammars = new Map<Language, Grammar>();
const parsers = new Map<Language, Parser>();

export function grammarFor(language: Language): Grammar {
  let grammar = grammars.get(language);
  if (!grammar) {
    grammar = loaders[language]();
    grammars.set(language, grammar);
  }
  return grammar;
}

/** One parser per language, reused: creating parsers and switching languages both cost. */
export function parserFor(language: Language): Parser {
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(grammarFor(language));
    parsers.set(language, parser);
  }
  return parser;
}

export type { Parser };
