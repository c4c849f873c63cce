import { describe, expect, it } from 'vitest';
import { DEFAULT_RRF_K, HYBRID_WEIGHTS, reciprocalRankFusion } from '../src/index.js';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k + rank) over the lists (hand-computed, k = 60)', () => {
    // a: 1st and 3rd → 1/61 + 1/63; b: 2nd and 1st → 1/62 + 1/61; c: 3rd only → 1/63; d: 2nd only → 1/62.
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'd', 'a'],
    ]);
    expect(DEFAULT_RRF_K).toBe(60);
    expect(fused.map((item) => item.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]!.score).toBeCloseTo(0.0325224748810153, 15); // 1/62 + 1/61
    expect(fused[1]!.score).toBeCloseTo(0.032266458495966696, 15); // 1/61 + 1/63
    expect(fused[2]!.score).toBeCloseTo(1 / 62, 15);
    expect(fused[3]!.score).toBeCloseTo(1 / 63, 15);
    expect(fused.map((item) => item.ranks)).toEqual([
      [2, 1],
      [1, 3],
      [undefined, 2],
      [3, undefined],
    ]);
  });

  it('takes another k: k = 0 gives 1/rank', () => {
    const fused = reciprocalRankFusion([['x', 'y'], ['y']], { k: 0 });
    expect(fused).toEqual([
      { id: 'y', score: 1.5, ranks: [2, 1] },
      { id: 'x', score: 1, ranks: [1, undefined] },
    ]);
    expect(() => reciprocalRankFusion([['x']], { k: -1 })).toThrow(RangeError);
    expect(() => reciprocalRankFusion([['x']], { k: Number.NaN })).toThrow(/finite/);
  });

  it('weights the lists: weight/(k + rank), so a weighted list wins a swap (hand-computed, k = 0)', () => {
    // Unweighted, x (1st, 2nd) and y (2nd, 1st) tie at 1.5. With weights [2, 1]:
    // x = 2/1 + 1/2 = 2.5, y = 2/2 + 1/1 = 2.
    const fused = reciprocalRankFusion(
      [
        ['x', 'y'],
        ['y', 'x'],
      ],
      { k: 0, weights: [2, 1] },
    );
    expect(fused.map(({ id, score }) => ({ id, score }))).toEqual([
      { id: 'x', score: 2.5 },
      { id: 'y', score: 2 },
    ]);
    expect(HYBRID_WEIGHTS).toEqual([2, 1]);
    expect(() => reciprocalRankFusion([['x'], ['y']], { weights: [1] })).toThrow(/one finite weight/);
    expect(() => reciprocalRankFusion([['x']], { weights: [-1] })).toThrow(RangeError);
  });

  it('breaks ties by best single rank, then by first appearance', () => {
    // k = 0: a = 1/1, c = 1/1, b = 1/2 + 1/2 — three exact ties. b has no first place, so it
    // comes after c although it appears earlier; a before c by appearance.
    const fused = reciprocalRankFusion(
      [
        ['a', 'b'],
        ['c', 'b'],
      ],
      { k: 0 },
    );
    expect(fused.map((item) => [item.id, item.score])).toEqual([
      ['a', 1],
      ['c', 1],
      ['b', 1],
    ]);
    // Same input, same output, whatever the insertion history of the lists.
    expect(
      reciprocalRankFusion([
        ['r', 'x'],
        ['s', 'y'],
      ]).map((item) => item.id),
    ).toEqual(['r', 's', 'x', 'y']);
  });

  it('counts an id once per list (its best rank), handles empty and single lists', () => {
    expect(reciprocalRankFusion([['a', 'a', 'b']])).toEqual([
      { id: 'a', score: 1 / 61, ranks: [1] },
      { id: 'b', score: 1 / 63, ranks: [3] },
    ]);
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
    expect(reciprocalRankFusion([[], ['z']])).toEqual([{ id: 'z', score: 1 / 61, ranks: [undefined, 1] }]);
  });
});
