#!/usr/bin/env node
/**
 * One-off costs of getting a parser, in a fresh process (nothing loaded yet):
 *
 *   node grammar-load-times.mjs <repoRoot> native|wasm <language> ...
 *
 * Prints `{ initMs, languages: { <language>: { ms } | { error } } }`: `initMs` is the runtime
 * (native: importing dist/grammars.js, which loads the `tree-sitter` addon; wasm: importing
 * web-tree-sitter and `Parser.init()`), then per language, in the order given, the grammar load
 * and a parser set to it (native: `parserFor`, i.e. require the grammar's binary + new Parser +
 * setLanguage; wasm: `Language.load(file)` + new Parser + setLanguage).
 */
import { loadNativeGrammars, loadWebTreeSitter, wasmGrammarFile, wasmParser } from './wasm-grammars.mjs';

const [repoRoot, mode, ...languages] = process.argv.slice(2);
const result = { languages: {} };

let started = performance.now();
const runtime = mode === 'native' ? await loadNativeGrammars(repoRoot) : await loadWebTreeSitter(repoRoot);
result.initMs = performance.now() - started;

for (const language of languages) {
  try {
    started = performance.now();
    if (mode === 'native') runtime.parserFor(language);
    else {
      const { file, missing } = wasmGrammarFile(repoRoot, language);
      if (!file) throw new Error(missing);
      await wasmParser(runtime, file);
    }
    result.languages[language] = { ms: performance.now() - started };
  } catch (error) {
    result.languages[language] = { error: error.message };
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`);
