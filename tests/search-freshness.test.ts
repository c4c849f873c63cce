import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesearch, MINI_REPO, MODELS_DIR, ok } from './helpers/cli.js';

// Answers that are never stale, end to end: `codesearch search` compares the tree with the
// index and re-indexes what changed before answering (the built CLI, the real model, a real
// index of a copy of the mini repo that the tests edit).

interface JsonAnswer {
  freshness: {
    state: 'fresh' | 'refreshed' | 'stale';
    pending: { added: number; changed: number; deleted: number; renamed: number };
    reason?: string;
    refreshed?: { files: number; units: number; embedded: number };
  };
  results: Array<{ filePath: string; qualifiedName: string; stale?: string }>;
}

let scratch: string;
let tree: string;
let indexDir: string;

const flags = () => ['--path', tree, '--index', indexDir, '--models-dir', MODELS_DIR];

/** `codesearch index` of the test tree into its index, with the test's own cache. */
function indexTree(extra: string[] = []) {
  return codesearch([
    'index',
    tree,
    '--index',
    indexDir,
    '--cache',
    path.join(scratch, 'cache.json'),
    '--models-dir',
    MODELS_DIR,
    ...extra,
  ]);
}

async function search(query: string, extra: string[] = []) {
  const result = await codesearch(['search', query, '--mode', 'lexical', '--json', ...flags(), ...extra]);
  expect(result.code, result.stderr).toBeLessThan(2);
  return { ...result, answer: JSON.parse(result.stdout) as JsonAnswer };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-freshness-'));
  tree = path.join(scratch, 'tree');
  indexDir = path.join(scratch, 'index');
  await cp(MINI_REPO, tree, { recursive: true });
  ok(await indexTree());
}, 300_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('search re-indexes changed files before answering', () => {
  it('finds a function added a moment ago, and says it refreshed', async () => {
    await appendFile(
      path.join(tree, 'app', 'util.py'),
      '\n\ndef frobnicate_widgets(count):\n    return ["widget"] * count\n',
    );
    const { answer, code } = await search('frobnicate_widgets');
    expect(code).toBe(0);
    expect(answer.results[0]).toMatchObject({ filePath: 'app/util.py', qualifiedName: 'frobnicate_widgets' });
    expect(answer.results[0]?.stale).toBeUndefined();
    expect(answer.freshness).toMatchObject({ state: 'refreshed', refreshed: { files: 1 } });
    // The other units of util.py kept their text: only the new function was embedded.
    expect(answer.freshness.refreshed?.embedded).toBe(1);
    // Nothing changed since: the next answer is fresh without any work.
    expect((await search('frobnicate_widgets')).answer.freshness.state).toBe('fresh');
    // The new vector lives in the index (the refresh never loads the user's cache): a full
    // `index` run takes it from there instead of embedding the function a second time.
    const reindexed = await indexTree(['--json']);
    expect(JSON.parse(ok(reindexed).stdout).summary.newlyEmbedded).toBe(0);
  }, 120_000);

  it('with --no-sync answers from the index as it is and says what is pending', async () => {
    await appendFile(path.join(tree, 'app', 'util.py'), '\n\ndef quuxify_gadgets():\n    return 0\n');
    const stale = await search('quuxify_gadgets', ['--no-sync']);
    expect(stale.code).toBe(1); // not in the index yet: nothing found
    expect(stale.answer.freshness).toMatchObject({ state: 'stale', pending: { changed: 1 } });
    expect(stale.stderr).toMatch(
      /index may be stale: 1 changed; not re-indexed \(--no-sync\); refresh with `codesearch index /,
    );
    // Without --no-sync the same question finds it.
    expect((await search('quuxify_gadgets')).answer.results[0]?.qualifiedName).toBe('quuxify_gadgets');
  }, 120_000);

  it('drops the units of a deleted file and finds a renamed one at its new path', async () => {
    await rename(path.join(tree, 'app', 'util.py'), path.join(tree, 'app', 'helpers.py'));
    const moved = await search('frobnicate_widgets');
    expect(moved.answer.results[0]).toMatchObject({ filePath: 'app/helpers.py' });
    expect(moved.answer.freshness).toMatchObject({ state: 'refreshed', refreshed: { files: 2 } });
    await rm(path.join(tree, 'app', 'helpers.py'));
    const gone = await search('frobnicate_widgets');
    expect(gone.code).toBe(1);
    expect(gone.answer.results).toEqual([]);
  }, 120_000);

  it('over 50 changed files answers stale, marks nothing it cannot know, and names the command', async () => {
    for (let i = 0; i < 51; i++) {
      await writeFile(path.join(tree, `gen_${i}.py`), `def generated_${i}():\n    return ${i}\n`);
    }
    const result = await search('generated_7');
    expect(result.answer.freshness).toMatchObject({
      state: 'stale',
      pending: { added: 51 },
      reason: '51 files changed, more than the 50 re-indexed before answering',
    });
    expect(result.stderr).toContain(`refresh with \`codesearch index ${tree} --index ${indexDir}`);
    // `codesearch index` catches up; then the answer is fresh and finds them.
    ok(await indexTree());
    const after = await search('generated_7');
    expect(after.answer.freshness.state).toBe('fresh');
    expect(after.answer.results[0]?.qualifiedName).toBe('generated_7');
  }, 300_000);
});

describe('the index inside a tree stays out of git', () => {
  it('codesearch index writes .codesearch/.gitignore, so git status shows nothing new', async () => {
    const repo = path.join(scratch, 'git-tree');
    await cp(MINI_REPO, repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'start');
    ok(
      await codesearch([
        'index',
        repo,
        '--cache',
        path.join(scratch, 'cache.json'),
        '--models-dir',
        MODELS_DIR,
      ]),
    );
    expect(await readFile(path.join(repo, '.codesearch', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(git('status', '--porcelain')).toBe('');
  }, 300_000);
});
