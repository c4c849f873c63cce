import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MARKER_FILE } from '@codesearch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Not a dependency of this package: the lock every codesearch writer takes, from its build.
import { withFileLock } from '../packages/fs/dist/index.js';
import { BIN, codesearch, jsonOf, MINI_REPO, MODELS_DIR } from './helpers/cli.js';

// `codesearch watch` as a user runs it: the built CLI in a child process, the real model, real
// files, the real watcher (inotify), and `codesearch search` / `status` in other processes to
// see what the index holds.

interface WatchLine {
  type: 'watching' | 'refresh' | 'stopped';
  state?: 'refreshed' | 'stale' | 'failed';
  whole?: boolean;
  files?: number;
  added?: number;
  changed?: number;
  deleted?: number;
  renamed?: number;
  indexed?: string[];
  removed?: string[];
  units?: number;
  reason?: string;
  refreshes?: number;
}

interface SearchJson {
  results: Array<{ filePath: string; name: string; lineNumber: number }>;
}

interface StatusJson {
  entities: number;
  files: number;
  staleness: { stale: boolean; consistent?: boolean };
}

/** A running `codesearch watch --json`, its JSON lines as they come. */
class Watch {
  readonly lines: WatchLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcessWithoutNullStreams;
  #waiters: Array<() => void> = [];

  constructor(root: string, args: readonly string[], cacheFile: string) {
    this.#child = spawn(
      process.execPath,
      [BIN, 'watch', root, '--json', '--cache', cacheFile, '--models-dir', MODELS_DIR, ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      this.lines.push(JSON.parse(line) as WatchLine);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('close', (code, signal) => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  get refreshes(): WatchLine[] {
    return this.lines.filter((line) => line.type === 'refresh');
  }

  /** The first line from `from` on that `matches`; fails after `timeoutMs` with what was seen. */
  async waitFor(
    what: string,
    matches: (line: WatchLine) => boolean,
    from = 0,
    timeoutMs = 90_000,
  ): Promise<WatchLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(matches);
      if (found) return found;
      if (Date.now() > deadline || this.#child.exitCode !== null) {
        throw new Error(
          `watch: no ${what} after ${timeoutMs} ms\n--- lines\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n--- stderr\n${this.stderr}`,
        );
      }
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  /** Waits for a refresh (from line `from` on) that re-indexed or removed `file`. */
  refreshOf(file: string, from: number): Promise<WatchLine> {
    return this.waitFor(
      `refresh of ${file}`,
      (line) => line.type === 'refresh' && [...(line.indexed ?? []), ...(line.removed ?? [])].includes(file),
      from,
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGINT') {
    this.#child.kill(signal);
    return this.exited;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

let scratch: string;
let cacheFile: string;
const watches: Watch[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-watch-'));
  cacheFile = path.join(scratch, 'cache.json');
});
afterAll(async () => {
  for (const watch of watches) watch.kill();
  await rm(scratch, { recursive: true, force: true });
});

function startWatch(root: string, args: readonly string[] = []): Watch {
  const watch = new Watch(root, args, cacheFile);
  watches.push(watch);
  return watch;
}

async function tree(name: string): Promise<string> {
  const root = path.join(scratch, name);
  await cp(MINI_REPO, root, { recursive: true });
  return root;
}

/** `codesearch search <name> --mode lexical --json` in its own process, never re-indexing first. */
async function findByName(root: string, name: string): Promise<SearchJson['results']> {
  const result = await codesearch([
    'search',
    name,
    '--path',
    root,
    '--mode',
    'lexical',
    '--json',
    '--no-sync',
    '-k',
    '5',
  ]);
  // Exit 1 is "nothing found" (as grep); anything else is a failure.
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`search ${name}: exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  const line = result.stdout.trim().split('\n')[0];
  return line ? (JSON.parse(line) as SearchJson).results.filter((hit) => hit.name === name) : [];
}

async function status(root: string): Promise<StatusJson> {
  return jsonOf<StatusJson>(await codesearch(['status', root, '--json', '--models-dir', MODELS_DIR]));
}

describe('codesearch watch keeps the index fresh', () => {
  let root: string;
  let watch: Watch;

  beforeAll(async () => {
    root = await tree('repo');
    execFileSync('git', ['init', '-q'], { cwd: root });
    watch = startWatch(root);
  });
  afterAll(async () => {
    watch.kill();
  });

  it('indexes a tree without an index first, and keeps .codesearch out of git status', async () => {
    const built = await watch.waitFor('first build', (line) => line.type === 'refresh');
    expect(built).toMatchObject({ state: 'refreshed', whole: true });
    expect([...(built.indexed ?? [])].sort()).toEqual([
      'app/models.py',
      'app/util.py',
      'cmd/main.go',
      'web/server.ts',
    ]);
    expect(watch.lines[0]).toMatchObject({
      type: 'watching',
      root,
      index: path.join(root, '.codesearch', 'index'),
    });
    expect(await readFile(path.join(root, '.codesearch', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const gitStatus = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(gitStatus).not.toContain('.codesearch');
    expect(gitStatus).toContain('app/util.py');
    expect((await status(root)).staleness.stale).toBe(false);
  });

  it('re-indexes an edited file: the new function is found by a search in another process', async () => {
    const from = watch.lines.length;
    const name = 'reticulate_splines_for_watch';
    const file = path.join(root, 'app', 'util.py');
    const before = await readFile(file, 'utf8');
    await writeFile(
      file,
      `${before}\n\ndef ${name}(count):\n    """Reticulate the splines."""\n    return count * 2\n`,
    );
    // The file ended with a newline: two blank lines, then the function.
    const definedAt = before.split('\n').length + 2;
    const refresh = await watch.refreshOf('app/util.py', from);
    expect(refresh).toMatchObject({ state: 'refreshed', changed: 1, files: 1, indexed: ['app/util.py'] });
    const hits = await findByName(root, name);
    expect(hits.map((hit) => [hit.filePath, hit.lineNumber])).toEqual([['app/util.py', definedAt]]);
  });

  it('removes the units of a deleted file', async () => {
    expect(await findByName(root, 'startServer')).toHaveLength(1);
    const from = watch.lines.length;
    await rm(path.join(root, 'web', 'server.ts'));
    const refresh = await watch.refreshOf('web/server.ts', from);
    expect(refresh).toMatchObject({ state: 'refreshed', deleted: 1, removed: ['web/server.ts'] });
    expect(await findByName(root, 'startServer')).toEqual([]);
  });

  it('finds the units of a renamed file at its new path (a renamed directory too)', async () => {
    let from = watch.lines.length;
    await rename(path.join(root, 'cmd', 'main.go'), path.join(root, 'cmd', 'entry.go'));
    expect(await watch.refreshOf('cmd/entry.go', from)).toMatchObject({ renamed: 1, files: 1 });
    expect((await findByName(root, 'Greet')).map((hit) => hit.filePath)).toEqual(['cmd/entry.go']);

    // A directory moved: inotify reports the directory only, never the files in it.
    from = watch.lines.length;
    await rename(path.join(root, 'app'), path.join(root, 'pkg.core'));
    const moved = await watch.refreshOf('pkg.core/util.py', from);
    expect(moved).toMatchObject({ renamed: 2, files: 2 });
    expect((await findByName(root, 'slugify')).map((hit) => hit.filePath)).toEqual(['pkg.core/util.py']);
  });

  it('turns a burst of 200 file changes (a branch switch) into a few refreshes and a consistent index', async () => {
    const from = watch.lines.length;
    const before = await status(root);
    await mkdir(path.join(root, 'gen'), { recursive: true });
    for (let i = 0; i < 200; i++) {
      await writeFile(
        path.join(root, 'gen', `module_${i}.py`),
        `def generated_function_${i}(value):\n    """Generated helper number ${i}."""\n    return value + ${i}\n`,
      );
    }
    // The last file written: the refresh that indexed it walked the tree after every write.
    await watch.refreshOf('gen/module_199.py', from);
    // Let any queued refresh finish, then count.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const burst = watch.lines.slice(from).filter((line) => line.type === 'refresh');
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThanOrEqual(4);
    expect(burst.reduce((sum, line) => sum + (line.added ?? 0), 0)).toBe(200);
    const after = await status(root);
    expect(after.staleness.stale).toBe(false);
    expect(after.entities).toBe(before.entities + 200);
    expect(await findByName(root, 'generated_function_137')).toHaveLength(1);
  });

  it('ignores changes that cannot matter: no refresh for a log file or an editor swap file', async () => {
    const from = watch.lines.length;
    await writeFile(path.join(root, 'server.log'), 'started\n');
    await writeFile(path.join(root, 'gen', '.module_1.py.swp'), 'swap');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(watch.lines.slice(from)).toEqual([]);
  });

  it('stops on SIGINT with exit 0 and a summary, leaving the index up to date', async () => {
    const { code } = await watch.stop('SIGINT');
    expect(code).toBe(0);
    const stopped = watch.lines.at(-1)!;
    expect(stopped).toMatchObject({ type: 'stopped', refreshes: watch.refreshes.length });
    const after = await status(root);
    expect(after.staleness).toMatchObject({ stale: false, consistent: true });
  });
});

describe('codesearch watch under interruption and contention', () => {
  it('leaves a consistent index when interrupted during a refresh, and the next watch catches up', async () => {
    const root = await tree('interrupted');
    const first = startWatch(root);
    const built = await first.waitFor('first build', (line) => line.type === 'refresh');
    const units = built.units!;
    const from = first.lines.length;
    await mkdir(path.join(root, 'many'));
    for (let i = 0; i < 120; i++) {
      await writeFile(path.join(root, 'many', `m${i}.py`), `def many_${i}():\n    return ${i}\n`);
    }
    // 1 s after the first event the refresh is running (quiet 300 ms, at most 1 s of delay).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const { code } = await first.stop('SIGINT');
    expect(code).toBe(0);
    expect(first.lines.at(-1)).toMatchObject({ type: 'stopped' });
    const interrupted = await status(root);
    expect(interrupted.staleness.consistent).toBe(true);
    // Either the refresh was aborted (nothing of it written) or it finished: never a part.
    const finished = first.lines.slice(from).some((line) => line.type === 'refresh');
    expect(interrupted.entities).toBe(finished ? units + 120 : units);

    const second = startWatch(root);
    if (!finished) {
      const caughtUp = await second.waitFor('the catch-up refresh', (line) => line.type === 'refresh');
      expect(caughtUp).toMatchObject({ state: 'refreshed', whole: false, added: 120 });
    } else {
      await second.waitFor('watching', (line) => line.type === 'watching');
    }
    expect((await second.stop('SIGTERM')).code).toBe(0);
    expect(await status(root)).toMatchObject({ entities: units + 120, staleness: { stale: false } });
  });

  it('reports a refresh that finds the index locked by another writer, and succeeds once it is free', async () => {
    const root = await tree('locked');
    const watch = startWatch(root);
    await watch.waitFor('first build', (line) => line.type === 'refresh');
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const marker = path.join(root, '.codesearch', 'index', MARKER_FILE);
    const holder = withFileLock(marker, {}, async () => {
      locked();
      await released;
    });
    await lockTaken;
    const from = watch.lines.length;
    await writeFile(path.join(root, 'app', 'extra.py'), 'def locked_out_function():\n    return 1\n');
    const refused = await watch.waitFor(
      'a refresh refused by the lock',
      (line) => line.type === 'refresh',
      from,
    );
    expect(refused).toMatchObject({
      state: 'stale',
      reason: 'another codesearch process is writing the index',
    });
    release();
    await holder;
    const done = await watch.refreshOf('app/extra.py', from);
    expect(done).toMatchObject({ state: 'refreshed', added: 1 });
    expect((await watch.stop()).code).toBe(0);
    expect(await findByName(root, 'locked_out_function')).toHaveLength(1);
  });

  it('says why it cannot watch a path that is not a directory (exit 2)', async () => {
    const missing = await codesearch(['watch', path.join(scratch, 'nowhere'), '--models-dir', MODELS_DIR]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/watch .*nowhere: no such directory/);
    const file = path.join(scratch, 'a-file.py');
    await writeFile(file, 'x = 1\n');
    const notDirectory = await codesearch(['watch', file, '--models-dir', MODELS_DIR]);
    expect(notDirectory.code).toBe(2);
    expect(notDirectory.stderr).toMatch(/is a file/);
  });
});

describe('.codesearch/.gitignore', () => {
  it('keeps the index of `codesearch index .` out of git status', async () => {
    const root = await tree('indexed');
    execFileSync('git', ['init', '-q'], { cwd: root });
    const result = await codesearch(['index', '.', '--cache', cacheFile, '--models-dir', MODELS_DIR], {
      cwd: root,
    });
    expect(result.code).toBe(0);
    const gitStatus = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(gitStatus).not.toContain('.codesearch');
    expect(gitStatus).toContain('cmd/main.go');
  });
});
