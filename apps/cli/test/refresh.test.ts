import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareTree, hasChanges } from '@codesearch/batch';
import { withFileLock } from '@codesearch/fs';
import { MARKER_FILE } from '@codesearch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchService } from '../src/search-service.js';

// The refresh before answering, against the real thing: real files, the real model, a real
// LanceDB index. One tree is indexed once and then edited step by step.

const MODELS_DIR = process.env.CODESEARCH_MODELS_DIR ?? path.join(os.homedir(), '.codesearch', 'models');

const FILES: Record<string, string> = {
  'src/geometry.py': `def area_of_circle(radius):
    """Area of a circle from its radius."""
    return 3.14159 * radius * radius


def perimeter_of_square(side):
    return 4 * side
`,
  'src/strings.ts': `export function reverseWords(sentence: string): string {
  return sentence.split(' ').reverse().join(' ');
}

export function shout(text: string): string {
  return text.toUpperCase() + '!';
}
`,
  'src/net.go': `package net

// RetryWithBackoff calls fn until it succeeds, doubling the wait each time.
func RetryWithBackoff(fn func() error, attempts int) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = fn(); err == nil {
			return nil
		}
	}
	return err
}
`,
};

let root: string;
let scratch: string;
let service: SearchService;

async function lexical(query: string) {
  const [answer] = await service.search([{ query, mode: 'lexical', k: 5 }]);
  return answer!.hits;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-refresh-'));
  root = path.join(scratch, 'tree');
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  service = await SearchService.open({
    root,
    index: path.join(scratch, 'index'),
    modelsDir: MODELS_DIR,
    cache: path.join(scratch, 'cache.json'),
    create: true,
    lockWaitMs: 300,
  });
}, 120_000);

afterAll(async () => {
  await service?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('refresh before answering (real model, real index)', () => {
  it('says a tree without an index is stale when bounded, and indexes it whole when not', async () => {
    const bounded = await service.ensureFresh();
    expect(bounded).toMatchObject({ state: 'stale', reason: 'the tree is not indexed yet' });

    const whole = await service.refresh();
    expect(whole.state).toBe('refreshed');
    // 5 definitions and the Go file's `package net` line (every line is in a unit).
    expect(whole.refreshed).toMatchObject({ whole: true, units: 6, removed: [] });
    expect(whole.refreshed!.indexed).toEqual(['src/geometry.py', 'src/net.go', 'src/strings.ts']);
    expect((await service.index.stats()).entities).toBe(6);
    expect((await service.ensureFresh()).state).toBe('fresh');
  }, 120_000);

  it('re-indexes an edited file only, embedding only its new text', async () => {
    await writeFile(
      path.join(root, 'src/strings.ts'),
      `${FILES['src/strings.ts']}
export function frobnicateWidgets(count: number): string {
  return 'widget'.repeat(count);
}
`,
    );
    const report = await service.ensureFresh();
    expect(report.state).toBe('refreshed');
    expect(report.refreshed).toMatchObject({
      indexed: ['src/strings.ts'],
      removed: [],
      changes: { added: 0, changed: 1, deleted: 0, renamed: 0 },
      units: 3,
    });
    // reverseWords and shout kept their text: their vectors came from the index.
    expect(report.refreshed!.embedded).toBe(1);
    expect((await lexical('frobnicateWidgets')).map((hit) => hit.qualifiedName)).toContain(
      'frobnicateWidgets',
    );
    expect((await service.index.stats()).entities).toBe(7);
    // The manifest now describes the tree: nothing left to refresh.
    const manifest = await service.index.manifest();
    expect(manifest?.consistent).toBe(true);
    expect(hasChanges(await compareTree(root, manifest!))).toBe(false);
  }, 120_000);

  it('moves a renamed file to its new path, and drops a deleted one', async () => {
    await rename(path.join(root, 'src/net.go'), path.join(root, 'src/retry.go'));
    await rm(path.join(root, 'src/geometry.py'));
    const report = await service.ensureFresh();
    expect(report.state).toBe('refreshed');
    expect(report.refreshed).toMatchObject({
      indexed: ['src/retry.go'],
      removed: ['src/geometry.py', 'src/net.go'],
      // One file renamed and one deleted (not one added and two deleted).
      changes: { added: 0, changed: 0, deleted: 1, renamed: 1 },
      embedded: 2, // the path is part of the embedded text: both units of the moved file are new text
    });
    const retry = await lexical('RetryWithBackoff');
    expect(retry[0]).toMatchObject({ filePath: 'src/retry.go', qualifiedName: 'RetryWithBackoff' });
    expect(await lexical('area_of_circle')).toEqual([]);
    expect(await service.units(['src/net.go:4', 'src/retry.go:4'])).toHaveLength(1);
    expect((await service.index.stats()).entities).toBe(5);
  }, 120_000);

  it('answers stale, without writing, over the file limit or with sync off', async () => {
    await writeFile(path.join(root, 'src/a.py'), 'def alpha():\n    return 1\n');
    await writeFile(path.join(root, 'src/b.py'), 'def beta():\n    return 2\n');
    const over = await service.ensureFresh({ maxFiles: 1 });
    expect(over).toMatchObject({
      state: 'stale',
      pending: { added: 2, changed: 0, deleted: 0, renamed: 0 },
      reason: '2 files changed, more than the 1 re-indexed before answering',
    });
    expect(over.refreshCommand).toMatch(/^codesearch index /);
    expect(await service.ensureFresh({ sync: false })).toMatchObject({
      state: 'stale',
      reason: 'not re-indexed (--no-sync)',
    });
    expect(await lexical('alpha')).toEqual([]);
    expect((await service.ensureFresh()).state).toBe('refreshed');
    expect((await lexical('alpha'))[0]?.filePath).toBe('src/a.py');
  }, 120_000);

  it('keeps the other files when one cannot be parsed, and names it', async () => {
    await writeFile(path.join(root, 'src/c.py'), 'def gamma():\n    return 3\n');
    await writeFile(path.join(root, 'src/broken.ts'), Buffer.from([0x00, 0xff, 0x00, 0x12, 0x80]));
    const report = await service.ensureFresh();
    expect(report.state).toBe('refreshed');
    expect(report.refreshed!.indexed).toEqual(['src/broken.ts', 'src/c.py']);
    expect((await lexical('gamma'))[0]?.filePath).toBe('src/c.py');
    // A binary file is skipped on purpose, and recorded: the next check finds nothing to do.
    expect((await service.ensureFresh()).state).toBe('fresh');
  }, 120_000);

  it('answers stale while another process holds the write lock', async () => {
    await writeFile(path.join(root, 'src/d.py'), 'def delta():\n    return 4\n');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = withFileLock(path.join(service.directory, MARKER_FILE), {}, async () => {
      locked();
      await held;
    });
    await lockTaken;
    try {
      const report = await service.ensureFresh();
      expect(report).toMatchObject({
        state: 'stale',
        reason: 'another codesearch process is writing the index',
        pending: { added: 1 },
      });
    } finally {
      release();
      await holder;
    }
    expect((await service.ensureFresh()).state).toBe('refreshed');
  }, 120_000);
});
