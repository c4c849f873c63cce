/**
 * The same grammars two ways, for timing a bare tree-sitter parse: native (the `tree-sitter`
 * addon with the prebuilt grammar binaries, set up by packages/parser/dist/grammars.js exactly as
 * the parser does) and WebAssembly (web-tree-sitter with the `.wasm` the grammar package ships).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each language's grammar package and the `.wasm` file in it (the one the native loader's choice matches). */
export const WASM_GRAMMARS = {
  python: ['tree-sitter-python', 'tree-sitter-python.wasm'],
  typescript: ['tree-sitter-typescript', 'tree-sitter-typescript.wasm'],
  tsx: ['tree-sitter-typescript', 'tree-sitter-tsx.wasm'],
  javascript: ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
  go: ['tree-sitter-go', 'tree-sitter-go.wasm'],
  rust: ['tree-sitter-rust', 'tree-sitter-rust.wasm'],
  java: ['tree-sitter-java', 'tree-sitter-java.wasm'],
  c: ['tree-sitter-c', 'tree-sitter-c.wasm'],
  cpp: ['tree-sitter-cpp', 'tree-sitter-cpp.wasm'],
  csharp: ['tree-sitter-c-sharp', 'tree-sitter-c_sharp.wasm'],
  ruby: ['tree-sitter-ruby', 'tree-sitter-ruby.wasm'],
  // The native loader uses `php` (HTML around `<?php` allowed), not `php_only`.
  php: ['tree-sitter-php', 'tree-sitter-php.wasm'],
  kotlin: ['@tree-sitter-grammars/tree-sitter-kotlin', 'tree-sitter-kotlin.wasm'],
  swift: ['tree-sitter-swift', 'tree-sitter-swift.wasm'],
  scala: ['tree-sitter-scala', 'tree-sitter-scala.wasm'],
  bash: ['tree-sitter-bash', 'tree-sitter-bash.wasm'],
  lua: ['@tree-sitter-grammars/tree-sitter-lua', 'tree-sitter-lua.wasm'],
  elixir: ['tree-sitter-elixir', 'tree-sitter-elixir.wasm'],
  haskell: ['tree-sitter-haskell', 'tree-sitter-haskell.wasm'],
  zig: ['@tree-sitter-grammars/tree-sitter-zig', 'tree-sitter-zig.wasm'],
};

/** The grammar package's directory, as the parser package resolves it. */
function packageDirectory(repoRoot, packageName) {
  const require = createRequire(path.join(repoRoot, 'packages/parser/package.json'));
  try {
    return path.dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    // A package whose `exports` hides package.json: climb from its entry.
    let directory = path.dirname(require.resolve(packageName));
    while (!existsSync(path.join(directory, 'package.json'))) directory = path.dirname(directory);
    return directory;
  }
}

/** `{ file }` of a language's `.wasm`, or `{ missing }` saying why there is none. */
export function wasmGrammarFile(repoRoot, language) {
  const entry = WASM_GRAMMARS[language];
  if (!entry) return { missing: 'no grammar package known' };
  const [packageName, fileName] = entry;
  let directory;
  try {
    directory = packageDirectory(repoRoot, packageName);
  } catch (error) {
    return { missing: `${packageName} not resolvable: ${error.message}` };
  }
  const file = path.join(directory, fileName);
  if (existsSync(file)) return { file };
  const shipped = readdirSync(directory).filter((name) => name.endsWith('.wasm'));
  return {
    missing: `${packageName} ships no ${fileName}${shipped.length ? ` (has ${shipped.join(', ')})` : ' (no .wasm at all)'}`,
  };
}

/**
 * The native binary `parserFor` loads for a language on this platform (node-gyp-build's choice
 * among the package's prebuilds; tree-sitter-swift's are vendored into packages/parser), or undefined.
 */
export function nativeBinaryFile(repoRoot, language) {
  const require = createRequire(path.join(repoRoot, 'packages/parser/package.json'));
  const nodeGypBuild = require('node-gyp-build');
  try {
    const directory =
      language === 'swift'
        ? path.join(repoRoot, 'packages/parser/vendor/tree-sitter-swift')
        : packageDirectory(repoRoot, WASM_GRAMMARS[language][0]);
    return nodeGypBuild.path(directory);
  } catch {
    return undefined;
  }
}

/** web-tree-sitter's `{ Parser, Language }`, initialised (the module's own .wasm loaded). */
export async function loadWebTreeSitter(repoRoot) {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const module = await import(pathToFileURL(require.resolve('web-tree-sitter')).href);
  await module.Parser.init();
  return module;
}

/** A web-tree-sitter parser for a `.wasm` grammar. */
export async function wasmParser(webTreeSitter, file) {
  const language = await webTreeSitter.Language.load(file);
  const parser = new webTreeSitter.Parser();
  parser.setLanguage(language);
  return parser;
}

/** packages/parser/dist/grammars.js: `parserFor(language)` is the parser's own native setup. */
export function loadNativeGrammars(repoRoot) {
  return import(pathToFileURL(path.join(repoRoot, 'packages/parser/dist/grammars.js')).href);
}
