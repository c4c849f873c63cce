/**
 * Integer inference and the resource governor, through the built CLI with the real model:
 * an index built with `--precision fp32` is searched without the flag (the precision is found
 * from the index), a wrong precision is refused naming the model, `--low-priority` lowers the
 * running process, and bad values of the new flags are refused before anything runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesearch, jsonOf, MINI_REPO, ok } from './helpers/cli.js';

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-precision-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface SearchJson {
  results: Array<{ filePath: string; qualifiedName: string }>;
}

describe('--precision', () => {
  it('builds an fp32 index that search uses without the flag, refuses int8 for it, and re-indexes from the fp32 cache', async () => {
    const index = path.join(scratch, 'fp32-index');
    const cache = path.join(scratch, 'fp32-cache.json');
    const indexFp32 = async () =>
      jsonOf<{ summary: { newlyEmbedded: number } }>(
        await codesearch([
          'index',
          MINI_REPO,
          '--index',
          index,
          '--cache',
          cache,
          '--precision',
          'fp32',
          '--json',
        ]),
      );
    const built = await indexFp32();
    expect(built.summary.newlyEmbedded).toBeGreaterThan(0);

    const found = jsonOf<SearchJson>(
      await codesearch([
        'search',
        'turn a title into a url slug',
        '--path',
        MINI_REPO,
        '--index',
        index,
        '--json',
      ]),
    );
    expect(found.results.map((hit) => hit.qualifiedName)).toContain('slugify');

    const refused = await codesearch([
      'search',
      'slug',
      '--path',
      MINI_REPO,
      '--index',
      index,
      '--precision',
      'int8',
      '--no-sync',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /was built with Xenova\/all-MiniLM-L6-v2 \(version sha256:\w+, 384-d\), not/,
    );

    // The same flag again embeds nothing: the fp32 cache serves every unit.
    const again = await indexFp32();
    expect(again.summary.newlyEmbedded).toBe(0);
  });

  it('gives int8 and fp32 different model identities (their vectors differ)', async () => {
    const identity = async (precision: string) => {
      const output = path.join(scratch, `${precision}.json`);
      ok(
        await codesearch([
          'embed',
          path.join(MINI_REPO, 'web'),
          '--no-cache',
          '--precision',
          precision,
          '--output',
          output,
        ]),
      );
      return JSON.parse(await readFile(output, 'utf8')).metadata.modelVersion as string;
    };
    const [int8, fp32] = [await identity('int8'), await identity('fp32')];
    expect(int8).toMatch(/^sha256:/);
    expect(fp32).toMatch(/^sha256:/);
    expect(int8).not.toBe(fp32);
  });
});

describe('one JSON cache, both precisions', () => {
  it("switching precision and back embeds nothing twice: each precision's file comes back", async () => {
    const cache = path.join(scratch, 'switch-cache.json');
    const embed = async (...flags: string[]) =>
      jsonOf<{ summary: { newlyEmbedded: number; cached: number } }>(
        await codesearch(['embed', MINI_REPO, '--cache', cache, '--json', ...flags]),
      );
    const int8 = await embed();
    const fp32 = await embed('--precision', 'fp32');
    expect(int8.summary.newlyEmbedded).toBeGreaterThan(0);
    expect(fp32.summary.newlyEmbedded).toBe(int8.summary.newlyEmbedded);
    expect((await embed()).summary).toMatchObject({ newlyEmbedded: 0 });
    expect((await embed('--precision', 'fp32')).summary).toMatchObject({ newlyEmbedded: 0 });
  });
});

describe('the governor flags', () => {
  it.each([
    [['--threads', '0'], /--threads/],
    [['--threads', 'many'], /--threads/],
    [['--precision', 'fp16'], /--precision.*int8, fp32/],
  ])('embed %j is refused before anything runs', async (flags, message) => {
    const result = await codesearch(['embed', MINI_REPO, '--no-cache', ...flags]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/embedding:/);
  });

  it('--low-priority runs the process at niceness 10', async () => {
    // `status` never loads the model; the governor applies to every command that embeds, so
    // `embed` of a one-file tree is the cheapest that does. Its niceness is read from /proc
    // while it runs (the model's load takes long enough to catch it).
    if (process.platform !== 'linux') return;
    const child = codesearch(['embed', path.join(MINI_REPO, 'web'), '--no-cache', '--low-priority']);
    const niceness = await readNicenessOfChild('embed');
    ok(await child);
    expect(niceness).toBe(10);
  });

  it("--low-priority lowers the model's session processes too, and they end with the run", async () => {
    if (process.platform !== 'linux') return;
    const child = codesearch(['embed', MINI_REPO, '--no-cache', '--low-priority', '--threads', '2']);
    const sessions = await readSessionProcesses();
    ok(await child);
    expect(sessions.length).toBe(2);
    expect(sessions.map((session) => session.nice)).toEqual([10, 10]);
    const alive = await Promise.all(
      sessions.map((session) =>
        readFile(`/proc/${session.pid}/stat`, 'utf8').then(
          (stat) => !/\) Z /.test(stat),
          () => false,
        ),
      ),
    );
    expect(alive).toEqual([false, false]);
  });
});

/** Fields of /proc/<pid>/stat after the command name: ppid is the 2nd, nice the 17th. */
async function statFields(pid: string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * The model's session processes of the running `codesearch embed … --low-priority` (its
 * children running session-process.js), with their niceness: polled until both show, up to 30 s.
 */
async function readSessionProcesses(): Promise<Array<{ pid: string; nice: number }>> {
  const { readdir } = await import('node:fs/promises');
  let seen: Array<{ pid: string; nice: number }> = [];
  for (let attempt = 0; attempt < 300; attempt++) {
    let parent: string | undefined;
    const sessions: string[] = [];
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (args.some((arg) => arg.endsWith('session-process.js'))) sessions.push(pid);
      else if (
        args.includes('embed') &&
        args.includes('--low-priority') &&
        args.some((arg) => arg.endsWith('codesearch.js'))
      )
        parent = pid;
    }
    if (parent) {
      const mine: Array<{ pid: string; nice: number }> = [];
      for (const pid of sessions) {
        const fields = await statFields(pid);
        if (fields[1] === parent) mine.push({ pid, nice: Number(fields[16]) });
      }
      if (mine.length >= 2) return mine;
      if (mine.length > seen.length) seen = mine;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

/** The niceness of the first running `codesearch <command>` process found in /proc, polled for up to 20 s. */
async function readNicenessOfChild(command: string): Promise<number | undefined> {
  const { readdir } = await import('node:fs/promises');
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.includes('codesearch.js') || !cmdline.split('\0').includes(command)) continue;
      if (!cmdline.includes('--low-priority')) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // Fields after the command name in parentheses: state is 3rd, nice is the 19th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const nice = Number(fields[16]);
      if (nice !== 0) return nice;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
