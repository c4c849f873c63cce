import { contentKey } from '@codesearch/cache';
import {
  CLASS_LIKE_KINDS,
  type CodeEntity,
  ENTITY_KINDS,
  FUNCTION_KINDS,
  type TextPreparator,
} from '@codesearch/core';
import { createTextPreparator } from '@codesearch/text-prep';
import { describe, expect, it } from 'vitest';
import { BatchEmbeddingGenerator, type BatchProgress } from '../src/index.js';
import {
  FakeCache,
  FakeEmbedder,
  type FakeEmbedderOptions,
  fakeVector,
  fn,
  key,
  MemoryLogger,
} from './fakes.js';
import { longPythonSource } from './long-function.js';

const preparator = createTextPreparator();
const windowTexts = (entity: CodeEntity) => preparator.prepareWindows(entity).map((window) => window.text);
const vectorOf = (text: string) => Array.from(fakeVector(text));

function setup(
  options: { embedder?: FakeEmbedderOptions; cache?: FakeCache; textPreparator?: TextPreparator } = {},
) {
  const embedder = new FakeEmbedder(options.embedder ?? {});
  const logger = new MemoryLogger();
  const progress: BatchProgress[] = [];
  const generator = new BatchEmbeddingGenerator({
    embedder,
    textPreparator: options.textPreparator ?? preparator,
    logger,
    batchSize: 4,
    onProgress: (event) => progress.push(event),
    ...(options.cache ? { cache: options.cache } : {}),
  });
  return { generator, embedder, logger, progress };
}

function longFunction(name: string, lineCount = 200, closing?: string[]): CodeEntity {
  const sourceCode = longPythonSource(lineCount, closing).replace('build_quarterly_report', name);
  return fn(name, {
    signature: `def ${name}(rows, options, log):`,
    docstring: 'Build the quarterly sales report from exported rows.',
    sourceCode,
    lineNumber: 100,
    endLine: 100 + lineCount - 1,
    filePath: `src/${name}.py`,
  });
}

describe('batch embeds every window of a long unit', () => {
  it('embeds each window and lists them, with their vectors, parallel to prepared[i].windows', async () => {
    const long = longFunction('report');
    const short = fn('short');
    const { generator, embedder } = setup();
    const result = await generator.processFunctions([long, short]);
    const texts = windowTexts(long);
    expect(texts.length).toBeGreaterThan(2);
    expect(embedder.texts).toEqual([...texts, ...windowTexts(short)]);

    const prepared = result.prepared[0]!;
    expect(prepared.windows!.map((window) => window.text)).toEqual(texts);
    expect(prepared.windows![0]).toMatchObject({ text: prepared.text, contentKey: prepared.contentKey });
    expect(prepared.windows!.map((window) => [window.startLine, window.endLine])).toEqual(
      preparator.prepareWindows(long).map((window) => [window.startLine, window.endLine]),
    );
    expect(new Set(prepared.windows!.map((window) => window.contentKey)).size).toBe(texts.length);
    expect(result.windowEmbeddings[key(long)]).toEqual(texts.map(vectorOf));
    expect(result.embeddings[key(long)]).toEqual(vectorOf(texts[0]!));

    // A unit that fits is one window: no `windows`, no `windowEmbeddings` entry.
    expect(result.prepared[1]!.windows).toBeUndefined();
    expect(Object.keys(result.windowEmbeddings)).toEqual([key(long)]);
    expect(result.summary).toEqual({ total: 2, success: 2, failed: 0, cached: 0, newlyEmbedded: 2 });
  });

  it('caches per window: a second run embeds nothing; an edit at the end re-embeds only the windows it touches', async () => {
    const cache = new FakeCache();
    const long = longFunction('report');
    const first = setup({ cache });
    await first.generator.processFunctions([long]);
    const windowCount = windowTexts(long).length;
    expect(cache.entries.size).toBe(windowCount);

    const second = setup({ cache: cache.reopen() });
    const again = await second.generator.processFunctions([long]);
    expect(second.embedder.calls).toEqual([]);
    expect(again.summary).toEqual({ total: 1, success: 1, failed: 0, cached: 1, newlyEmbedded: 0 });
    expect(again.windowEmbeddings[key(long)]).toEqual(windowTexts(long).map(vectorOf));

    const edited = longFunction('report', 200, ['    return {"totals": totals, "duplicates": duplicates}']);
    const third = setup({ cache: cache.reopen() });
    const after = await third.generator.processFunctions([edited]);
    expect(third.embedder.texts).toEqual(
      windowTexts(edited).filter((text) => !cache.entries.has(keyOf(text))),
    );
    expect(third.embedder.texts.length).toBeGreaterThanOrEqual(1);
    expect(third.embedder.texts.length).toBeLessThanOrEqual(2);
    expect(after.summary).toMatchObject({ cached: 0, newlyEmbedded: 1 });
  });

  it('one failing window fails its unit alone, naming the unit and the lines; its other windows are kept', async () => {
    const long = longFunction('report');
    const other = longFunction('other');
    const windows = preparator.prepareWindows(long);
    const bad = windows[2]!;
    const { generator, logger, progress } = setup({ embedder: { failText: (text) => text === bad.text } });
    const result = await generator.processBatch([long, other]);
    expect(result.errors).toEqual({
      [key(long)]:
        `report (${key(long)}): embedding failed for window 3 of ${windows.length} ` +
        `(lines ${bad.startLine}-${bad.endLine}): [embedder] text 2: simulated model failure`, // 3rd of the 1st chunk
    });
    expect(result.embeddings[key(long)]).toBeNull();
    expect(result.embeddings[key(other)]).toEqual(vectorOf(windowTexts(other)[0]!));
    const kept = result.windowEmbeddings[key(long)]!;
    expect(kept[2]).toBeNull();
    expect(kept.filter((vector) => vector === null)).toHaveLength(1);
    expect(kept[0]).toEqual(vectorOf(windows[0]!.text));
    expect(result.summary).toEqual({ total: 2, success: 1, failed: 1, cached: 0, newlyEmbedded: 1 });
    expect(logger.errors).toHaveLength(1);
    // Progress counts units, never windows.
    for (const event of progress) expect(event.total).toBe(2);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 2, embedded: 1, failed: 1 });
  });
});

/** The cache key the generator uses for a text under the fake model. */
function keyOf(text: string): string {
  return contentKey({
    modelName: 'fake/model',
    modelVersion: 'v1',
    textPrepVersion: preparator.version,
    text,
  });
}

describe('kinds', () => {
  const ofKind = (kind: CodeEntity['kind'], index: number) => fn(`unit_${index}`, { kind });

  it('processFunctions takes FUNCTION_KINDS, processClasses CLASS_LIKE_KINDS, processBatch every kind', async () => {
    const items = ENTITY_KINDS.map(ofKind);
    const { generator } = setup();
    const functions = await generator.processFunctions(items);
    const classes = await generator.processClasses(items);
    const all = await generator.processBatch(items);
    items.forEach((item, index) => {
      const itemKey = key(item);
      expect([item.kind, functions.embeddings[itemKey] !== null]).toEqual([
        item.kind,
        FUNCTION_KINDS.has(item.kind),
      ]);
      expect([item.kind, classes.embeddings[itemKey] !== null]).toEqual([
        item.kind,
        CLASS_LIKE_KINDS.has(item.kind),
      ]);
      expect([item.kind, all.embeddings[itemKey] !== null]).toEqual([item.kind, true]);
      if (!FUNCTION_KINDS.has(item.kind)) {
        expect(functions.errors[itemKey]).toBe(
          `item ${index} unit_${index} (${itemKey}): invalid input: a ${item.kind} given to processFunctions`,
        );
      }
    });
    expect(all.summary).toMatchObject({ total: 14, success: 14 });
  });

  it('a preparator without prepareWindows gives one window: prepareClass for class-like kinds, prepareFunction for the rest', async () => {
    const calls: string[] = [];
    const legacy: TextPreparator = {
      version: 'legacy/1',
      prepareFunction: (entity) => {
        calls.push(`function:${entity.kind}`);
        return { text: `f ${entity.name}`, truncated: false, originalLength: 1 };
      },
      prepareClass: (entity) => {
        calls.push(`class:${entity.kind}`);
        return { text: `c ${entity.name}`, truncated: false, originalLength: 1 };
      },
    };
    const { generator } = setup({ textPreparator: legacy });
    const result = await generator.processBatch([fn('a', { kind: 'interface' }), fn('b', { kind: 'code' })]);
    expect(calls).toEqual(['class:interface', 'function:code']);
    expect(result.prepared.map((item) => item?.text)).toEqual(['c a', 'f b']);
    expect(result.windowEmbeddings).toEqual({});
  });
});
