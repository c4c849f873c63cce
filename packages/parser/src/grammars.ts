import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language } from '@codesearch/core';
import Parser from 'tree-sitter';

// Grammar packages are CommonJS native addons; load each only when a file of its language appears.
const require = createRequire(import.meta.url);

type Grammar = Parser.Language;

/**
 * Grammars published as ES modules with a top-level `await` (which `require` refuses): their
 * entry only hands the package directory to node-gyp-build, so do the same synchronously.
 */
function loadPrebuilt(packageName: string): Grammar {
  const manifest = require.resolve(`${packageName}/package.json`);
  const nodeGypBuild = createRequire(manifest)('node-gyp-build') as (directory: string) => Grammar;
  return nodeGypBuild(path.dirname(manifest));
}

/**
 * tree-sitter-swift depends on tree-sitter-cli, whose install downloads a binary from GitHub:
 * an offline `npm install` fails. Its prebuilt binaries (MIT, alex-pinkus) are copied into this
 * package at build time (`scripts/vendor-grammars.mjs`) and the package is a dev dependency only.
 */
function loadVendoredSwift(): Grammar {
  const vendored = fileURLToPath(new URL('../vendor/tree-sitter-swift', import.meta.url));
  const nodeGypBuild = require('node-gyp-build') as (directory: string) => Grammar;
  return nodeGypBuild(vendored);
}

const loaders: Record<Language, () => Grammar> = {
  python: () => require('tree-sitter-python') as Grammar,
  typescript: () => (require('tree-sitter-typescript') as { typescript: Grammar }).typescript,
  tsx: () => (require('tree-sitter-typescript') as { tsx: Grammar }).tsx,
  javascript: () => require('tree-sitter-javascript') as Grammar,
  go: () => require('tree-sitter-go') as Grammar,
  rust: () => require('tree-sitter-rust') as Grammar,
  java: () => require('tree-sitter-java') as Grammar,
  c: () => require('tree-sitter-c') as Grammar,
  cpp: () => require('tree-sitter-cpp') as Grammar,
  csharp: () => loadPrebuilt('tree-sitter-c-sharp'),
  ruby: () => require('tree-sitter-ruby') as Grammar,
  // `php` parses a file with HTML around `<?php … ?>`; `php_only` would refuse that.
  php: () => (require('tree-sitter-php') as { php: Grammar }).php,
  kotlin: () => require('@tree-sitter-grammars/tree-sitter-kotlin') as Grammar,
  swift: loadVendoredSwift,
  scala: () => require('tree-sitter-scala') as Grammar,
  bash: () => require('tree-sitter-bash') as Grammar,
  lua: () => loadPrebuilt('@tree-sitter-grammars/tree-sitter-lua'),
  elixir: () => require('tree-sitter-elixir') as Grammar,
  haskell: () => require('tree-sitter-haskell') as Grammar,
  zig: () => require('@tree-sitter-grammars/tree-sitter-zig') as Grammar,
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
