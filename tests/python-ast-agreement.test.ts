/**
 * Agreement with CPython's own `ast` module over the whole Python standard library.
 *
 * The parser (tree-sitter) and `tests/tools/python_ast_entities.py` (CPython's `ast`) both list
 * every function, method and class of every stdlib file as (kind, qualifiedName, line, endLine).
 * On every file both parse cleanly the two lists must be the same multiset. The few files the
 * tree-sitter grammar cannot read (it reports syntax-error warnings on valid code) may differ,
 * but only those, and only a handful.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DirectoryParseResult, parseDirectory } from '@codesearch/parser';
import { beforeAll, describe, expect, it } from 'vitest';

const REFERENCE_SCRIPT = fileURLToPath(new URL('./tools/python_ast_entities.py', import.meta.url));
const PYTHON = process.env.PYTHON ?? 'python3';
/** Extensions the parser maps to Python (see packages/parser language detection). */
const PYTHON_EXTENSIONS = ['.py', '.pyi'];
/** Third-party packages installed into the interpreter are not the standard library. */
const EXCLUDED_DIRECTORY = 'site-packages';
const MIN_FILES_COMPARED = 1500;
const MAX_DISAGREEING_SHARE = 0.005;

type Row = [kind: string, qualifiedName: string, line: number, endLine: number];
const COMPARED_KINDS: ReadonlySet<string> = new Set(['function', 'method', 'class']);
type ReferenceLine =
  | { file: string; entities: Row[] }
  | { file: string; error: string }
  | { parseSeconds: number };

interface Interpreter {
  stdlib: string;
  version: string;
}

function interpreter(): Interpreter {
  const probe = spawnSync(
    PYTHON,
    ['-c', "import sys, sysconfig; print(sysconfig.get_paths()['stdlib']); print(sys.version.split()[0])"],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0)
    throw new Error(`${PYTHON} could not report its stdlib: ${probe.stderr || probe.error}`);
  const [stdlib, version] = probe.stdout.trim().split('\n');
  return { stdlib: stdlib!, version: version! };
}

/** Every Python file under root, found independently of the parser's own walk. */
async function listPythonFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(relative: string): Promise<void> {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== EXCLUDED_DIRECTORY) await visit(child);
      } else if (PYTHON_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
        found.push(child); // regular files and symbolic links alike: links must be accounted for too
      }
    }
  }
  await visit('');
  return found.sort();
}

/** Runs CPython's `ast` over the files; maps each file to its entities or to its parse error. */
function cpythonReference(root: string, files: string[]): Promise<Map<string, Row[] | { error: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [REFERENCE_SCRIPT, root], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`python_ast_entities.py exited with ${code}: ${stderr.slice(0, 2000)}`));
      const reference = new Map<string, Row[] | { error: string }>();
      for (const line of Buffer.concat(stdout).toString('utf8').split('\n')) {
        if (!line) continue;
        const parsed = JSON.parse(line) as ReferenceLine;
        if ('parseSeconds' in parsed) continue;
        reference.set(parsed.file, 'error' in parsed ? { error: parsed.error } : parsed.entities);
      }
      resolve(reference);
    });
    child.stdin.end(`${files.join('\n')}\n`);
  });
}

const rowKey = (row: Row): string => row.join(' | ');

/** Entries of `a` not matched in `b`, counting duplicates (multiset difference). */
function minus(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const key of b) counts.set(key, (counts.get(key) ?? 0) + 1);
  const left: string[] = [];
  for (const key of a) {
    const count = counts.get(key) ?? 0;
    if (count > 0) counts.set(key, count - 1);
    else left.push(key);
  }
  return left;
}

interface FileDifference {
  file: string;
  warnings: string[];
  missing: string[]; // in CPython's list, not in ours
  extra: string[]; // in ours, not in CPython's
}

function describeDifferences(differences: FileDifference[], limit = 5): string {
  return differences
    .slice(0, limit)
    .map(({ file, warnings, missing, extra }) =>
      [
        `${file}${warnings.length ? ` (warnings: ${warnings.join('; ')})` : ''}`,
        ...missing.slice(0, 5).map((key) => `  - missing  ${key}`),
        ...extra.slice(0, 5).map((key) => `  + extra    ${key}`),
        missing.length + extra.length > 10
          ? `  … ${missing.length} missing, ${extra.length} extra in all`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
}

const python = interpreter();

describe('Python entities agree with CPython ast over the standard library', () => {
  let expectedFiles: string[];
  let reference: Map<string, Row[] | { error: string }>;
  let result: DirectoryParseResult;
  let ours: Map<string, string[]>;
  let warningsByFile: Map<string, string[]>;
  /** Files both sides parsed: CPython without error, tree-sitter at all. */
  let compared: string[];
  let differences: FileDifference[];

  beforeAll(async () => {
    expectedFiles = await listPythonFiles(python.stdlib);
    [reference, result] = await Promise.all([
      cpythonReference(python.stdlib, expectedFiles),
      parseDirectory(python.stdlib, {
        languages: ['python'],
        skipGenerated: false,
        defaultExcludes: false,
        gitignore: false,
        maxFileSize: 256 * 1024 * 1024,
        exclude: [`${EXCLUDED_DIRECTORY}/`],
      }),
    ]);

    ours = new Map(result.files.map((file) => [file.filePath, []]));
    for (const entity of result.entities) {
      // CPython's `ast` lists definitions; constants and code chunks are the parser's own.
      if (!COMPARED_KINDS.has(entity.kind)) continue;
      ours
        .get(entity.filePath)
        ?.push(rowKey([entity.kind, entity.qualifiedName, entity.lineNumber, entity.endLine]));
    }
    warningsByFile = new Map(result.files.map((file) => [file.filePath, file.warnings]));

    compared = [];
    differences = [];
    for (const file of expectedFiles) {
      const theirs = reference.get(file);
      const mine = ours.get(file);
      if (!Array.isArray(theirs) || !mine) continue;
      compared.push(file);
      const theirKeys = theirs.map(rowKey);
      const missing = minus(theirKeys, mine);
      const extra = minus(mine, theirKeys);
      if (missing.length || extra.length) {
        differences.push({ file, warnings: warningsByFile.get(file) ?? [], missing, extra });
      }
    }

    const cpythonErrors = [...reference.values()].filter((value) => !Array.isArray(value)).length;
    console.info(
      `[python-ast-agreement] CPython ${python.version}, ${expectedFiles.length} files found, ` +
        `${result.files.length} parsed by tree-sitter (${result.stats.durationMs.toFixed(0)} ms), ` +
        `${cpythonErrors} CPython cannot parse, ${compared.length} compared, ` +
        `${compared.length - differences.length} agree exactly, ${differences.length} differ: ` +
        `${differences.map((d) => d.file).join(', ') || 'none'}`,
    );
  });

  it('compares at least 1500 files', () => {
    expect(reference.size, 'CPython reference should cover every file found').toBe(expectedFiles.length);
    expect(compared.length).toBeGreaterThanOrEqual(MIN_FILES_COMPARED);
  });

  it('finds the same entities as CPython in every file tree-sitter parsed without syntax errors', () => {
    const clean = differences.filter((difference) => difference.warnings.length === 0);
    expect(
      clean.length,
      `${clean.length} cleanly parsed file(s) disagree with CPython ast:\n${describeDifferences(clean)}`,
    ).toBe(0);
  });

  it('disagrees only on files with tree-sitter syntax warnings, and on at most 0.5% of files', () => {
    const unexplained = differences
      .filter((difference) => difference.warnings.length === 0)
      .map((d) => d.file);
    expect(unexplained, 'every disagreeing file should carry a syntax-error warning').toEqual([]);
    expect(
      differences.length,
      `too many files disagree (${differences.length} of ${compared.length}):\n${describeDifferences(differences)}`,
    ).toBeLessThanOrEqual(Math.floor(compared.length * MAX_DISAGREEING_SHARE));
  });

  it('accounts for every file CPython can parse (parsed, skipped or errored with a reason)', () => {
    const accounted = new Map<string, string>();
    for (const file of result.files) accounted.set(file.filePath, 'parsed');
    for (const skipped of result.skipped) accounted.set(skipped.relativePath, skipped.reason);
    for (const error of result.errors) accounted.set(error.filePath, error.reason);

    const lost = expectedFiles.filter((file) => Array.isArray(reference.get(file)) && !accounted.get(file));
    expect(lost, 'files CPython parses but the parser neither parsed nor reported').toEqual([]);

    const notParsed = expectedFiles.filter((file) => Array.isArray(reference.get(file)) && !ours.has(file));
    expect(
      notParsed.length,
      `files CPython parses that we skipped or failed: ${notParsed.map((f) => `${f} (${accounted.get(f)})`).join(', ')}`,
    ).toBeLessThanOrEqual(Math.floor(compared.length * MAX_DISAGREEING_SHARE));

    // And nothing from outside the file set (site-packages, other extensions) crept in, but for
    // scripts without extension that say they are Python on their #! line (idlelib's example_noext).
    const expected = new Set(expectedFiles);
    const extra = result.files.map((file) => file.filePath).filter((file) => !expected.has(file));
    for (const file of extra) {
      expect(path.posix.basename(file), file).not.toContain('.');
      expect(readFileSync(path.join(python.stdlib, file), 'utf8'), file).toMatch(/^#![^\n]*python/);
    }
  });

  // Hand-written expectations, read with grep from CPython 3.11.7's stdlib. They check both sides:
  // our parser and the reference script, so a bug shared by the two comparisons still shows.
  const SPOT_CHECKS: Array<{ file: string; row: Row; why: string }> = [
    { file: 'json/decoder.py', row: ['class', 'JSONDecoder', 254, 356], why: 'class' },
    { file: 'json/decoder.py', row: ['method', 'JSONDecoder.raw_decode', 343, 356], why: 'method' },
    { file: 'asyncio/tasks.py', row: ['function', 'sleep', 637, 651], why: 'module-level async def' },
    {
      file: 'asyncio/tasks.py',
      row: ['function', 'as_completed._wait_for_one', 610, 615],
      why: 'async def nested in a function',
    },
    {
      file: 'asyncio/streams.py',
      row: ['function', 'open_unix_connection', 90, 100],
      why: 'async def inside `if hasattr(socket, "AF_UNIX"):`',
    },
    { file: 'ntpath.py', row: ['function', 'normcase', 51, 68], why: 'def inside `try:`' },
    {
      file: 'ntpath.py',
      row: ['function', 'normcase', 70, 78],
      why: 'same name again inside `except ImportError:`',
    },
    { file: 'posixpath.py', row: ['function', 'normpath', 389, 394], why: 'def inside the `else:` of a try' },
    { file: 'shutil.py', row: ['function', '_copyxattr', 312, 334], why: 'def inside `if`' },
    { file: 'shutil.py', row: ['function', '_copyxattr', 336, 337], why: 'same name again inside `else`' },
    {
      file: 'pathlib.py',
      row: ['method', 'PurePath._from_parts', 505, 513],
      why: '@classmethod on line 504 is not counted',
    },
    { file: 'functools.py', row: ['function', 'lru_cache.decorating_function', 518, 521], why: 'nested def' },
  ];
  const spotCheckVersion = '3.11.';

  it.skipIf(!python.version.startsWith(spotCheckVersion))(
    `spot-checks well-known entities (line numbers of CPython ${spotCheckVersion}x)`,
    () => {
      for (const { file, row, why } of SPOT_CHECKS) {
        const theirs = reference.get(file);
        expect(Array.isArray(theirs) ? theirs.map(rowKey) : theirs, `CPython ast, ${file}: ${why}`).toContain(
          rowKey(row),
        );
        expect(ours.get(file), `parser, ${file}: ${why}`).toContain(rowKey(row));
        expect(warningsByFile.get(file), `${file} should parse without warnings`).toEqual([]);
      }
      // Duplicated definitions stay separate entities.
      const copies = ours.get('shutil.py')!.filter((key) => key.startsWith('function | _copyxattr |'));
      expect(copies).toHaveLength(2);
    },
  );
});
