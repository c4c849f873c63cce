import { describe, expect, it } from 'vitest';
// The evaluation harness of `pnpm bench search-eval`: its metric, checked on a worked example.
import {
  fileMrrAt,
  fileRecallAt,
  hits,
  ndcgAt,
  presentTargets,
  splitOf,
} from '../bench/lib/eval-metrics.mjs';

const unit = (filePath: string, lineNumber: number, endLine: number) => ({ filePath, lineNumber, endLine });

describe('evaluation metrics (hand-computed example)', () => {
  const targets = [
    { file: 'a.py', lines: [10, 20] as [number, number] },
    { file: 'b.py' },
    { file: 'c.py', lines: [5, 5] as [number, number] },
  ];
  // c.py:5 is not in the index (no unit covers it): only two targets exist.
  const index = new Map([
    ['a.py', [unit('a.py', 10, 20), unit('a.py', 30, 40)]],
    ['b.py', [unit('b.py', 1, 3)]],
    ['c.py', [unit('c.py', 8, 9)]],
  ]);
  const answer = [
    unit('a.py', 30, 40), // right file, wrong lines: not a hit
    unit('b.py', 1, 3), // hits b.py (file-only target)
    unit('a.py', 15, 25), // overlaps a.py:10-20
    unit('b.py', 50, 60), // b.py again: already hit, counts nothing
  ];

  it('counts a target as present when a unit overlaps it', () => {
    expect(presentTargets(targets, index).map((target) => target.file)).toEqual(['a.py', 'b.py']);
  });

  it('NDCG@10 = (1/log2 3 + 1/log2 4) / (1 + 1/log2 3) = 0.6934', () => {
    expect(ndcgAt(answer, targets, 2)).toBeCloseTo((1 / Math.log2(3) + 0.5) / (1 + 1 / Math.log2(3)), 10);
    expect(ndcgAt(answer, targets, 2)).toBeCloseTo(0.6934, 4);
  });

  it('a perfect answer scores 1, an empty one 0, and no present target is undefined', () => {
    expect(ndcgAt([unit('b.py', 1, 3), unit('a.py', 10, 11)], targets, 2)).toBe(1);
    expect(ndcgAt([], targets, 2)).toBe(0);
    expect(ndcgAt(answer, targets, 0)).toBeUndefined();
  });

  it('one unit hits one target at most', () => {
    const two = [
      { file: 'a.py', lines: [1, 5] as [number, number] },
      { file: 'a.py', lines: [6, 9] as [number, number] },
    ];
    // The single unit a.py:1-9 overlaps both: it counts once, the ideal has two.
    expect(ndcgAt([unit('a.py', 1, 9)], two, 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 10);
  });

  it('file-level MRR@10 and R@10', () => {
    expect(fileMrrAt(answer, targets)).toBe(1);
    expect(fileMrrAt([unit('x.py', 1, 2), unit('b.py', 1, 2)], targets)).toBe(0.5);
    expect(fileRecallAt(answer, targets)).toBeCloseTo(2 / 3, 10);
  });

  it('overlap is inclusive at both ends', () => {
    expect(hits(unit('a.py', 20, 30), { file: 'a.py', lines: [10, 20] })).toBe(true);
    expect(hits(unit('a.py', 21, 30), { file: 'a.py', lines: [10, 20] })).toBe(false);
  });

  it('splits questions into two stable halves', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `q-${i}`);
    const dev = ids.filter((id) => splitOf(id) === 'dev').length;
    expect(dev).toBeGreaterThan(70);
    expect(dev).toBeLessThan(130);
    expect(splitOf('q-1')).toBe(splitOf('q-1'));
  });
});
