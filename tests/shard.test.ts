import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../packages/cache/test/redis-server.js';
import { codesearch, FORBID_RUNTIME, jsonOf, MINI_REPO, ok } from './helpers/cli.js';

// Scaling out (issue 12): n processes run `embed --shard i/n` into one shared Redis cache, then
// one `index` finds every vector there and never loads the model. The built CLI, the real
// model, a real redis-server on a free loopback port, real processes running at the same time.

interface Summary {
  total: number;
  success: number;
  failed: number;
  cached: number;
  newlyEmbedded: number;
}

interface EmbedReport {
  shard?: string;
  summary: Summary;
  errors: Record<string, string>;
  parse: { files: number; entities: number };
}

interface IndexReport {
  summary: Summary;
  index: { entities: number };
}

interface SearchLine {
  results: Array<{ filePath: string; name: string }>;
}

/** What `codesearch parse` finds in the whole tree: the independent source of expected counts. */
async function parsedTree(root: string): Promise<{ files: Set<string>; entities: number }> {
  const lines = ok(await codesearch(['parse', root, '--json']))
    .stdout.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { filePath: string });
  return { files: new Set(lines.map((line) => line.filePath)), entities: lines.length };
}

/** The files whose units a result file (`embed --output`) holds: keys are `path:line`. */
async function embeddedFiles(resultFile: string): Promise<Set<string>> {
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as { embeddings: Record<string, unknown> };
  return new Set(Object.keys(result.embeddings).map((key) => key.replace(/:\d+(:.*)?$/, '')));
}

describe('embed --shard into a shared Redis cache, then index', () => {
  let redis: RedisServer;
  let scratch: string;
  let tree: string;
  let url: string;

  beforeAll(async () => {
    redis = await startRedis();
    url = `redis://127.0.0.1:${redis.port}`;
    scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-shard-e2e-'));
    tree = path.join(scratch, 'tree');
    await cp(MINI_REPO, tree, { recursive: true });
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('rejects a shard that is not i/n with 1 ≤ i ≤ n, before anything runs', async () => {
    for (const bad of ['0/2', '3/2', 'a/b', '1/0']) {
      const result = await codesearch(['embed', tree, '--shard', bad, '--cache', url], {
        nodeOptions: ['--import', FORBID_RUNTIME],
      });
      expect(result.code, bad).toBe(1);
      expect(result.stderr).toContain(`option '--shard <i/n>' argument '${bad}' is invalid. not a shard`);
    }
    // An index of one shard would drop the other shards' rows: index has no --shard.
    const index = await codesearch(['index', tree, '--shard', '1/2', '--cache', url]);
    expect(index.code).not.toBe(0);
    expect(index.stderr).toContain("unknown option '--shard'");
  });

  it('two shards embedded at the same time fill the cache; index embeds nothing and never loads the model', async () => {
    const whole = await parsedTree(tree);
    const output = (shard: string) => path.join(scratch, `shard-${shard.replace('/', '-of-')}.json`);
    const [first, second] = await Promise.all(
      ['1/2', '2/2'].map(async (shard) =>
        jsonOf<EmbedReport>(
          await codesearch([
            'embed',
            tree,
            '--shard',
            shard,
            '--cache',
            url,
            '--json',
            '--output',
            output(shard),
          ]),
          `embed --shard ${shard}`,
        ),
      ),
    );
    expect([first!.shard, second!.shard]).toEqual(['1/2', '2/2']);
    for (const report of [first!, second!]) {
      expect(report.parse.files).toBeGreaterThan(0);
      expect(report.summary.failed).toBe(0);
      expect(report.summary.cached).toBe(0);
      expect(report.summary.newlyEmbedded).toBe(report.summary.total);
    }
    // Together the shards are the whole tree, each file once.
    expect(first!.parse.files + second!.parse.files).toBe(whole.files.size);
    expect(first!.summary.total + second!.summary.total).toBe(whole.entities);
    const [firstFiles, secondFiles] = await Promise.all(
      ['1/2', '2/2'].map((shard) => embeddedFiles(output(shard))),
    );
    expect([...firstFiles!].filter((file) => secondFiles!.has(file))).toEqual([]);
    expect(new Set([...firstFiles!, ...secondFiles!])).toEqual(whole.files);
    // The two functions searched for below come from different shards.
    expect(firstFiles!.has('app/util.py') && secondFiles!.has('web/server.ts')).toBe(true);

    // The guard must be able to fail: without the shared cache, index needs the runtime and dies.
    const indexDir = path.join(scratch, 'index');
    const uncached = await codesearch(['index', tree, '--index', indexDir, '--no-cache', '--json'], {
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(uncached.code).not.toBe(0);
    expect(uncached.stderr + uncached.stdout).toMatch(/forbidden in this test/);

    const indexed = jsonOf<IndexReport>(
      await codesearch(['index', tree, '--index', indexDir, '--cache', url, '--json'], {
        nodeOptions: ['--import', FORBID_RUNTIME],
      }),
      'index',
    );
    expect(indexed.summary).toEqual({
      total: whole.entities,
      success: whole.entities,
      failed: 0,
      cached: whole.entities,
      newlyEmbedded: 0,
    });
    expect(indexed.index.entities).toBe(whole.entities);

    // Vectors from both shards answer by meaning (the query itself needs the model).
    const queries = path.join(scratch, 'queries.txt');
    await writeFile(queries, 'turn a title into a url slug\nstart the http server on a port\n');
    const search = ok(
      await codesearch([
        'search',
        '--path',
        tree,
        '--index',
        indexDir,
        '--mode',
        'vector',
        '--json',
        '-k',
        '1',
        '--no-sync',
        '--queries-file',
        queries,
      ]),
    );
    const answers = search.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SearchLine);
    expect(answers.map((answer) => answer.results[0]?.name)).toEqual(['slugify', 'startServer']);
  });
});
