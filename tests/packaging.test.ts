import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runOk } from './helpers/run.js';

// Each publishable package must work alone, the way a user depends on one stage: packed with
// `pnpm pack` (which turns `workspace:^` into versions), installed with npm into an empty
// project outside the workspace together with the tarballs of its @codesearch/* dependencies
// only (everything else comes from the registry), then run and type-checked there.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');

interface PackageUnderTest {
  name: string;
  directory: string;
  /** Other files the tarball must contain, besides package.json, dist/index.js and dist/index.d.ts. */
  alsoShips?: string[];
  /**
   * Install into a project of its own (default). `false` checks the package inside the project of
   * the package named here, which depends on it: each lone install of a package that pulls in the
   * parser compiles tree-sitter again (~70 s).
   */
  checkedIn?: string;
}

const PACKAGES: PackageUnderTest[] = [
  { name: '@codesearch/core', directory: 'packages/core' },
  { name: '@codesearch/fs', directory: 'packages/fs' },
  { name: '@codesearch/parser', directory: 'packages/parser' },
  { name: '@codesearch/text-prep', directory: 'packages/text-prep' },
  { name: '@codesearch/embedder', directory: 'packages/embedder' },
  { name: '@codesearch/cache', directory: 'packages/cache' },
  { name: '@codesearch/batch', directory: 'packages/batch', checkedIn: 'codesearch' },
  { name: '@codesearch/store', directory: 'packages/store', checkedIn: 'codesearch' },
  { name: '@codesearch/search', directory: 'packages/search' },
  { name: 'codesearch', directory: 'apps/cli', alsoShips: ['bin/codesearch.js'] },
];

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
}

interface Packed {
  tarball: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
  manifest: Manifest;
  manifestText: string;
  /** The installed project: an empty npm project with this package and its @codesearch/* tarballs. */
  project: string;
}

let workDir: string;
const packed = new Map<string, Packed>();

/** The environment of a user's shell: no npm_* variables inherited from a pnpm or npm script run. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

async function pack(pkg: PackageUnderTest, destination: string): Promise<Omit<Packed, 'project'>> {
  const { stdout } = await runOk('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: path.join(REPO_ROOT, pkg.directory),
  });
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as {
    filename: string;
  };
  const listing = await runOk('tar', ['-tzf', report.filename]);
  const files = listing.stdout
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  const manifestText = (await runOk('tar', ['-xzOf', report.filename, 'package/package.json'])).stdout;
  return { tarball: report.filename, files, manifest: JSON.parse(manifestText) as Manifest, manifestText };
}

/** The package and, transitively, the @codesearch/* packages it depends on. */
function withWorkspaceDependencies(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const entry = packed.get(name);
  if (!entry) throw new Error(`${name} is a dependency but was not packed (add it to PACKAGES)`);
  for (const dependency of Object.keys(entry.manifest.dependencies ?? {})) {
    if (dependency.startsWith('@codesearch/') || dependency === 'codesearch')
      withWorkspaceDependencies(dependency, seen);
  }
  return seen;
}

async function install(name: string): Promise<string> {
  const project = path.join(workDir, 'projects', name.replace(/[@/]/g, '_'));
  await mkdir(project, { recursive: true });
  await writeFile(
    path.join(project, 'package.json'),
    // sharp 0.32 (a dependency of @xenova/transformers) downloads libvips from GitHub when it
    // installs; 0.33+ ships it through npm. The READMEs tell offline users to add this override.
    `${JSON.stringify(
      {
        name: 'packaging-check',
        version: '1.0.0',
        private: true,
        type: 'module',
        overrides: { sharp: '0.33.5' },
      },
      null,
      2,
    )}\n`,
  );
  await writeFile(
    path.join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          verbatimModuleSyntax: true,
          types: ['node'],
        },
        files: ['check.ts'],
      },
      null,
      2,
    )}\n`,
  );
  const tarballs = [...withWorkspaceDependencies(name)].map((dependency) => packed.get(dependency)!.tarball);
  await runOk(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs,
      '@types/node@20',
    ],
    { cwd: project, env: userEnv(), timeoutMs: 280_000 },
  );
  return project;
}

/** Runs an ESM script in the installed project; returns what it printed as JSON on stdout. */
/** `file`: a name of its own for a test that runs beside another one of the same project. */
async function runScript(project: string, script: string, file = 'run.mjs'): Promise<unknown> {
  await writeFile(path.join(project, file), script);
  const { stdout } = await runOk(process.execPath, [file], { cwd: project, env: userEnv() });
  return JSON.parse(stdout);
}

/** Type-checks `check.ts` against the installed package's types, with the repository's TypeScript. */
async function typeCheck(project: string, source: string): Promise<void> {
  await writeFile(path.join(project, 'check.ts'), source);
  const result = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, env: userEnv() });
  expect(result.stdout + result.stderr, 'tsc reported errors').toBe('');
  expect(result.code).toBe(0);
}

function projectOf(name: string): string {
  return packed.get(name)!.project;
}

beforeAll(async () => {
  // Under the system temp directory, so nothing resolves from the workspace's node_modules.
  workDir = await mkdtemp(path.join(os.tmpdir(), 'codesearch-packaging-'));
  const tarballs = path.join(workDir, 'tarballs');
  await mkdir(tarballs);
  const results = await Promise.all(PACKAGES.map((pkg) => pack(pkg, tarballs)));
  PACKAGES.forEach((pkg, index) => {
    packed.set(pkg.name, { ...results[index]!, project: '' });
  });
  const alone = PACKAGES.filter((pkg) => !pkg.checkedIn);
  const projects = await Promise.all(alone.map((pkg) => install(pkg.name)));
  alone.forEach((pkg, index) => {
    packed.get(pkg.name)!.project = projects[index]!;
  });
  for (const pkg of PACKAGES) {
    if (pkg.checkedIn) packed.get(pkg.name)!.project = packed.get(pkg.checkedIn)!.project;
  }
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.each(PACKAGES)('tarball of $name', (pkg) => {
  it('ships the built entry points and no sources or tests', () => {
    const { files, manifest } = packed.get(pkg.name)!;
    expect(manifest.name).toBe(pkg.name);
    for (const required of ['package.json', 'dist/index.js', 'dist/index.d.ts', ...(pkg.alsoShips ?? [])]) {
      expect(files, `${pkg.name} tarball lacks ${required}`).toContain(required);
    }
    expect(files.filter((file) => /^src\//.test(file))).toEqual([]);
    expect(
      files.filter((file) =>
        /(^|\/)(__tests__|__fixtures__|fixtures)\/|\.(test|spec)\.|vitest\.config|tsup\.config/.test(file),
      ),
    ).toEqual([]);
  });

  it('has real versions for workspace dependencies and resolvable exports', () => {
    const { files, manifest, manifestText } = packed.get(pkg.name)!;
    expect(manifestText).not.toContain('workspace:');
    for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
      if (packed.has(dependency))
        expect(range, dependency).toBe(`^${packed.get(dependency)!.manifest.version}`);
    }
    // Every target a consumer can resolve (types, default) exists in the tarball.
    const root = manifest.exports?.['.'] as Record<string, string>;
    for (const condition of ['types', 'default']) {
      expect(files, `exports["."].${condition}`).toContain(root[condition]!.replace(/^\.\//, ''));
    }
    for (const target of Object.values(manifest.bin ?? {}))
      expect(files).toContain(target.replace(/^\.\//, ''));
  });
});

describe.concurrent('installed alone from its tarball', () => {
  it('@codesearch/core: error classes work', async () => {
    const project = projectOf('@codesearch/core');
    const observed = await runScript(
      project,
      `import { CacheError, CodesearchError, ParseError } from '@codesearch/core';
const error = new ParseError('src/a.py', 'invalid UTF-8');
console.log(JSON.stringify({
  message: error.message,
  name: error.name,
  code: error.code,
  stage: error.stage,
  filePath: error.filePath,
  isParseError: ParseError.isInstance(error),
  isCodesearchError: CodesearchError.isInstance(error),
  isError: error instanceof Error,
  cacheErrorIsParseError: ParseError.isInstance(new CacheError('disk full')),
  plainErrorIsCodesearchError: CodesearchError.isInstance(new Error('plain')),
}));
`,
    );
    expect(observed).toEqual({
      message: '[parser] src/a.py: invalid UTF-8',
      name: 'ParseError',
      code: 'PARSE_FAILED',
      stage: 'parser',
      filePath: 'src/a.py',
      isParseError: true,
      isCodesearchError: true,
      isError: true,
      cacheErrorIsParseError: false,
      plainErrorIsCodesearchError: false,
    });

    await typeCheck(
      project,
      `import { type CodeEntity, CodesearchError, type Language, ParseError, type Stage } from '@codesearch/core';

export const error: CodesearchError = new ParseError('src/a.py', 'invalid UTF-8', { code: 'BAD_ENCODING' });
export const stage: Stage = error.stage;
export const entity: CodeEntity = {
  kind: 'method',
  name: 'parse',
  qualifiedName: 'Parser.parse',
  filePath: 'src/parser.py',
  lineNumber: 3,
  endLine: 9,
  language: 'python',
  sourceCode: 'def parse(self): ...',
  parent: 'Parser',
};
export function describeError(value: unknown): string {
  return ParseError.isInstance(value) ? \`\${value.filePath}: \${value.reason}\` : String(value);
}
// @ts-expect-error: not a Language
export const cobol: Language = 'cobol';
// @ts-expect-error: sourceCode is required
export const incomplete: CodeEntity = { kind: 'class', name: 'A', qualifiedName: 'A', filePath: 'a.py', lineNumber: 1, endLine: 1, language: 'python' };
`,
    );
  });

  it('@codesearch/fs: creates directories, replaces files atomically, locks', async () => {
    const project = projectOf('@codesearch/fs');
    const target = path.join(workDir, 'fs-check', 'deep', 'file.json');
    const observed = await runScript(
      project,
      `import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureDirectory, withFileLock, writeFileAtomic } from '@codesearch/fs';
const file = ${JSON.stringify(target)};
await ensureDirectory(path.dirname(file));
const written = await withFileLock(file, {}, async () => {
  await writeFileAtomic(file, '{"ok":true}');
  return readFile(file, 'utf8');
});
const procfs = await ensureDirectory('/proc/nope/x').catch((error) => error.code);
console.log(JSON.stringify({ written, procfs }));
`,
    );
    expect(observed).toEqual({ written: '{"ok":true}', procfs: 'ENOENT' });
  });

  it('@codesearch/parser: parses source, and a directory on parser threads', async () => {
    const project = projectOf('@codesearch/parser');
    const tree = path.join(workDir, 'parser-tree');
    await mkdir(tree);
    // Enough files (24+) for parseDirectory to start its worker threads from the installed package.
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        writeFile(path.join(tree, `module_${index}.py`), `def function_${index}():\n    return ${index}\n`),
      ),
    );
    const observed = await runScript(
      project,
      `import { parseDirectory, parseSource } from '@codesearch/parser';
const source = 'import os\\n\\n\\nclass Greeter:\\n    """Says hello."""\\n\\n    def greet(self, name):\\n        return f"hello {name}"\\n';
const file = parseSource(source, 'python', 'greeter.py');
const directory = await parseDirectory(${JSON.stringify(tree)}, { concurrency: 2 });
console.log(JSON.stringify({
  entities: file.entities.map(({ kind, name, qualifiedName, filePath, lineNumber, endLine, docstring }) =>
    ({ kind, name, qualifiedName, filePath, lineNumber, endLine, docstring: docstring ?? null })),
  warnings: file.warnings,
  directory: { files: directory.stats.filesParsed, entities: directory.stats.entities, errors: directory.errors.map(String) },
}));
`,
    );
    expect(observed).toEqual({
      entities: [
        // Every line is in a unit: the import above the class is a code chunk.
        {
          kind: 'code',
          name: 'imports',
          qualifiedName: 'imports',
          filePath: 'greeter.py',
          lineNumber: 1,
          endLine: 1,
          docstring: null,
        },
        {
          kind: 'class',
          name: 'Greeter',
          qualifiedName: 'Greeter',
          filePath: 'greeter.py',
          lineNumber: 4,
          endLine: 8,
          docstring: 'Says hello.',
        },
        {
          kind: 'method',
          name: 'greet',
          qualifiedName: 'Greeter.greet',
          filePath: 'greeter.py',
          lineNumber: 7,
          endLine: 8,
          docstring: null,
        },
      ],
      warnings: [],
      directory: { files: 30, entities: 30, errors: [] },
    });

    await typeCheck(
      project,
      `import {
  type DirectoryParseEvent,
  type DirectoryParseResult,
  detectLanguage,
  type ParsedFile,
  parseDirectory,
  parseSource,
  SUPPORTED_LANGUAGES,
} from '@codesearch/parser';

export const file: ParsedFile = parseSource('def f():\\n    pass\\n', 'python', 'f.py');
export const line: number | undefined = file.entities[0]?.lineNumber;
export const languages: readonly string[] = SUPPORTED_LANGUAGES;
export const language = detectLanguage('src/main.go');
export function parseGo(): Promise<DirectoryParseResult> {
  return parseDirectory('.', {
    languages: ['go'],
    exclude: ['vendor/'],
    onEvent: (event: DirectoryParseEvent) => {
      if (event.type === 'error') console.log(event.error.filePath, event.error.reason);
    },
  });
}
// @ts-expect-error: not a supported language
parseSource('', 'cobol', 'x.cob');
`,
    );
  });

  it('@codesearch/parser: parses every supported language from the installed package, on threads', async () => {
    const project = projectOf('@codesearch/parser');
    const tree = path.join(workDir, 'parser-languages');
    // One function `greet` per language (a method where the language wants a class around it),
    // a script known only by its #! line, and enough files (24+) for the parser threads.
    const samples: Record<string, string> = {
      'greet.py': 'def greet():\n    return 1\n',
      'greet.ts': 'export function greet(): number {\n  return 1;\n}\n',
      'Greet.tsx': 'export function greet() {\n  return <p>hi</p>;\n}\n',
      'greet.js': 'function greet() {\n  return 1;\n}\n',
      'greet.go': 'package greet\n\nfunc greet() int {\n\treturn 1\n}\n',
      'greet.rs': 'fn greet() -> i32 {\n    1\n}\n',
      'Greet.java': 'class Greeter {\n  int greet() {\n    return 1;\n  }\n}\n',
      'greet.c': 'int greet(void) {\n  return 1;\n}\n',
      'greet.cpp': 'namespace app {\nint greet() {\n  return 1;\n}\n}\n',
      'Greet.cs': 'class Greeter {\n  int greet() {\n    return 1;\n  }\n}\n',
      'greet.rb': 'def greet\n  1\nend\n',
      'greet.php': '<?php\nfunction greet() {\n  return 1;\n}\n',
      'Greet.kt': 'fun greet(): Int {\n  return 1\n}\n',
      'Greet.swift': 'func greet() -> Int {\n  return 1\n}\n',
      'Greet.scala': 'object Greeter {\n  def greet(): Int = 1\n}\n',
      'greet.sh': 'greet() {\n  echo 1\n}\n',
      'greet.lua': 'local function greet()\n  return 1\nend\n',
      'greet.ex': 'defmodule Greeter do\n  def greet do\n    1\n  end\nend\n',
      'Greet.hs': 'greet :: Int\ngreet = 1\n',
      'greet.zig': 'fn greet() i32 {\n    return 1;\n}\n',
      'bin/greet': '#!/usr/bin/env bash\ngreet() {\n  echo 1\n}\n',
    };
    await mkdir(path.join(tree, 'bin'), { recursive: true });
    await Promise.all([
      ...Object.entries(samples).map(([file, text]) => writeFile(path.join(tree, file), text)),
      ...Array.from({ length: 10 }, (_, index) =>
        writeFile(path.join(tree, `extra_${index}.py`), `def extra_${index}():\n    return ${index}\n`),
      ),
    ]);
    const observed = (await runScript(
      project,
      `import { parseDirectory, SUPPORTED_LANGUAGES } from '@codesearch/parser';
const directory = await parseDirectory(${JSON.stringify(tree)}, { concurrency: 2 });
const functions = {};
for (const entity of directory.entities)
  if (entity.kind === 'function' || entity.kind === 'method') (functions[entity.filePath] ??= []).push(entity.name);
console.log(JSON.stringify({
  languages: SUPPORTED_LANGUAGES,
  files: directory.files.filter((file) => !file.filePath.startsWith('extra_')).map((file) => [file.filePath, file.language, file.warnings.length]),
  functions,
  errors: directory.errors.map(String),
}));
`,
      'languages.mjs',
    )) as {
      languages: string[];
      files: Array<[string, string, number]>;
      functions: Record<string, string[]>;
    };
    expect(observed).toMatchObject({ errors: [] });
    expect(new Set(observed.files.map(([, language]) => language))).toEqual(new Set(observed.languages));
    expect(observed.languages).toHaveLength(20);
    expect(observed.files.filter(([, , warnings]) => warnings > 0)).toEqual([]);
    expect(observed.files.map(([file]) => file).sort()).toEqual(Object.keys(samples).sort());
    expect(observed.files.find(([file]) => file === 'bin/greet')?.[1]).toBe('bash');
    for (const file of Object.keys(samples)) expect(observed.functions[file], file).toContain('greet');
  });

  it('@codesearch/search: ranks candidate lists alone (no store, no model)', async () => {
    const project = projectOf('@codesearch/search');
    const observed = (await runScript(
      project,
      `import { analyseQuery, rankCandidates } from '@codesearch/search';
const row = (name, kind, line) => ({
  locationKey: 'src/router.py:' + line, window: 0, windowStart: line, windowEnd: line + 9,
  filePath: 'src/router.py', lineNumber: line, endLine: line + 9, kind, name,
  qualifiedName: name, language: 'python', score: 0.5,
});
const klass = row('Router', 'class', 1);
const method = { ...row('add', 'method', 40), qualifiedName: 'Router.add', endLine: 49 };
const hits = rankCandidates(analyseQuery('Router'), { vector: [method, klass], lexical: [method, klass], named: [klass] }, { k: 5, mode: 'ranked' });
console.log(JSON.stringify({ first: hits[0].qualifiedName, signals: hits[0].explanation.map((note) => note.signal) }));
`,
    )) as { first: string; signals: string[] };
    expect(observed.first).toBe('Router');
    expect(observed.signals).toContain('exact name');
  });

  it('@codesearch/text-prep: prepares the text of an entity', async () => {
    const project = projectOf('@codesearch/text-prep');
    const observed = (await runScript(
      project,
      `import { createTextPreparator } from '@codesearch/text-prep';
const entity = {
  kind: 'function',
  name: 'load_users',
  qualifiedName: 'load_users',
  filePath: 'app/models.py',
  lineNumber: 21,
  endLine: 23,
  language: 'python',
  docstring: 'Build users from database rows.',
  signature: 'def load_users(rows):',
  sourceCode: 'def load_users(rows):\\n    """Build users from database rows."""\\n    return [User(*row) for row in rows]\\n',
};
const preparator = createTextPreparator();
const prepared = preparator.prepareFunction(entity);
let wrongKind;
try {
  preparator.prepareClass(entity);
} catch (error) {
  wrongKind = { name: error.name, stage: error.stage };
}
console.log(JSON.stringify({ text: prepared.text, truncated: prepared.truncated, version: preparator.version, wrongKind }));
`,
    )) as { text: string; truncated: boolean; version: string; wrongKind: unknown };
    expect(observed.text).toContain('load_users');
    expect(observed.text).toContain('app/models.py');
    expect(observed.text).toContain('Build users from database rows.');
    expect(observed.text).toContain('return [User(*row) for row in rows]');
    expect(observed.truncated).toBe(false);
    expect(observed.version).toMatch(/^codesearch-text\//);
    expect(observed.wrongKind).toEqual({ name: 'TextPrepError', stage: 'text-prep' });

    await typeCheck(
      project,
      `import { createTextPreparator, TEXT_FORMAT, type TextPrepOptions } from '@codesearch/text-prep';

const options: TextPrepOptions = { maxChars: 1000 };
const preparator = createTextPreparator(options);
const prepared = preparator.prepareFunction({
  kind: 'function',
  name: 'f',
  qualifiedName: 'f',
  filePath: 'f.py',
  lineNumber: 1,
  endLine: 2,
  language: 'python',
  sourceCode: 'def f(): pass',
});
export const text: string = prepared.text;
export const truncated: boolean = prepared.truncated;
export const version: string = preparator.version;
export const format: string = TEXT_FORMAT;
// @ts-expect-error: maxChars is a number
createTextPreparator({ maxChars: '1000' });
// @ts-expect-error: an entity needs its source code
preparator.prepareFunction({ kind: 'function', name: 'f', qualifiedName: 'f', filePath: 'f.py', lineNumber: 1, endLine: 1, language: 'python' });
`,
    );
  });

  it('@codesearch/embedder: embeds with the real model, and the API is typed', async () => {
    const project = projectOf('@codesearch/embedder');
    const observed = (await runScript(
      project,
      `import { createTransformersEmbedder, createHttpEmbedder, DEFAULT_MODEL } from '@codesearch/embedder';
const embedder = createTransformersEmbedder();
const info = await embedder.describe();
const outcomes = await embedder.embed(['def add(a, b): return a + b', '']);
const [ok, empty] = outcomes;
const norm = Math.hypot(...ok.vector);
// 16 texts at once start the session processes (the installed package's session script).
const bulk = await createTransformersEmbedder({ sessions: 2, threads: 2 });
const many = await bulk.embed(Array.from({ length: 16 }, () => 'def add(a, b): return a + b'));
const sameInSessions = many.every((o) => o.ok && o.vector.every((v, i) => v === ok.vector[i]));
const sessionsStarted = (await bulk.pooled) !== undefined;
await Promise.all([embedder.dispose(), bulk.dispose()]);
console.log(JSON.stringify({ model: info.modelName, dimensions: info.dimensions, length: ok.vector.length, norm, emptyOk: empty.ok,
  sameInSessions, sessionsStarted,
  http: typeof createHttpEmbedder({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }).embed, defaultModel: DEFAULT_MODEL }));
`,
    )) as Record<string, unknown>;
    expect(observed).toMatchObject({
      model: 'Xenova/all-MiniLM-L6-v2',
      dimensions: 384,
      length: 384,
      emptyOk: false,
      sameInSessions: true,
      sessionsStarted: true,
      http: 'function',
      defaultModel: 'Xenova/all-MiniLM-L6-v2',
    });
    expect(observed.norm as number).toBeCloseTo(1, 5);
    await typeCheck(
      project,
      `import type { Embedder, EmbedOutcome } from '@codesearch/core';
import { createHttpEmbedder, createTransformersEmbedder, type TransformersEmbedderOptions } from '@codesearch/embedder';
const options: TransformersEmbedderOptions = { batchSize: 16, threads: 2 };
export const local: Embedder = createTransformersEmbedder(options);
export const remote: Embedder = createHttpEmbedder({ baseUrl: 'http://localhost:8080/v1', model: 'bge' });
export async function first(): Promise<Float32Array | undefined> {
  const [outcome]: EmbedOutcome[] = await local.embed(['x']);
  return outcome?.ok ? outcome.vector : undefined;
}
// @ts-expect-error: batchSize is a number
createTransformersEmbedder({ batchSize: '8' });
`,
    );
  });

  it('@codesearch/cache: a JSON file cache round-trips vectors, and names the package a SQLite URL needs', async () => {
    const project = projectOf('@codesearch/cache');
    const cacheDir = path.join(workDir, 'cache-check');
    const observed = (await runScript(
      project,
      `import { contentKey, createEmbeddingCache } from '@codesearch/cache';
const model = { modelName: 'test/model', modelVersion: 'v1', dimensions: 3 };
const key = contentKey({ ...model, textPrepVersion: 't/1', text: 'def f(): pass' });
const first = createEmbeddingCache(${JSON.stringify(cacheDir)});
const opened = await first.open(model);
await first.setMany([[key, { name: 'f', embedding: new Float32Array([0.6, 0, 0.8]), timestamp: new Date().toISOString(), modelVersion: 'v1', location: 'f.py:1' }]]);
await first.flush();
await first.close();
const second = createEmbeddingCache(${JSON.stringify(cacheDir)});
const reopened = await second.open(model);
const [entry] = await second.getMany([key]);
await second.close();
let sqlite;
try {
  await createEmbeddingCache('sqlite://' + ${JSON.stringify(path.join(workDir, 'c.db'))}).open(model);
} catch (error) {
  sqlite = { name: error.name, message: error.message };
}
console.log(JSON.stringify({ before: opened.entries, after: reopened.entries, vector: Array.from(entry.embedding), name: entry.name, keyLength: key.length, location: second.location, sqlite }));
`,
    )) as Record<string, unknown> & { sqlite: { name: string; message: string } };
    expect(observed).toMatchObject({
      before: 0,
      after: 1,
      vector: [0.6000000238418579, 0, 0.800000011920929],
      name: 'f',
      keyLength: 64,
      location: path.join(cacheDir, 'cache.json'),
    });
    expect(observed.sqlite.name).toBe('CacheError');
    expect(observed.sqlite.message).toContain('@keyv/sqlite');

    await typeCheck(
      project,
      `import type { EmbeddingCache } from '@codesearch/core';
import { contentKey, createEmbeddingCache, defaultCacheDir } from '@codesearch/cache';
export const cache: EmbeddingCache = createEmbeddingCache(defaultCacheDir());
export const key: string = contentKey({ modelName: 'm', modelVersion: 'v', textPrepVersion: 't', text: 'x' });
// @ts-expect-error: the text is required
contentKey({ modelName: 'm', modelVersion: 'v', textPrepVersion: 't' });
`,
    );
  });

  it('codesearch: the installed bin parses a directory, and the API is typed', async () => {
    const project = projectOf('codesearch');
    const sample = path.join(workDir, 'cli-sample');
    await mkdir(sample);
    await writeFile(
      path.join(sample, 'hello.py'),
      'def hello(name):\n    """Greets someone."""\n    return f"hello {name}"\n',
    );
    await writeFile(
      path.join(sample, 'add.go'),
      'package sample\n\n// Add sums two ints.\nfunc Add(a, b int) int {\n\treturn a + b\n}\n',
    );
    const bin = path.join(project, 'node_modules', '.bin', 'codesearch');

    const parse = await runOk(bin, ['parse', sample, '--json'], { cwd: project, env: userEnv() });
    const records = parse.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      records.map(({ kind, name, filePath, lineNumber, endLine, language, docstring }) => ({
        kind,
        name,
        filePath,
        lineNumber,
        endLine,
        language,
        docstring,
      })),
    ).toEqual([
      // The `package` line is a code chunk: every line is in a unit.
      {
        kind: 'code',
        name: 'imports',
        filePath: 'add.go',
        lineNumber: 1,
        endLine: 1,
        language: 'go',
        docstring: null,
      },
      {
        kind: 'function',
        name: 'Add',
        filePath: 'add.go',
        lineNumber: 4,
        endLine: 6,
        language: 'go',
        docstring: 'Add sums two ints.',
      },
      {
        kind: 'function',
        name: 'hello',
        filePath: 'hello.py',
        lineNumber: 1,
        endLine: 3,
        language: 'python',
        docstring: 'Greets someone.',
      },
    ]);
    expect(parse.stderr).toContain('parsed 2 files, 3 entities');

    const cacheDir = path.join(workDir, 'cli-cache');
    const embed = await runOk(bin, ['embed', sample, '--cache', cacheDir, '--json'], {
      cwd: project,
      env: userEnv(),
    });
    expect(JSON.parse(embed.stdout).summary).toEqual({
      total: 3,
      success: 3,
      failed: 0,
      cached: 0,
      newlyEmbedded: 3,
    });

    // @codesearch/batch, installed from its tarball as the CLI's dependency: the same cache serves it.
    const batch = (await runScript(
      project,
      `import { embedRepository } from '@codesearch/batch';
const { result, entities } = await embedRepository(${JSON.stringify(sample)}, { cache: ${JSON.stringify(cacheDir)} });
console.log(JSON.stringify({ summary: result.summary, keys: Object.keys(result.embeddings).sort(), names: entities.map((e) => e.name).sort(), dimensions: result.metadata.dimensions }));
`,
    )) as Record<string, unknown>;
    expect(batch).toEqual({
      summary: { total: 3, success: 3, failed: 0, cached: 3, newlyEmbedded: 0 },
      keys: ['add.go:1', 'add.go:4', 'hello.py:1'],
      names: ['Add', 'hello', 'imports'],
      dimensions: 384,
    });

    // @codesearch/store (LanceDB's native binary from npm) through the installed bin: index, then search.
    const indexDir = path.join(workDir, 'cli-index');
    await runOk(bin, ['index', sample, '--cache', cacheDir, '--index', indexDir], {
      cwd: project,
      env: userEnv(),
    });
    const search = await runOk(
      bin,
      ['search', 'sums two ints', '--path', sample, '--index', indexDir, '--json', '-k', '1'],
      { cwd: project, env: userEnv() },
    );
    expect(
      JSON.parse(search.stdout).results.map((hit: { qualifiedName: string }) => hit.qualifiedName),
    ).toEqual(['Add']);

    const version = await runOk(bin, ['--version'], { cwd: project, env: userEnv() });
    expect(version.stdout.trim()).toBe(packed.get('codesearch')!.manifest.version);

    const viaApi = await runScript(
      project,
      `import { main } from 'codesearch';
const out = [];
const code = await main(['node', 'codesearch', 'parse', ${JSON.stringify(sample)}, '--json', '--lang', 'py'], {
  out: (line) => out.push(JSON.parse(line).qualifiedName),
  error: () => {},
});
console.log(JSON.stringify({ code, out }));
`,
    );
    expect(viaApi).toEqual({ code: 0, out: ['hello'] });

    await typeCheck(
      project,
      `import { buildProgram, main, type Terminal } from 'codesearch';

const lines: string[] = [];
const terminal: Terminal = { out: (line) => lines.push(line), error: (line) => lines.push(line) };
export const exitCode: Promise<number> = main(['node', 'codesearch', 'parse', '.', '--json'], terminal);
export const programName: string = buildProgram(terminal, (code: number) => {
  process.exitCode = code;
}).name();
// @ts-expect-error: argv is a list of strings
main('parse .');
`,
    );
  });
});
