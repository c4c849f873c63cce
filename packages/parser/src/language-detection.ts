import type { Language } from '@codesearch/core';

export const SUPPORTED_LANGUAGES: readonly Language[] = [
  'python',
  'typescript',
  'tsx',
  'javascript',
  'go',
  'rust',
  'java',
  'c',
  'cpp',
  'csharp',
  'ruby',
  'php',
  'kotlin',
  'swift',
  'scala',
  'bash',
  'lua',
  'elixir',
  'haskell',
  'zig',
];

/** A file whose first bytes decide its language: a C or C++ header, a script without extension. */
export const BY_CONTENT = 'by-content';

const LANGUAGE_BY_EXTENSION: Readonly<Record<string, Language | typeof BY_CONTENT>> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.c': 'c',
  '.h': BY_CONTENT,
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
  '.h++': 'cpp',
  '.ipp': 'cpp',
  '.tpp': 'cpp',
  '.inl': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.gemspec': 'ruby',
  '.ru': 'ruby',
  '.php': 'php',
  '.phtml': 'php',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.swift': 'swift',
  '.scala': 'scala',
  '.sc': 'scala',
  '.sbt': 'scala',
  '.sh': 'bash',
  '.bash': 'bash',
  '.zsh': 'bash',
  '.ksh': 'bash',
  '.lua': 'lua',
  '.rockspec': 'lua',
  '.ex': 'elixir',
  '.exs': 'elixir',
  '.hs': 'haskell',
  '.zig': 'zig',
  '.zon': 'zig',
};

/** Whole file names with a language of their own (build files, shell start-up files). */
const LANGUAGE_BY_NAME: Readonly<Record<string, Language>> = {
  Rakefile: 'ruby',
  Gemfile: 'ruby',
  Guardfile: 'ruby',
  Podfile: 'ruby',
  Vagrantfile: 'ruby',
  Brewfile: 'ruby',
  Capfile: 'ruby',
  Fastfile: 'ruby',
  Dangerfile: 'ruby',
  '.bashrc': 'bash',
  '.bash_profile': 'bash',
  '.bash_login': 'bash',
  '.bash_logout': 'bash',
  '.profile': 'bash',
  '.zshrc': 'bash',
  '.zshenv': 'bash',
  '.zprofile': 'bash',
  PKGBUILD: 'bash',
  APKBUILD: 'bash',
};

/** Interpreters named on a `#!` line (`#!/usr/bin/env bash`, `#!/bin/sh -e`, `#!/usr/bin/python3.12`). */
const LANGUAGE_BY_INTERPRETER: Readonly<Record<string, Language>> = {
  sh: 'bash',
  bash: 'bash',
  dash: 'bash',
  ash: 'bash',
  ksh: 'bash',
  zsh: 'bash',
  python: 'python',
  node: 'javascript',
  nodejs: 'javascript',
  deno: 'typescript',
  'ts-node': 'typescript',
  tsx: 'typescript',
  bun: 'javascript',
  ruby: 'ruby',
  php: 'php',
  lua: 'lua',
  luajit: 'lua',
  elixir: 'elixir',
  runhaskell: 'haskell',
  runghc: 'haskell',
  stack: 'haskell',
  kotlin: 'kotlin',
  scala: 'scala',
  swift: 'swift',
};

/** How many bytes of a file `detectLanguage` needs to decide by content. */
export const CONTENT_SNIFF_BYTES = 16 * 1024;

function isHeader(filePath: string): boolean {
  return baseName(filePath).toLowerCase().endsWith('.h');
}

function baseName(filePath: string): string {
  return filePath.slice(Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\')) + 1);
}

/**
 * The language a file's name gives: a language, `BY_CONTENT` when its first bytes decide (a `.h`
 * header, a file without extension that may start with `#!`), or undefined when no grammar
 * handles it.
 */
export function languageByName(filePath: string): Language | typeof BY_CONTENT | undefined {
  const name = baseName(filePath);
  const named = LANGUAGE_BY_NAME[name];
  if (named) return named;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return BY_CONTENT;
  // A dot file without a known name (`.env`, `.gitignore`) is not source.
  if (dot === 0) return undefined;
  return LANGUAGE_BY_EXTENSION[name.slice(dot).toLowerCase()];
}

/** The language a `#!` line names, or undefined. */
export function languageOfShebang(head: string): Language | undefined {
  const line = /^#![ \t]*(\S+)(?:[ \t]+(.*))?/.exec(head);
  if (!line) return undefined;
  let program = baseName(line[1]!);
  if (program === 'env') {
    // `env [-S] [-i] [NAME=value] program args`: the first word that is neither an option nor a setting.
    program =
      (line[2] ?? '').split(/[ \t]+/).find((word) => word && !word.startsWith('-') && !word.includes('=')) ??
      '';
  }
  // Versioned names: python3, python3.12, lua5.4, ruby3.2.
  const bare = program.replace(/[\d.]+$/, '');
  return LANGUAGE_BY_INTERPRETER[program] ?? LANGUAGE_BY_INTERPRETER[bare];
}

/**
 * C++ in a `.h` header: constructs C does not have, in code outside preprocessor lines (so a
 * comment's prose, a `#define x noexcept` or a C header's `#ifdef __cplusplus` part for C++
 * callers do not count), or a C++ standard library include.
 */
const CPP_HEADER_MARKERS = [
  /^\s*class\s+\w+(?:\s+final)?\s*(?::|\{|;|$)/m,
  /^\s*struct\s+\w+(?:\s+final)?\s*:\s*(?:public|protected|private|virtual)?\s*\w/m,
  // `namespace a::b {`, `inline namespace v1 {`, `namespace std _GLIBCXX_VISIBILITY(default)` + `{`.
  /^\s*(?:inline\s+)?namespace(?:\s+[\w:]+)?[^;=\n]*\n?\s*\{/m,
  /^\s*namespace\s+\w+\s*=/m,
  /^\s*using\s+(?:namespace\s+\w|\w+(?:::\w+)*\s*;|\w+\s*=)/m,
  /^\s*(?:public|private|protected)\s*:/m,
  /\btemplate\s*<[^>\n]*>/,
  /\bstd::\w/,
  /\bvirtual\s+[\w:<>~*&\s]+\(/,
  /\boperator\s*(?:[-+*/%^&|~!=<>]=?|\(\)|\[\]|<<|>>|new|delete)\s*\(/,
  /\bconstexpr\b|\bnullptr\b|\bnoexcept\b/,
];
const CPP_STANDARD_INCLUDE =
  /^\s*#\s*include\s*<(?:iostream|string|vector|memory|map|unordered_map|set|algorithm|functional|utility|optional|cstdint|cstddef|cstdlib|cstring|cstdio|type_traits|array|tuple|thread|mutex|chrono|sstream|fstream)>/m;
/**
 * `#ifdef __cplusplus`, `#if defined(__cplusplus)`: how a C header opens a part for C++ callers.
 * (`#if __cplusplus >= 201703L`, a version check, is how C++ headers themselves are written.)
 */
const CPP_ONLY_CONDITION = /^#\s*(?:ifdef\s+__cplusplus\b|if\s+.*(?<!!\s*)defined\s*\(?\s*__cplusplus\b)/;

/** The header's code lines: comments, preprocessor lines and `#ifdef __cplusplus` parts left out. */
function headerCode(head: string): string {
  const lines = head
    .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')
    .replace(/\\\r?\n/g, ' ')
    .split('\n');
  const kept: string[] = [];
  // Depths of the open conditionals, and the depth of the C++-only part being left out (if any).
  let depth = 0;
  let skippingAt = -1;
  for (const line of lines) {
    const directive = line.trimStart();
    if (!directive.startsWith('#')) {
      if (skippingAt < 0) kept.push(line);
      continue;
    }
    if (/^#\s*if/.test(directive)) {
      depth++;
      if (skippingAt < 0 && CPP_ONLY_CONDITION.test(directive)) skippingAt = depth;
    } else if (/^#\s*(?:else|elif)/.test(directive)) {
      if (skippingAt === depth) skippingAt = -1;
    } else if (/^#\s*endif/.test(directive)) {
      if (skippingAt === depth) skippingAt = -1;
      depth = Math.max(0, depth - 1);
    }
  }
  return kept.join('\n');
}

/** `c` or `cpp` for a `.h` header, by what its text uses. */
export function headerLanguage(head: string): 'c' | 'cpp' {
  if (CPP_STANDARD_INCLUDE.test(head)) return 'cpp';
  const code = headerCode(head);
  return CPP_HEADER_MARKERS.some((marker) => marker.test(code)) ? 'cpp' : 'c';
}

/**
 * The language of a file, or undefined when no grammar handles it. By its name; when the name
 * alone cannot tell (`languageByName` gives `BY_CONTENT`), by `head`, the file's first
 * `CONTENT_SNIFF_BYTES` characters: a `.h` header is C++ when it uses C++ (else C), a file without
 * extension is a script when its `#!` line names an interpreter. Without `head`, a `.h` header
 * is C and a file without extension is not source.
 */
export function detectLanguage(filePath: string, head?: string): Language | undefined {
  const byName = languageByName(filePath);
  if (byName !== BY_CONTENT) return byName;
  if (head === undefined) return isHeader(filePath) ? 'c' : undefined;
  return isHeader(filePath) ? headerLanguage(head) : languageOfShebang(head);
}

/** Accepts `ts`, `py`, `js`, `c++`, `c#` and friends as well as the canonical names. */
export function normaliseLanguage(name: string): Language | undefined {
  const lowered = name.trim().toLowerCase();
  const aliases: Record<string, Language> = {
    py: 'python',
    ts: 'typescript',
    js: 'javascript',
    jsx: 'javascript',
    golang: 'go',
    rs: 'rust',
    'c++': 'cpp',
    cxx: 'cpp',
    cc: 'cpp',
    'c#': 'csharp',
    cs: 'csharp',
    'c-sharp': 'csharp',
    rb: 'ruby',
    kt: 'kotlin',
    sh: 'bash',
    shell: 'bash',
    zsh: 'bash',
    ex: 'elixir',
    exs: 'elixir',
    hs: 'haskell',
  };
  const candidate = aliases[lowered] ?? lowered;
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(candidate) ? (candidate as Language) : undefined;
}

/** How many bytes `detectLanguage` needs to see: a header's first 16 KiB, a script's first line. */
export function sniffLength(filePath: string): number {
  return isHeader(filePath) ? CONTENT_SNIFF_BYTES : 512;
}
