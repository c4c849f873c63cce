import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHashEmbedder, streamRepository } from '@codesearch/batch';
import type { EmbeddingBatchResult } from '@codesearch/core';
import { openCodeIndex } from '@codesearch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticTree } from '../bench/lib/synthetic-tree.mjs';
import { codesearch, jsonOf, ok } from './helpers/cli.js';

// The streamed pipeline end to end: the built CLI with the hashing embedder (no model), small
// chunks so that a small tree is many of them, on trees from the bench's synthetic generator.

let base = '';
let tree = '';
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'codesearch-scale-'));
  tree = (await syntheticTree(path.join(base, 'tree'), { functions: 3_000, seed: 7 })).directory;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  CODESEARCH_EMBEDDER: 'hash',
  CODESEARCH_CHUNK_UNITS: '250',
  ...extra,
});

interface IndexReport {
  summary: { total: number; success: number; cached: number; newlyEmbedded: number; failed: number };
  sync: { added: number; updated: number; removed: number; unchanged: number; relocated: number };
  index: { entities: number };
  parse: { files: number; errors: unknown[] };
}

describe('a streamed index run', () => {
  it('writes the same units and vectors as the whole-result path (embed --output), in many chunks', async () => {
    const work = await mkdtemp(path.join(base, 'same-'));
    const output = path.join(work, 'result.json');
    // The non-streamed path: embedRepository's whole result, every vector in one file.
    ok(await codesearch(['embed', tree, '--no-cache', '--output', output], { env: env() }));
    const whole = JSON.parse(await readFile(output, 'utf8')) as EmbeddingBatchResult;
    const keys = Object.keys(whole.embeddings) as Array<keyof typeof whole.embeddings>;
    const indexDir = path.join(work, 'index');
    const report = jsonOf<IndexReport>(
      await codesearch(['index', tree, '--no-cache', '--index', indexDir, '--json'], { env: env() }),
    );
    expect(report.summary.total).toBe(keys.length);
    expect(report.sync.added).toBe(keys.length);
    expect(report.index.entities).toBe(keys.length);

    const index = await openCodeIndex(indexDir, {
      model: await createHashEmbedder().describe(),
      create: false,
    });
    try {
      const units = await index.units(keys);
      expect(units.map((unit) => unit.locationKey)).toEqual(keys);
      // Each unit's vector from the whole result finds that unit first, at similarity 1.
      for (let i = 0; i < keys.length; i += Math.floor(keys.length / 40)) {
        const [best] = await index.vectorCandidates(Float32Array.from(whole.embeddings[keys[i]!]!), {
          depth: 1,
        });
        expect(best?.locationKey).toBe(keys[i]);
        expect(best?.score).toBeCloseTo(1, 5);
      }
      expect(await index.manifest()).toMatchObject({ consistent: true });
    } finally {
      await index.close();
    }

    // Again over the unchanged tree: every row unchanged, nothing written.
    const again = jsonOf<IndexReport>(
      await codesearch(['index', tree, '--no-cache', '--index', indexDir, '--json'], { env: env() }),
    );
    expect(again.sync).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: keys.length });
  }, 240_000);

  it('Ctrl-C mid-stream keeps the chunks written; the next run embeds only the rest', async () => {
    const work = await mkdtemp(path.join(base, 'interrupt-'));
    const indexDir = path.join(work, 'index');
    const cache = path.join(work, 'cache.json');
    // ~3,100 units at 16 per call and 25 ms per call: ~5 s of "model" time; interrupted after 2.5 s.
    const interrupted = await codesearch(['index', tree, '--cache', cache, '--index', indexDir, '--json'], {
      env: env({ CODESEARCH_EMBEDDER: 'hash:25' }),
      timeoutMs: 2_500,
      timeoutSignal: 'SIGINT',
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted at \d+\/\d+/);

    const index = await openCodeIndex(indexDir, {
      model: await createHashEmbedder().describe(),
      create: false,
    });
    const kept = (await index.stats()).entities;
    await index.close();
    expect(kept).toBeGreaterThan(0);

    const resumed = jsonOf<IndexReport>(
      await codesearch(['index', tree, '--cache', cache, '--index', indexDir, '--json'], { env: env() }),
    );
    // The kept rows are unchanged (not written again), and their vectors were not embedded again.
    expect(resumed.sync.unchanged).toBeGreaterThanOrEqual(kept);
    expect(resumed.summary.cached).toBeGreaterThanOrEqual(kept);
    expect(resumed.summary.newlyEmbedded).toBe(resumed.summary.total - resumed.summary.cached);
    expect(resumed.index.entities).toBe(resumed.summary.total);
  }, 240_000);
});

describe('streamRepository on a mid-size tree', () => {
  it('holds one chunk at a time: units parsed but not handed over stay under the chunk size plus one file', async () => {
    const work = await mkdtemp(path.join(base, 'bound-'));
    const mid = await syntheticTree(path.join(work, 'tree'), { functions: 50_000, seed: 11 });
    const chunkUnits = 1_000;
    let parsed = 0;
    let handed = 0;
    let mostHeld = 0;
    let largestFile = 0;
    const stream = streamRepository(mid.directory, {
      embedder: createHashEmbedder(),
      cache: false,
      chunkUnits,
      parse: {
        onEvent: (event) => {
          if (event.type !== 'file') return;
          parsed += event.file.entities.length;
          largestFile = Math.max(largestFile, event.file.entities.length);
          mostHeld = Math.max(mostHeld, parsed - handed);
        },
      },
    });
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      handed += chunk.entities.length;
    }
    expect(stream.outcome.summary.total).toBeGreaterThanOrEqual(50_000);
    expect(handed).toBe(stream.outcome.summary.total);
    expect(chunks).toBeGreaterThan(40);
    // 50k units went through; at most one chunk and the file that overflowed it were held.
    expect(mostHeld).toBeLessThanOrEqual(chunkUnits + largestFile);
  }, 240_000);
});
