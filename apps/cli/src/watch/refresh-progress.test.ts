import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { refreshProgress } from './refresh-progress.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refreshProgress', () => {
  it('shows nothing for a refresh that ends within the quiet time', async () => {
    const lines: string[] = [];
    const progress = refreshProgress((line) => lines.push(line), { quietMs: 2_000 });
    progress.onProgress('re-indexing 1 changed file(s) …');
    await vi.advanceTimersByTimeAsync(500);
    progress.end();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lines).toEqual([]);
  });

  it('shows the latest step of a long refresh once the quiet time is over, then its counts now and then', async () => {
    const lines: string[] = [];
    const progress = refreshProgress((line) => lines.push(line), { quietMs: 2_000, everyMs: 5_000 });
    progress.onProgress('indexing /tree …');
    progress.onProgress('embedding: 0/300 units', { done: 0, total: 300 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lines).toEqual(['embedding: 0/300 units']);
    for (let done = 10; done <= 300; done += 10) {
      progress.onProgress(`embedding: ${done}/300 units`, { done, total: 300 });
      await vi.advanceTimersByTimeAsync(1_000); // 30 s in all
    }
    progress.onProgress('embedding: 300/300 units', { done: 300, total: 300 }); // repeated: shown once
    progress.end();
    // One count per 5 s, and the last one.
    expect(lines).toEqual([
      'embedding: 0/300 units',
      'embedding: 10/300 units',
      'embedding: 60/300 units',
      'embedding: 110/300 units',
      'embedding: 160/300 units',
      'embedding: 210/300 units',
      'embedding: 260/300 units',
      'embedding: 300/300 units',
    ]);
  });
});
