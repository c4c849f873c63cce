import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, MINI_REPO, REPO_ROOT, codesearch as runCli } from './helpers/cli.js';
import { type RunResult, run, stripAnsi } from './helpers/run.js';

// End-to-end tests of `codesearch parse`: the built CLI (apps/cli/dist), run as a user runs it.

function codesearch(...args: string[]): Promise<RunResult> {
  return runCli(args);
}

interface EntityLine {
  kind: string;
  name: string;
  qualifiedName: string;
  filePath: string;
  lineNumber: number;
  endLine: number;
  language: string;
  docstring: string | null;
}

// Written by hand from the files under fixtures/mini-repo, in walk order (sorted paths). Every
// line is in a unit: the lines before the first definition are an `imports` code chunk.
const EXPECTED: EntityLine[] = [
  {
    kind: 'code',
    name: 'imports',
    qualifiedName: 'imports',
    filePath: 'app/models.py',
    lineNumber: 1,
    endLine: 3,
    language: 'python',
    docstring: null,
  },
  {
    kind: 'class',
    name: 'User',
    qualifiedName: 'User',
    filePath: 'app/models.py',
    lineNumber: 7, // the `class` line; the @dataclass decorator above it is not counted
    endLine: 18,
    language: 'python',
    docstring: 'A registered user.',
  },
  {
    kind: 'method',
    name: 'display_name',
    qualifiedName: 'User.display_name',
    filePath: 'app/models.py',
    lineNumber: 13,
    endLine: 15,
    language: 'python',
    docstring: 'Name shown in the interface.',
  },
  {
    kind: 'method',
    name: 'domain',
    qualifiedName: 'User.domain',
    filePath: 'app/models.py',
    lineNumber: 17,
    endLine: 18,
    language: 'python',
    docstring: null,
  },
  {
    kind: 'function',
    name: 'load_users',
    qualifiedName: 'load_users',
    filePath: 'app/models.py',
    lineNumber: 21,
    endLine: 23,
    language: 'python',
    docstring: 'Build users from database rows.',
  },
  {
    kind: 'code',
    name: 'imports',
    qualifiedName: 'imports',
    filePath: 'app/util.py',
    lineNumber: 1,
    endLine: 1,
    language: 'python',
    docstring: null,
  },
  {
    kind: 'function',
    name: 'slugify',
    qualifiedName: 'slugify',
    filePath: 'app/util.py',
    lineNumber: 4,
    endLine: 6,
    language: 'python',
    docstring: 'Lower-case text and join its words with dashes.',
  },
  {
    kind: 'code',
    name: 'imports',
    qualifiedName: 'imports',
    filePath: 'cmd/main.go',
    lineNumber: 1,
    endLine: 3,
    language: 'go',
    docstring: null,
  },
  {
    kind: 'struct',
    name: 'Greeter',
    qualifiedName: 'Greeter',
    filePath: 'cmd/main.go',
    lineNumber: 6,
    endLine: 8,
    language: 'go',
    docstring: 'Greeter says hello.',
  },
  {
    kind: 'method',
    name: 'Greet',
    qualifiedName: 'Greeter.Greet',
    filePath: 'cmd/main.go',
    lineNumber: 11,
    endLine: 13,
    language: 'go',
    docstring: "Greet returns the greeting for g's name.",
  },
  {
    kind: 'function',
    name: 'main',
    qualifiedName: 'main',
    filePath: 'cmd/main.go',
    lineNumber: 15,
    endLine: 17,
    language: 'go',
    docstring: null,
  },
  {
    kind: 'code',
    name: 'imports',
    qualifiedName: 'imports',
    filePath: 'web/server.ts',
    lineNumber: 1,
    endLine: 1,
    language: 'typescript',
    docstring: null,
  },
  {
    kind: 'function',
    name: 'startServer',
    qualifiedName: 'startServer',
    filePath: 'web/server.ts',
    lineNumber: 4,
    endLine: 7,
    language: 'typescript',
    docstring: 'Starts the HTTP server on the given port.',
  },
  {
    kind: 'class',
    name: 'Router',
    qualifiedName: 'Router',
    filePath: 'web/server.ts',
    lineNumber: 10,
    endLine: 21,
    language: 'typescript',
    docstring: 'Maps paths to handlers.',
  },
  {
    kind: 'method',
    name: 'add',
    qualifiedName: 'Router.add',
    filePath: 'web/server.ts',
    lineNumber: 14,
    endLine: 16,
    language: 'typescript',
    docstring: 'Registers a handler for a path.',
  },
  {
    kind: 'method',
    name: 'resolve',
    qualifiedName: 'Router.resolve',
    filePath: 'web/server.ts',
    lineNumber: 18,
    endLine: 20,
    language: 'typescript',
    docstring: null,
  },
  {
    kind: 'function',
    name: 'healthCheck',
    qualifiedName: 'healthCheck',
    filePath: 'web/server.ts',
    lineNumber: 23,
    endLine: 23,
    language: 'typescript',
    docstring: null,
  },
];

// In scratch.py, which the fixture's .gitignore names.
const IGNORED: EntityLine = {
  kind: 'function',
  name: 'ignored_helper',
  qualifiedName: 'ignored_helper',
  filePath: 'scratch.py',
  lineNumber: 1,
  endLine: 3,
  language: 'python',
  docstring: "Lives in a .gitignore'd file: codesearch must not list it.",
};

const FIELDS = [
  'kind',
  'name',
  'qualifiedName',
  'filePath',
  'lineNumber',
  'endLine',
  'language',
  'docstring',
] as const;

/** Parses JSON Lines output; fails on any line that is not a JSON object. */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON line on stdout: ${line}`);
      }
      expect(value, line).toBeTypeOf('object');
      expect(Array.isArray(value), line).toBe(false);
      return value as Record<string, unknown>;
    });
}

/** The fields this test pins down, from each printed record. */
function pick(records: Array<Record<string, unknown>>): EntityLine[] {
  return records.map(
    (record) => Object.fromEntries(FIELDS.map((field) => [field, record[field]])) as unknown as EntityLine,
  );
}

/** The cells of every table row in human output (`│ a │ b │` lines). */
function tableRows(stdout: string): string[][] {
  return stripAnsi(stdout)
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

function stderrLines(result: RunResult): string[] {
  return result.stderr.split('\n').filter((line) => line.trim() !== '');
}

describe.concurrent('codesearch parse', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-cli-test-'));
    // The .gitignore'd fixture file is committed on purpose (git add -f): without it the
    // .gitignore test below would pass for the wrong reason.
    expect(existsSync(path.join(MINI_REPO, 'scratch.py')), 'fixtures/mini-repo/scratch.py is missing').toBe(
      true,
    );
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('--json prints one JSON object per entity with the documented fields', async () => {
    const result = await codesearch('parse', MINI_REPO, '--json');
    expect(result.stderr).not.toMatch(/error|warning/i);
    expect(result.code).toBe(0);
    const records = jsonLines(result.stdout);
    for (const record of records) {
      for (const field of FIELDS)
        expect(record, `${field} in ${JSON.stringify(record)}`).toHaveProperty(field);
      expect(record.lineNumber as number).toBeLessThanOrEqual(record.endLine as number);
    }
    expect(pick(records)).toEqual(EXPECTED);
    expect(result.stderr).toContain('parsed 4 files, 17 entities');
  });

  it('honours .gitignore by default, and lists ignored files with --no-gitignore', async () => {
    const withIgnore = await codesearch('parse', MINI_REPO, '--json');
    expect(pick(jsonLines(withIgnore.stdout)).map((entity) => entity.name)).not.toContain(IGNORED.name);

    const withoutIgnore = await codesearch('parse', MINI_REPO, '--json', '--no-gitignore');
    expect(withoutIgnore.code).toBe(0);
    const entities = pick(jsonLines(withoutIgnore.stdout));
    expect(entities).toContainEqual(IGNORED);
    expect(entities).toHaveLength(EXPECTED.length + 1);
  });

  it('prints a table of entities and a per-language summary', async () => {
    const result = await codesearch('parse', MINI_REPO);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/^\{/m); // no JSON in human output
    const rows = tableRows(result.stdout);
    expect(rows).toContainEqual(['location', 'kind', 'name', 'doc']);
    for (const entity of EXPECTED) {
      expect(rows).toContainEqual([
        `${entity.filePath}:${entity.lineNumber}`,
        entity.kind,
        entity.qualifiedName,
        entity.docstring ?? '',
      ]);
    }
    expect(rows).toContainEqual(['language', 'files', 'entities']);
    expect(rows).toContainEqual(['go', '1', '4']);
    expect(rows).toContainEqual(['python', '2', '7']);
    expect(rows).toContainEqual(['typescript', '1', '6']);
    expect(rows).toContainEqual(['total', '4', '17']);
    expect(stderrLines(result)).toEqual([
      expect.stringMatching(/^parsed 4 files, 17 entities in \d+\.\d\ds$/),
    ]);
  });

  it('--lang restricts to the given languages (aliases accepted)', async () => {
    const python = await codesearch('parse', MINI_REPO, '--json', '--lang', 'py');
    expect(python.code).toBe(0);
    expect(pick(jsonLines(python.stdout))).toEqual(EXPECTED.filter((entity) => entity.language === 'python'));

    const typescriptAndGo = await codesearch('parse', MINI_REPO, '--json', '--lang', 'ts,go');
    expect(typescriptAndGo.code).toBe(0);
    expect(pick(jsonLines(typescriptAndGo.stdout))).toEqual(
      EXPECTED.filter((entity) => entity.language === 'go' || entity.language === 'typescript'),
    );
  });

  it('--exclude leaves out matching paths (repeatable, .gitignore syntax)', async () => {
    const result = await codesearch('parse', MINI_REPO, '--json', '--exclude', 'app/', '--exclude', '*.go');
    expect(result.code).toBe(0);
    expect(pick(jsonLines(result.stdout))).toEqual(
      EXPECTED.filter((entity) => entity.filePath === 'web/server.ts'),
    );
  });

  it('--include keeps only matching paths', async () => {
    const result = await codesearch('parse', MINI_REPO, '--json', '--include', 'cmd/**');
    expect(result.code).toBe(0);
    expect(pick(jsonLines(result.stdout))).toEqual(
      EXPECTED.filter((entity) => entity.filePath === 'cmd/main.go'),
    );
  });

  it('parses a single file, with paths relative to its directory', async () => {
    const result = await codesearch('parse', path.join(MINI_REPO, 'app', 'util.py'), '--json');
    expect(result.code).toBe(0);
    const slugify = EXPECTED.find((entity) => entity.name === 'slugify')!;
    const imports = EXPECTED.find((entity) => entity.filePath === 'app/util.py' && entity.kind === 'code')!;
    expect(pick(jsonLines(result.stdout))).toEqual([
      { ...imports, filePath: 'util.py' },
      { ...slugify, filePath: 'util.py' },
    ]);
  });

  it('a missing path exits non-zero with one line on stderr naming the path', async () => {
    const missing = path.join(scratch, 'no-such-dir');
    const result = await codesearch('parse', missing);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = stderrLines(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(missing);
    expect(lines[0]).toMatch(/no such file or directory/);
  });

  it('an unknown option exits non-zero and names the option', async () => {
    const result = await codesearch('parse', MINI_REPO, '--frobnicate');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });

  it('an unknown language exits non-zero, names it and lists the supported ones', async () => {
    const result = await codesearch('parse', MINI_REPO, '--lang', 'py,cobol');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("unknown language 'cobol'");
    expect(result.stderr).toMatch(/supported: .*python/);
  });

  it('a bad file is reported with its cause on stderr; the rest of the tree is still parsed', async () => {
    const tree = path.join(scratch, 'bad-tree');
    await mkdir(tree);
    await writeFile(
      path.join(tree, 'good.py'),
      'def good_function():\n    """Still listed."""\n    return 1\n',
    );
    // 0xFF 0xFE can never appear in UTF-8.
    await writeFile(
      path.join(tree, 'bad.py'),
      Buffer.concat([
        Buffer.from('def bad_function():\n    return "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"\n'),
      ]),
    );

    const json = await codesearch('parse', tree, '--json');
    expect(json.code).toBe(0);
    expect(pick(jsonLines(json.stdout))).toEqual([
      {
        kind: 'function',
        name: 'good_function',
        qualifiedName: 'good_function',
        filePath: 'good.py',
        lineNumber: 1,
        endLine: 3,
        language: 'python',
        docstring: 'Still listed.',
      },
    ]);
    const problem = stderrLines(json).filter((line) => line.includes('bad.py'));
    expect(problem).toHaveLength(1);
    expect(problem[0]).toMatch(/UTF-8/);
    expect(json.stderr).toMatch(/parsed 1 file, 1 entity in .*1 with errors/);

    const human = await codesearch('parse', tree);
    expect(human.code).toBe(0);
    expect(tableRows(human.stdout)).toContainEqual([
      'good.py:1',
      'function',
      'good_function',
      'Still listed.',
    ]);
    expect(human.stderr).toMatch(/bad\.py.*UTF-8/);
  });

  it('parse --help shows the options and examples', async () => {
    const result = await codesearch('parse', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: codesearch parse [options] <path>');
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--lang <languages>');
    expect(result.stdout).toMatch(/Examples:\n(\s+\$ codesearch parse .+\n){2,}/);
  });

  it('stops quietly when the reader of --json closes the pipe (`| head`)', async () => {
    // Enough output (~2,000 lines) to outgrow the pipe buffer, and enough files for parser threads.
    const tree = path.join(scratch, 'big-tree');
    await mkdir(tree);
    const functions = Array.from(
      { length: 50 },
      (_, index) => `def function_${index}(x):\n    return x + ${index}\n`,
    );
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        writeFile(path.join(tree, `module_${index}.py`), functions.join('\n')),
      ),
    );

    const child = spawn(process.execPath, [BIN, 'parse', tree, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let firstChunk = '';
    child.stdout.once('data', (chunk: Buffer) => {
      firstChunk = chunk.toString('utf8');
      child.stdout.destroy(); // like `head -1` exiting
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    expect(firstChunk).toMatch(/^\{"kind":"function"/);
    expect(stderr).not.toMatch(/EPIPE|Error|terminate/);
    expect(stderr).toContain('parsed 40 files, 2000 entities');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('`pnpm --silent codesearch parse … --json` from the repository root prints only JSON lines', async () => {
    const result = await run(
      'pnpm',
      ['--silent', 'codesearch', 'parse', 'tests/fixtures/mini-repo', '--json'],
      {
        cwd: REPO_ROOT,
      },
    );
    expect(result.code).toBe(0);
    expect(pick(jsonLines(result.stdout))).toEqual(EXPECTED);
  });
});
