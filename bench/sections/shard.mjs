/**
 * Scaling out: `embed` as one process against `embed --shard 1/2` and `--shard 2/2` as two
 * processes at the same time, both into a real redis-server (a fresh database per run), then one
 * `index` from the filled cache (must embed nothing). The tree is a copy of packages/cache/src
 * (~200 units). On one machine the two shards share its cores, so the
 * figure is the cost of splitting (start-up and model load twice), not the gain of n machines.
 */
import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { scratchDirectory } from '../lib/files.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'shard: embed as 1 process vs --shard 1/2 + 2/2 as 2 concurrent processes into one redis-server; then index from the cache';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server on loopback, no persistence. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--databases', '64'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.on('error', (error) =>
      reject(new Error(`cannot start redis-server (is it installed?): ${error.message}`)),
    );
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    port,
    stop: () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Keys and used memory of one Redis database, through redis-cli. */
async function redisFigures(port, db) {
  const cli = (...args) => timeCommand('redis-cli', ['-p', String(port), '-n', String(db), ...args]);
  const keys = Number((await cli('DBSIZE')).stdout.trim());
  const memory = (await cli('INFO', 'memory')).stdout.match(/used_memory:(\d+)/);
  return { keys, usedMemoryBytes: memory ? Number(memory[1]) : undefined };
}

export async function run({ repoRoot, runs, log }) {
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const scratch = await scratchDirectory('codesearch-bench-shard-');
  const tree = path.join(scratch.directory, 'tree');
  await cp(path.join(repoRoot, 'packages/cache/src'), tree, { recursive: true });
  const redis = await startRedis();
  const codesearch = async (args) => {
    const outcome = await timeCommand(process.execPath, [cli, ...args]);
    if (outcome.code !== 0)
      throw new Error(`codesearch ${args.join(' ')}: exit ${outcome.code}\n${outcome.stderr}`);
    return { seconds: outcome.wallSeconds, report: JSON.parse(outcome.stdout.trim().split('\n').at(-1)) };
  };
  const times = { one: [], two: [], index: [] };
  const checks = [];
  let db = 0;
  let units = 0;
  let shardUnits = [];
  let memoryPerEntry;
  try {
    for (let round = 0; round < runs; round++) {
      // Interleaved, each into an empty database, so both see the same machine load.
      db++;
      const oneUrl = `redis://127.0.0.1:${redis.port}/${db}`;
      const before = await redisFigures(redis.port, db);
      const one = await codesearch(['embed', tree, '--cache', oneUrl, '--json']);
      times.one.push(one.seconds);
      units = one.report.summary.total;
      const oneFigures = await redisFigures(redis.port, db);
      memoryPerEntry = (oneFigures.usedMemoryBytes - before.usedMemoryBytes) / oneFigures.keys;

      db++;
      const twoUrl = `redis://127.0.0.1:${redis.port}/${db}`;
      const started = performance.now();
      const shards = await Promise.all(
        ['1/2', '2/2'].map((shard) =>
          codesearch(['embed', tree, '--shard', shard, '--cache', twoUrl, '--json']),
        ),
      );
      times.two.push((performance.now() - started) / 1000);
      shardUnits = shards.map((shard) => shard.report.summary.total);
      const twoFigures = await redisFigures(redis.port, db);

      const index = await codesearch([
        'index',
        tree,
        '--index',
        path.join(scratch.directory, `index-${round}`),
        '--cache',
        twoUrl,
        '--json',
      ]);
      times.index.push(index.seconds);
      checks.push({
        keysOneProcess: oneFigures.keys,
        keysTwoShards: twoFigures.keys,
        indexNewlyEmbedded: index.report.summary.newlyEmbedded,
        indexEntities: index.report.index.entities,
      });
      log(
        `round ${round + 1}: 1 process ${one.seconds.toFixed(1)} s, 2 shards ${times.two.at(-1).toFixed(1)} s, index ${index.seconds.toFixed(1)} s (${index.report.summary.newlyEmbedded} embedded)`,
      );
    }
  } finally {
    await redis.stop();
    await scratch.remove();
  }
  const result = {
    units,
    shardUnits,
    oneProcessSeconds: summarise(times.one),
    twoShardsSeconds: summarise(times.two),
    indexFromCacheSeconds: summarise(times.index),
    redisBytesPerEntry: memoryPerEntry,
    // Nothing lost: the two shards leave as many keys as one process, and index embeds nothing.
    sameKeys: checks.every((check) => check.keysOneProcess === check.keysTwoShards),
    indexEmbeddedNothing: checks.every((check) => check.indexNewlyEmbedded === 0),
    checks,
  };
  const row = (label, { median, min, max }) => [
    label,
    median.toFixed(2),
    `${min.toFixed(2)}–${max.toFixed(2)}`,
  ];
  const table = formatTable([
    ['variant', 'wall s', 'range'],
    row('embed, 1 process', result.oneProcessSeconds),
    row('embed --shard 1/2 + 2/2, concurrent', result.twoShardsSeconds),
    row('index from the filled cache', result.indexFromCacheSeconds),
  ]);
  return {
    result,
    table: `${table}\n${units} units (shards: ${shardUnits.join(' + ')}); same keys in Redis: ${result.sameKeys}; index embedded nothing: ${result.indexEmbeddedNothing}; ~${Math.round(memoryPerEntry)} bytes of Redis memory per entry`,
  };
}
