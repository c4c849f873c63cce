import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDistIsFresh } from './dist.js';

const DIST_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let root = '';
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'codesearch-pool-'));
  // Big enough files that threads are mid-parse when the consumer stops.
  const body = Array.from({ length: 15000 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
  await mkdir(path.join(root, 'tree'));
  for (let i = 0; i < 30; i++)
    await writeFile(path.join(root, 'tree', `m${String(i).padStart(3, '0')}.py`), body);
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs a script against the built parser (threads exist only there) and returns its exit status. */
async function runScript(source: string) {
  assertDistIsFresh();
  // A script file, not `-e`: the hang this guards against does not show with `-e`.
  const script = path.join(root, 'consumer.mjs');
  await writeFile(script, source);
  return spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 100_000 });
}

describe('parser threads when the consumer stops early', () => {
  it('an aborted parse rejects with AbortError and the process exits cleanly', async () => {
    const result = await runScript(`
      import { parseDirectoryStream } from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)};
      for (let round = 0; round < 3; round++) {
        const controller = new AbortController();
        let seen = 0;
        try {
          for await (const event of parseDirectoryStream(${JSON.stringify(path.join(root, 'tree'))}, { signal: controller.signal, concurrency: 2 })) {
            if (++seen === 3) controller.abort();
          }
          console.log('not aborted');
        } catch (error) {
          console.log(error.name, seen);
        }
      }`);
    expect(result.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['AbortError 3', 'AbortError 3', 'AbortError 3']);
  }, 120_000);

  it('breaking out of the stream stops the threads and lets the process exit', async () => {
    const result = await runScript(`
      import { parseDirectoryStream } from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)};
      for (let round = 0; round < 3; round++) {
        let seen = 0;
        for await (const event of parseDirectoryStream(${JSON.stringify(path.join(root, 'tree'))}, { concurrency: 2 })) {
          if (++seen === 4) break;
        }
        console.log('stopped at', seen);
      }`);
    expect(result.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['stopped at 4', 'stopped at 4', 'stopped at 4']);
  }, 120_000);
});
