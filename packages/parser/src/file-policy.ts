/**
 * What the walk skips by default and why. Kept in one place so the CLI, the docs and the
 * tests agree on it.
 */

/** Directories that hold dependencies, build output or tool state, never the project's own code. */
export const DEFAULT_EXCLUDED_DIRECTORIES: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'bower_components',
  'vendor',
  'dist',
  'build',
  'out',
  'target',
  'coverage',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  '.gradle',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  '.codesearch',
  // The newer languages' dependency and build directories: Swift (SwiftPM, CocoaPods, Carthage,
  // Xcode), Zig, Elixir (mix), Haskell (stack, cabal), C# (obj), Kotlin, Ruby (bundler), Lua
  // (luarocks), CMake.
  '.build',
  'Pods',
  'Carthage',
  'DerivedData',
  'zig-cache',
  '.zig-cache',
  'zig-out',
  '_build',
  'deps',
  '.elixir_ls',
  '.stack-work',
  'dist-newstyle',
  'obj',
  '.kotlin',
  '.bundle',
  'lua_modules',
  '.luarocks',
  'CMakeFiles',
];

/** Lockfiles and other machine-written files, by name. */
export const DEFAULT_EXCLUDED_FILES: readonly string[] = [
  'package-lock.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'Cargo.lock',
  'go.sum',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  '*.min.js',
  '*.min.mjs',
  '*.bundle.js',
  '*.d.ts',
  '*.d.mts',
  '*.d.cts',
  '*.pb.go',
  '*_pb2.py',
  '*_pb2_grpc.py',
  '*.generated.*',
  '*.pb.h',
  '*.pb.cc',
  '*.g.cs',
  '*.Designer.cs',
];

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

// Markers of generated code: Go's `Code generated … DO NOT EDIT.`, the `@generated` tag, an
// upper-case DO NOT EDIT, and whole "this file is generated" phrases. A lone word is not
// enough: a docstring about "auto-generated IDs" must not hide a hand-written file.
const GENERATED_MARKERS: readonly RegExp[] = [
  /@generated\b/i,
  /\bDO NOT EDIT\b/,
  /\b(?:this|the) (?:file|code|module|source) (?:is|was|has been) (?:auto(?:matically)?[- ]?)?generated\b/i,
  /\b(?:auto-?generated|automatically generated) (?:file|code|source|by|from|with|using)\b/i,
];
const GENERATED_HEADER_CHARS = 1024;
const MINIFIED_AVERAGE_LINE = 300;
const MINIFIED_LONGEST_LINE = 20_000;
const MINIFIED_MIN_SIZE = 4096;

/** Why a file's text says it should not be indexed, or undefined when it should be. */
export function contentSkipReason(text: string, options: { skipGenerated: boolean }): string | undefined {
  const header = text.slice(0, GENERATED_HEADER_CHARS);
  if (options.skipGenerated && GENERATED_MARKERS.some((marker) => marker.test(header))) {
    return 'generated file (marker in its header)';
  }
  if (text.length < MINIFIED_MIN_SIZE) return undefined;
  let lines = 1;
  let longest = 0;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    longest = Math.max(longest, index - lineStart);
    lineStart = index + 1;
    lines++;
  }
  longest = Math.max(longest, text.length - lineStart);
  const average = text.length / lines;
  if (longest > MINIFIED_LONGEST_LINE || average > MINIFIED_AVERAGE_LINE) {
    return `minified or generated (longest line ${longest.toLocaleString('en-US')} characters)`;
  }
  return undefined;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
