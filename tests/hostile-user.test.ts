import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  CRASH,
  codesearch,
  FORBID_RUNTIME,
  jsonLinesOf,
  jsonOf,
  MINI_REPO,
  MODELS_DIR,
  ok,
} from './helpers/cli.js';
import { copyStdlibModules } from './helpers/python-stdlib.js';
import type { RunResult } from './helpers/run.js';
import { makeOwnedDir, NOBODY, needsUnprivilegedUser, readableModelsDir } from './helpers/run-as.js';
import { fillDisk, mountTinyDisk, type TinyDisk } from './helpers/tiny-disk.js';

// The defects a hostile user found (issue "Nothing lost, nothing hangs"), each tried as that
// user tried it: the built CLI, the real model, real files, real processes and signals.

interface IndexReport {
  summary: { total: number; newlyEmbedded: number; cached: number };
  sync: { added: number; unchanged: number; written: boolean };
  index: { directory: string; entities: number };
}
interface StatusReport {
  entities: number;
  staleness: {
    stale: boolean;
    added: string[];
    changed: string[];
    deleted: string[];
    renamed: Array<{ from: string; to: string }>;
    walkFlags: string[];
  };
}
interface SearchLine {
  results: Array<{ filePath: string; name: string; stale?: string }>;
}

let scratch: string;
let entities: number;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-hostile-user-'));
  await chmod(scratch, 0o755);
  const parsed = ok(await codesearch(['parse', MINI_REPO, '--json']))
    .stdout.trim()
    .split('\n');
  entities = parsed.length;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the mini repository (13 entities in 4 files) to change at will. */
async function miniTree(name: string): Promise<string> {
  const tree = path.join(scratch, name);
  await cp(MINI_REPO, tree, { recursive: true });
  return tree;
}

/** The CLI, killed with `signal` after `ms`; resolves when it has ended. */
function killedAfter(args: string[], ms: number, signal: NodeJS.Signals): Promise<RunResult> {
  return codesearch(args, { timeoutMs: ms, timeoutSignal: signal });
}

/** A lexical search (no model) for the mini repository's `slugify`: what answers after a fault. */
function dashesSearch(tree: string, indexDir: string, flags: string[] = []): Promise<RunResult> {
  const query = ['search', 'join words with dashes', '--path', tree, '--index', indexDir];
  return codesearch([...query, '--mode', 'lexical', ...flags]);
}

async function statusOf(tree: string, indexDir: string): Promise<StatusReport> {
  return jsonOf<StatusReport>(await codesearch(['status', tree, '--index', indexDir, '--json']), 'status');
}

describe('data loss', () => {
  it('index <tree> --index <tree> (and --rebuild) never writes into or deletes from the tree', async () => {
    const tree = await miniTree('own-tree');
    const before = (await readdir(tree, { recursive: true })).sort();
    for (const flags of [[], ['--rebuild']]) {
      const result = await codesearch(['index', tree, '--index', tree, '--no-cache', ...flags], {
        nodeOptions: ['--import', FORBID_RUNTIME],
      });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`${tree} is not a codesearch index`);
      expect((await readdir(tree, { recursive: true })).sort()).toEqual(before);
    }
  });

  it('--rebuild of a real index removes only what the index wrote, never files put beside it', async () => {
    const tree = await miniTree('rebuild-tree');
    const indexDir = path.join(scratch, 'rebuild-index');
    const cache = path.join(scratch, 'rebuild-cache');
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
    await writeFile(path.join(indexDir, 'NOTES.md'), 'mine\n');
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache, '--rebuild']));
    expect(await readFile(path.join(indexDir, 'NOTES.md'), 'utf8')).toBe('mine\n');
    expect((await statusOf(tree, indexDir)).entities).toBe(entities);
  });

  it('cache clear and prune refuse a file that is not a codesearch cache, and leave it as it was', async () => {
    const dir = path.join(scratch, 'not-a-cache');
    await mkdir(dir);
    const packageJson = path.join(dir, 'package.json');
    await writeFile(packageJson, '{ "name": "precious" }\n');
    const clear = await codesearch(['cache', 'clear', '--cache', packageJson, '--yes']);
    expect(clear.code).toBe(1);
    expect(clear.stderr).toContain(packageJson);
    expect(clear.stderr).toMatch(/not a usable cache file|not a codesearch cache/);
    const prune = await codesearch(['cache', 'prune', '--cache', packageJson, '--path', MINI_REPO]);
    expect(prune.code).toBe(1);
    expect(prune.stderr).toContain(packageJson);
    expect(await readFile(packageJson, 'utf8')).toBe('{ "name": "precious" }\n');
    expect(await readdir(dir)).toEqual(['package.json']);
  });

  it('an interrupted --rebuild (SIGINT early, SIGKILL at any moment) leaves the old index answering in full', async () => {
    const tree = await miniTree('interrupted-tree');
    const indexDir = path.join(scratch, 'interrupted-index');
    const cache = path.join(scratch, 'interrupted-cache');
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
    const rounds: Array<[NodeJS.Signals, number]> = [
      ['SIGINT', 500],
      ['SIGINT', 800],
      ['SIGKILL', 700],
      ['SIGKILL', 1200],
      ['SIGKILL', 1700],
    ];
    for (const [signal, ms] of rounds) {
      await killedAfter(['index', tree, '--index', indexDir, '--cache', cache, '--rebuild'], ms, signal);
      const [answer] = jsonLinesOf<SearchLine>(
        await dashesSearch(tree, indexDir, ['--json']),
        `search after ${signal} at ${ms} ms`,
      );
      expect(answer!.results.length, `${signal} at ${ms} ms`).toBeGreaterThan(0);
      expect((await statusOf(tree, indexDir)).entities, `${signal} at ${ms} ms`).toBe(entities);
    }
  });
});

describe('concurrency and staleness', () => {
  it('two index runs on one new index at once both succeed, and every entity is there exactly once', async () => {
    const tree = await miniTree('concurrent-tree');
    const cache = path.join(scratch, 'concurrent-cache');
    ok(await codesearch(['embed', tree, '--cache', cache])); // the runs then only write the index
    for (let round = 0; round < 3; round++) {
      const indexDir = path.join(scratch, `concurrent-index-${round}`);
      const args = ['index', tree, '--index', indexDir, '--cache', cache, '--json'];
      const [a, b] = await Promise.all([codesearch(args), codesearch(args)]);
      ok(a, 'first writer');
      ok(b, 'second writer');
      expect((await statusOf(tree, indexDir)).entities).toBe(entities);
      const again = jsonOf<IndexReport>(await codesearch(args));
      expect(again.sync).toMatchObject({ unchanged: entities, added: 0, written: false });
    }
  });

  it('status sees a rename, an edit with an old date, and a deletion; search marks hits in such files', async () => {
    const tree = await miniTree('stale-tree');
    const indexDir = path.join(scratch, 'stale-index');
    const cache = path.join(scratch, 'stale-cache');
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
    expect((await statusOf(tree, indexDir)).staleness.stale).toBe(false);

    await rename(path.join(tree, 'app', 'util.py'), path.join(tree, 'app', 'helpers.py'));
    const renamed = await statusOf(tree, indexDir);
    expect(renamed.staleness).toMatchObject({
      stale: true,
      renamed: [{ from: 'app/util.py', to: 'app/helpers.py' }],
      added: [],
      deleted: [],
    });
    // Answered from the index as it is (--no-sync): the hit in the vanished file is marked.
    const [answer] = jsonLinesOf<SearchLine>(await dashesSearch(tree, indexDir, ['--json', '--no-sync']));
    const slugify = answer!.results.find((hit) => hit.name === 'slugify');
    expect(slugify).toMatchObject({ filePath: 'app/util.py', stale: 'deleted' });
    const human = ok(await dashesSearch(tree, indexDir, ['--no-sync']));
    expect(human.stdout).toMatch(
      /app\/util\.py:\d+-\d+ {2}slugify \(function\) {2}\[file deleted since indexed\]/,
    );
    expect(human.stderr).toMatch(/index may be stale: 1 renamed; .*refresh with `codesearch index /);
    // By default the search re-indexes the renamed file first: the hit is at its new path.
    const [fresh] = jsonLinesOf<SearchLine>(await dashesSearch(tree, indexDir, ['--json']));
    expect(fresh!.results.find((hit) => hit.name === 'slugify')).toMatchObject({
      filePath: 'app/helpers.py',
    });
    expect(fresh!.results.some((hit) => hit.stale)).toBe(false);

    // Refreshed, then an edit dated back to 2020 (a check by index time would miss it).
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
    const models = path.join(tree, 'app', 'models.py');
    await writeFile(models, `${await readFile(models, 'utf8')}\n\ndef added_later():\n    return 1\n`);
    const old = new Date('2020-01-01T00:00:00Z');
    const { utimes } = await import('node:fs/promises');
    await utimes(models, old, old);
    await rm(path.join(tree, 'cmd', 'main.go'));
    const edited = await statusOf(tree, indexDir);
    expect(edited.staleness).toMatchObject({
      stale: true,
      changed: ['app/models.py'],
      deleted: ['cmd/main.go'],
    });
  });

  it('status uses the walk options the index was built with, and its hint repeats them', async () => {
    const tree = await miniTree('walk-tree');
    // A Python file of 2 MiB: only indexed with --max-file-size above the 1 MiB default.
    const big = [
      'def big_function():',
      ...Array.from({ length: 40_000 }, (_, i) => `    x${i} = ${i}  # filler line`),
      '    return 0',
      '',
    ];
    await writeFile(path.join(tree, 'app', 'big.py'), big.join('\n'));
    expect((await stat(path.join(tree, 'app', 'big.py'))).size).toBeGreaterThan(1024 * 1024);
    const indexDir = path.join(scratch, 'walk-index');
    const cache = path.join(scratch, 'walk-cache');
    const indexed = jsonOf<IndexReport>(
      await codesearch([
        'index',
        tree,
        '--index',
        indexDir,
        '--cache',
        cache,
        '--max-file-size',
        '5m',
        '--lang',
        'py',
        '--json',
      ]),
    );
    const status = await statusOf(tree, indexDir);
    expect(status.entities).toBe(indexed.index.entities);
    expect(status.staleness).toMatchObject({
      stale: false,
      walkFlags: ['--lang', 'python', '--max-file-size', '5m'],
    });

    await writeFile(path.join(tree, 'app', 'new.py'), 'def fresh():\n    return 1\n');
    const human = ok(await codesearch(['status', tree, '--index', indexDir]));
    expect(human.stdout).toContain(
      `codesearch index ${tree} --index ${indexDir} --lang python --max-file-size 5m`,
    );
    expect(human.stdout).toMatch(/added: app\/new\.py/);
  });
});

describe('checkpoints that always progress', () => {
  it('a run killed 6 s after each start still saves embeddings every time', async () => {
    const tree = path.join(scratch, 'kill-tree');
    await mkdir(tree);
    await copyStdlibModules(tree, ['email', 'json', 'http']);
    const cache = path.join(scratch, 'kill-cache');
    let saved = 0;
    for (let run = 0; run < 2; run++) {
      const killed = await killedAfter(['embed', tree, '--cache', cache], 6_000, 'SIGKILL');
      expect(killed.signal, 'the run must still be embedding when killed').toBe('SIGKILL');
      const info = jsonOf<{ entries: number }>(
        await codesearch(['cache', 'info', '--cache', cache, '--json']),
      );
      expect(info.entries, `entries after killed run ${run + 1}`).toBeGreaterThan(saved);
      saved = info.entries;
    }
  });
});

describe('hangs and misleading behaviour', () => {
  it('impossible locations (procfs) fail fast and name the path instead of spinning forever', async () => {
    const cases: Array<[string[], string]> = [
      [['index', MINI_REPO, '--index', '/proc/nope/idx', '--no-cache'], '/proc/nope/idx'],
      [['embed', MINI_REPO, '--cache', '/proc/nope/cache'], '/proc/nope/cache'],
      [['embed', MINI_REPO, '--cache', 'sqlite:///proc/nope/x.db'], '/proc/nope'],
      [['embed', MINI_REPO, '--no-cache', '--output', '/proc/nope/out.json'], '/proc/nope'],
    ];
    for (const [args, named] of cases) {
      const started = Date.now();
      const result = await codesearch(args, { timeoutMs: 60_000 });
      expect(result.signal, args.join(' ')).toBeNull();
      expect(Date.now() - started, args.join(' ')).toBeLessThan(40_000);
      expect(result.stderr, args.join(' ')).toContain(named);
      expect(result.stderr).not.toMatch(CRASH);
    }
  });

  describe('an index location the user cannot write', () => {
    const user = needsUnprivilegedUser() ? NOBODY : undefined;
    it('is refused before anything is embedded', async () => {
      if (!user) return; // not root: the permission cases of the store tests cover this user
      const out = await makeOwnedDir(path.join(scratch, 'eacces-out'), user);
      const locked = path.join(scratch, 'eacces-locked');
      await mkdir(locked, { mode: 0o755 }); // owned by root: nobody cannot write
      const modelsDir = await readableModelsDir(MODELS_DIR, scratch, user);
      const result = await codesearch(
        ['index', MINI_REPO, '--index', path.join(locked, 'idx'), '--no-cache', '--models-dir', modelsDir],
        { nodeOptions: ['--import', FORBID_RUNTIME], user, cwd: out, env: { ...process.env, HOME: out } },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cannot write the index directory .*eacces-locked\/idx.*EACCES/);
      expect(await readdir(locked)).toEqual([]);
    });
  });

  describe('a full disk', () => {
    let disk: TinyDisk;
    beforeAll(() => {
      disk = mountTinyDisk('8m');
    });
    afterAll(() => {
      if ('dir' in disk) disk.unmount();
    });

    it('a rebuild that runs out of space fails with the cause and leaves the old index answering', async (context) => {
      if ('skipped' in disk) return context.skip(disk.skipped);
      const tree = await miniTree('full-tree');
      const indexDir = path.join(disk.dir, 'index');
      const cache = path.join(scratch, 'full-cache');
      ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
      await fillDisk(path.join(disk.dir, 'filler'), 16 * 1024);
      const failed = await codesearch(['index', tree, '--index', indexDir, '--cache', cache, '--rebuild']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/ENOSPC|no space left/i);
      expect(failed.stderr).toContain(indexDir);
      expect(failed.stderr).not.toMatch(CRASH);
      expect((await statusOf(tree, indexDir)).entities).toBe(entities);
      await rm(path.join(disk.dir, 'filler'));
    });

    it('a cache that cannot be saved is reported once, and the summary says it was not saved', async (context) => {
      if ('skipped' in disk) return context.skip(disk.skipped);
      const cacheDir = path.join(disk.dir, 'cache');
      await mkdir(cacheDir);
      await fillDisk(path.join(disk.dir, 'filler'), 0);
      const result = ok(await codesearch(['embed', MINI_REPO, '--cache', cacheDir]));
      const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/ENOSPC|no space left/i);
      expect(result.stdout).toMatch(/cache\s+│ NOT saved/);
      await rm(path.join(disk.dir, 'filler'));
    });
  });

  it('the same model by hub name and by its directory is one model: nothing re-embedded, nothing moved aside', async () => {
    const tree = await miniTree('identity-tree');
    const indexDir = path.join(scratch, 'identity-index');
    const cache = path.join(scratch, 'identity-cache');
    ok(await codesearch(['index', tree, '--index', indexDir, '--cache', cache]));
    const byPath = jsonOf<IndexReport>(
      await codesearch(
        [
          'index',
          tree,
          '--index',
          indexDir,
          '--cache',
          cache,
          '--model',
          path.join(MODELS_DIR, 'Xenova', 'all-MiniLM-L6-v2'),
          '--json',
        ],
        { nodeOptions: ['--import', FORBID_RUNTIME] },
      ),
    );
    expect(byPath.summary).toMatchObject({ newlyEmbedded: 0, cached: entities });
    expect(byPath.sync).toMatchObject({ unchanged: entities, written: false });
    expect((await readdir(cache)).filter((name) => name.includes('.model-'))).toEqual([]);
  });

  it('a binary cache file is named and set aside, and its bytes never reach the terminal', async () => {
    const cacheDir = path.join(scratch, 'binary-cache');
    await mkdir(cacheDir);
    await writeFile(
      path.join(cacheDir, 'cache.json'),
      Buffer.from('\x1b[2J\x1b]0;pwned\x07\x00\x01{garbage', 'latin1'),
    );
    const result = ok(await codesearch(['embed', MINI_REPO, '--cache', cacheDir]));
    expect(result.stderr).toContain(path.join(cacheDir, 'cache.json'));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear
    expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(result.stdout).not.toContain('\x1b[2J');
  });

  it('search --path naming a file says an index belongs to a directory', async () => {
    const file = path.join(MINI_REPO, 'app', 'util.py');
    const result = await codesearch(['search', 'anything', '--path', file]);
    expect(result.code).toBe(2); // search: 1 means nothing found, 2 an error (as grep)
    expect(result.stderr).toContain(`--path ${file} is a file; give the directory that was indexed`);
    expect(result.stderr).not.toContain(`codesearch index ${file}`);
  });

  it('-k above the maximum is refused before any model or index is opened, naming the range', async () => {
    const result = await codesearch(['search', 'anything', '-k', '20000', '--path', MINI_REPO], {
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a whole number from 1 to 10000: '20000'/);
    const help = ok(await codesearch(['search', '--help']));
    expect(help.stdout).toMatch(/-k <n>\s+number of results, 1 to 10000/);
  });

  it('standard output on a full device is an error with the cause, not a crash', async () => {
    const result = await new Promise<RunResult>((resolve, reject) => {
      import('node:fs').then(({ openSync }) => {
        const child = spawn(process.execPath, [BIN, 'parse', MINI_REPO, '--json'], {
          stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
        });
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
        });
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
      }, reject);
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/codesearch: cannot write standard output: ENOSPC/);
    expect(result.stderr).not.toMatch(CRASH);
  });
});
