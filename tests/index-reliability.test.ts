import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CRASH, codesearch, escapeRegExp, MINI_REPO, MODELS_DIR, ok, REPO_ROOT } from './helpers/cli.js';
import { type HostileCorpus, writeHostileCorpus } from './helpers/hostile-corpus.js';
import { copyStdlibModules, SMALL_STDLIB_SUBSET } from './helpers/python-stdlib.js';
import { type RunResult, run } from './helpers/run.js';
import { makeOwnedDir, NOBODY, needsUnprivilegedUser, readableModelsDir } from './helpers/run-as.js';

// Reliability of `codesearch index`, `search` and `status` (issue 5, "Reliability"): a hostile
// corpus, a SIGKILL mid-run, a corrupt index directory. The built CLI, the real model, temp dirs.

interface IndexReport {
  summary: { total: number; success: number; failed: number; cached: number; newlyEmbedded: number };
  sync: {
    added: number;
    updated: number;
    relocated: number;
    removed: number;
    unchanged: number;
    written: boolean;
  };
  index: { directory: string; entities: number };
  errors: Record<string, string>;
  parse: {
    files: number;
    entities: number;
    skipped: number;
    errors: Array<{ filePath: string; reason: string }>;
  };
}

interface SearchLine {
  query: string;
  results: Array<{ filePath: string; lineNumber: number; name: string; qualifiedName: string }>;
}

interface StatusReport {
  entities: number;
  files: number;
  directory: string;
  staleness: { stale: boolean };
}

function searchLines(result: RunResult): SearchLine[] {
  return ok(result, 'search')
    .stdout.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SearchLine);
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-reliability-'));
  await chmod(scratch, 0o755); // readable by the unprivileged child of the hostile-corpus test
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('a hostile corpus', () => {
  // Root reads chmod 000 files anyway: when running as root, the CLI runs as `nobody`.
  const user = needsUnprivilegedUser() ? NOBODY : undefined;
  let corpus: HostileCorpus;
  let out: string;
  let modelsDir: string;
  let indexDir: string;

  /** The CLI as the unprivileged user, with a HOME, cache, index and models that user can use. */
  function cli(args: string[]): Promise<RunResult> {
    return run(process.execPath, [BIN, ...args, '--models-dir', modelsDir], {
      cwd: out,
      env: { ...process.env, HOME: path.join(out, 'home'), CODESEARCH_CACHE_DIR: path.join(out, 'cache') },
      timeoutMs: 170_000,
      ...(user ? { user } : {}),
    });
  }

  beforeAll(async () => {
    const root = path.join(scratch, 'hostile');
    await makeOwnedDir(root, undefined);
    corpus = await writeHostileCorpus(root);
    out = await makeOwnedDir(path.join(scratch, 'hostile-out'), user);
    await makeOwnedDir(path.join(out, 'home'), user);
    indexDir = path.join(out, 'index');
    modelsDir = await readableModelsDir(MODELS_DIR, scratch, user);
  });
  afterAll(async () => {
    await corpus?.restorePermissions();
  });

  it('indexes without a crash, names every bad item with its cause, and indexes every good function', async () => {
    const result = await cli([
      'index',
      corpus.root,
      '--cache',
      path.join(out, 'cache'),
      '--index',
      indexDir,
      '--json',
      '--verbose', // skipped files (binary, too large, minified) are listed only with -v (README)
    ]);
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, `index of the hostile corpus failed:\n${result.stderr}`).toBe(0);
    expect(result.stderr, 'index printed a stack trace / crash').not.toMatch(CRASH);
    const report = JSON.parse(result.stdout) as IndexReport;
    expect(report.summary.failed, JSON.stringify(report.errors)).toBe(0);

    // Each bad item: a stderr line that names its path and gives its cause.
    const lines = result.stderr.split('\n');
    const unreported = corpus.bad.filter(
      (bad) =>
        !lines.some(
          (line) =>
            new RegExp(`(^|[\\s:/])${escapeRegExp(bad.path)}(:|\\s|$)`).test(line) && bad.cause.test(line),
        ),
    );
    expect(
      unreported.map((bad) => `${bad.path} (${bad.cause})`),
      `bad items not reported on stderr with their cause; stderr was:\n${result.stderr}`,
    ).toEqual([]);
    // No good file is reported as an error.
    for (const file of corpus.goodFiles.filter((f) => f !== 'broken.py')) {
      expect(
        lines.filter((line) => line.includes(file)),
        `good file ${file} named on stderr`,
      ).toEqual([]);
    }

    // Every good function is in the index: a lexical search for its unique name finds it.
    const names = [...corpus.good, ...corpus.bad.filter((bad) => bad.hiddenName)].map((item) =>
      'name' in item ? item.name : item.hiddenName!,
    );
    const queries = path.join(out, 'queries.txt');
    await writeFile(queries, `${names.join('\n')}\n`, { mode: 0o644 });
    const answers = searchLines(
      await cli([
        'search',
        '--queries-file',
        queries,
        '--path',
        corpus.root,
        '--index',
        indexDir,
        '--mode',
        'lexical',
        '--json',
        '-k',
        '20',
      ]),
    );
    expect(answers.map((line) => line.query)).toEqual(names);
    const hits = new Map(answers.map((line) => [line.query, line.results]));
    const missing = corpus.good.filter(
      (fn) =>
        !hits
          .get(fn.name)
          ?.some(
            (hit) => hit.name === fn.name && hit.filePath === fn.filePath && hit.lineNumber === fn.lineNumber,
          ),
    );
    expect(
      missing.map((fn) => `${fn.filePath}:${fn.lineNumber} ${fn.name}`),
      'good functions missing from the index',
    ).toEqual([]);
    // Nothing from a bad file reached the index.
    const leaked = corpus.bad
      .filter((bad) => bad.hiddenName)
      .filter((bad) => hits.get(bad.hiddenName!)?.some((hit) => hit.name === bad.hiddenName));
    expect(
      leaked.map((bad) => bad.path),
      'functions of unreadable/binary/invalid files were indexed',
    ).toEqual([]);

    // status agrees: the good files, and the good functions (plus, at most, the one around the syntax error).
    const status = JSON.parse(
      ok(await cli(['status', corpus.root, '--index', indexDir, '--json']), 'status').stdout,
    ) as StatusReport;
    expect(status.files).toBe(corpus.goodFiles.length);
    expect(status.entities).toBeGreaterThanOrEqual(corpus.good.length);
    expect(status.entities).toBeLessThanOrEqual(corpus.good.length + corpus.maybe.length);
    expect(status.entities).toBe(report.index.entities);
    expect(status.staleness.stale).toBe(false);
  });
});

/** `python3` reads a function's docstring: an independent source for the query and its target. */
function pythonDocstring(file: string, name: string): { lineNumber: number; docstring: string } {
  const script = [
    'import ast, json, sys',
    'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
    'fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == sys.argv[2])',
    'print(json.dumps({"lineNumber": fn.lineno, "docstring": ast.get_docstring(fn)}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file, name], { encoding: 'utf8' })) as {
    lineNumber: number;
    docstring: string;
  };
}

describe('SIGKILL during index, then rerun', () => {
  it('the rerun gives a complete, correct index, and a third run finds everything unchanged', async () => {
    const tree = path.join(scratch, 'stdlib');
    await copyStdlibModules(tree, SMALL_STDLIB_SUBSET);
    const indexDir = path.join(scratch, 'stdlib-index');
    const cacheDir = path.join(scratch, 'stdlib-cache');
    const cacheFile = path.join(cacheDir, 'cache.json');
    const parsed = ok(await codesearch(['parse', tree, '--json']), 'parse')
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { filePath: string; lineNumber: number });
    expect(parsed.length).toBeGreaterThan(200);

    const checkpointEvery = 32;
    const child = spawn(
      process.execPath,
      [
        BIN,
        'index',
        tree,
        '--cache',
        cacheDir,
        '--index',
        indexDir,
        '--checkpoint-every',
        String(checkpointEvery),
      ],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const cachedKeys = () =>
      readFile(cacheFile, 'utf8').then((text) =>
        Object.keys((JSON.parse(text) as { embeddings: object }).embeddings),
      );
    let savedKeys: string[] = [];
    let saved = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (existsSync(cacheFile) && (await stat(cacheFile)).size > 0) {
        savedKeys = await cachedKeys().catch(() => []);
        saved = savedKeys.length;
        if (saved >= 2 * checkpointEvery) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    expect(await exited, 'index finished before it could be killed').toBe('SIGKILL');
    expect(saved).toBeGreaterThanOrEqual(2 * checkpointEvery);

    const rerun = await codesearch(['index', tree, '--cache', cacheDir, '--index', indexDir, '--json']);
    expect(rerun.code, `index after SIGKILL failed:\n${rerun.stderr}`).toBe(0);
    const report = JSON.parse(rerun.stdout) as IndexReport;
    expect(report.summary.failed, JSON.stringify(report.errors)).toBe(0);
    expect(report.summary.total).toBe(parsed.length);
    // The cache holds texts (a long unit is several windows); a unit is cached when all its
    // windows were: the rerun served units from the checkpointed cache and embedded the rest.
    expect(report.summary.cached, 'the rerun did not resume from the checkpointed cache').toBeGreaterThan(0);
    expect(report.summary.newlyEmbedded, 'the rerun embedded everything again').toBeLessThan(parsed.length);
    const after = new Set(await cachedKeys());
    expect(
      savedKeys.filter((key) => !after.has(key)),
      'embeddings saved before the kill were lost',
    ).toEqual([]);
    expect(report.index.entities).toBe(parsed.length);

    const status = JSON.parse(
      ok(await codesearch(['status', tree, '--index', indexDir, '--json']), 'status').stdout,
    ) as StatusReport;
    expect(status.entities).toBe(parsed.length);
    expect(status.files).toBe(new Set(parsed.map((entity) => entity.filePath)).size);
    expect(status.staleness.stale).toBe(false);

    // A docstring's first sentence finds its function (the CodeSearchNet way).
    const target = pythonDocstring(path.join(tree, 'textwrap.py'), 'dedent');
    const query = target.docstring.trim().split(/(?<=\.)\s/)[0]!;
    expect(query.length).toBeGreaterThan(20);
    const [line] = searchLines(
      await codesearch(['search', query, '--path', tree, '--index', indexDir, '--json', '-k', '10']),
    );
    expect(
      line!.results.map((hit) => `${hit.filePath}:${hit.lineNumber}`),
      `"${query}" did not find textwrap.dedent`,
    ).toContain(`textwrap.py:${target.lineNumber}`);

    const third = JSON.parse(
      ok(await codesearch(['index', tree, '--cache', cacheDir, '--index', indexDir, '--json']), 'third index')
        .stdout,
    ) as IndexReport;
    expect(third.summary).toMatchObject({ total: parsed.length, cached: parsed.length, newlyEmbedded: 0 });
    expect(third.sync).toMatchObject({
      added: 0,
      updated: 0,
      relocated: 0,
      removed: 0,
      // Sync counts rows (one per window): every row the rerun left in the index.
      unchanged: report.sync.added + report.sync.updated + report.sync.relocated + report.sync.unchanged,
      written: false,
    });
  });
});

describe('a corrupt index directory', () => {
  let tree: string;
  let indexDir: string;
  let cacheDir: string;
  let entityCount: number;
  /** The corrupt-index message of the last corruption, for the hint test below. */
  let lastMessage = '';

  beforeAll(async () => {
    tree = path.join(scratch, 'mini');
    await cp(MINI_REPO, tree, { recursive: true });
    indexDir = path.join(scratch, 'mini-index');
    cacheDir = path.join(scratch, 'mini-cache');
    entityCount = ok(await codesearch(['parse', tree, '--json']), 'parse')
      .stdout.trim()
      .split('\n').length;
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cacheDir]), 'first index');
  });

  async function searchWorks(): Promise<void> {
    const [lexical] = searchLines(
      await codesearch([
        'search',
        'slugify',
        '--path',
        tree,
        '--index',
        indexDir,
        '--mode',
        'lexical',
        '--json',
      ]),
    );
    expect(lexical!.results[0]).toMatchObject({ filePath: 'app/util.py', name: 'slugify' });
    const [hybrid] = searchLines(
      await codesearch(['search', 'join words with dashes', '--path', tree, '--index', indexDir, '--json']),
    );
    expect(hybrid!.results.length).toBeGreaterThan(0);
    const status = JSON.parse(
      ok(await codesearch(['status', tree, '--index', indexDir, '--json']), 'status').stdout,
    ) as StatusReport;
    expect(status.entities).toBe(entityCount);
  }

  /** Files of the table's `sub` directory (`data`, `_versions`), in the generation the marker names. */
  async function tableFiles(sub: string): Promise<string[]> {
    const marker = JSON.parse(await readFile(path.join(indexDir, 'codesearch-index.json'), 'utf8')) as {
      generation: string;
    };
    const dir = path.join(indexDir, marker.generation, 'code.lance', sub);
    const names = await readdir(dir);
    return names.map((name) => path.join(dir, name));
  }

  const corruptions: Array<[string, () => Promise<void>]> = [
    [
      'data files truncated to half',
      async () => {
        const files = (await tableFiles('data')).filter((file) => file.endsWith('.lance'));
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          const handle = await open(file, 'r+');
          await handle.truncate(Math.floor((await handle.stat()).size / 2));
          await handle.close();
        }
      },
    ],
    [
      'version manifests overwritten with garbage',
      async () => {
        const files = await tableFiles('_versions');
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) await writeFile(file, Buffer.alloc(300, 0xab));
      },
    ],
  ];

  for (const [name, corrupt] of corruptions) {
    it(`${name}: search, status and index say so in one line naming the directory and --rebuild; --rebuild fixes it`, async () => {
      await searchWorks(); // a good index before the damage
      await corrupt();
      const attempts: Array<[string, string[]]> = [
        ['search (lexical)', ['search', 'slugify', '--path', tree, '--index', indexDir, '--mode', 'lexical']],
        [
          'search (hybrid)',
          ['search', 'join words with dashes', '--path', tree, '--index', indexDir, '--json'],
        ],
        ['status', ['status', tree, '--index', indexDir, '--json']],
        ['index', ['index', tree, '--index', indexDir, '--cache', cacheDir]],
      ];
      for (const [what, args] of attempts) {
        const result = await codesearch(args);
        expect(result.code, `${what} on a corrupt index exited ${result.code}:\n${result.stderr}`).not.toBe(
          0,
        );
        expect(result.code, `${what} was killed by ${result.signal}`).not.toBeNull();
        expect(result.stderr, `${what} crashed instead of reporting`).not.toMatch(CRASH);
        const message = result.stderr.trim();
        expect(message.split('\n'), `${what}: not one line:\n${message}`).toHaveLength(1);
        expect(message, what).toContain(indexDir);
        expect(message, what).toMatch(/corrupt|unreadable|damaged/i);
        expect(message, what).toContain('--rebuild');
        if (what !== 'index') expect(result.stdout, what).toBe('');
        lastMessage = message;
      }

      const rebuilt = ok(
        await codesearch(['index', tree, '--index', indexDir, '--cache', cacheDir, '--rebuild', '--json']),
        'index --rebuild',
      );
      const report = JSON.parse(rebuilt.stdout) as IndexReport;
      expect(report.sync).toMatchObject({ added: entityCount, unchanged: 0 });
      expect(report.index.entities).toBe(entityCount);
      await searchWorks();
    });
  }

  it('the rebuild hint is a command that rebuilds *this* index (tree path and --index given)', () => {
    expect(lastMessage, 'the corruption tests above did not run').not.toBe('');
    // `codesearch index --rebuild <path>` as printed rebuilds <path>/.codesearch/index, not the
    // corrupt --index directory: the hint must carry the tree and `--index <dir>`, as the
    // "no index" hint (`create it with \`codesearch index <tree> --index <dir>\``) already does.
    expect(
      lastMessage,
      'the corrupt-index hint must name this tree and --index: the generic `codesearch index --rebuild <path>` ' +
        'followed as printed rebuilds the default index, not the corrupt one',
    ).toMatch(
      new RegExp(`codesearch index [^\`]*${escapeRegExp(tree)}[^\`]*--index ${escapeRegExp(indexDir)}`),
    );
    expect(lastMessage).toMatch(/codesearch index [^`]*--rebuild/);
  });
});
