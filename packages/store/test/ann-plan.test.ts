import { describe, expect, it } from 'vitest';
import { annEf, annMaintenanceDue, annPartitions, annRefineFactor, planAnn } from '../src/index.js';

// When a whole sync trains, retrains or drops the approximate vector index (pure).

describe('annMaintenanceDue', () => {
  it('leaves rows outside the indexes up to 2 % of the table (at least 1,000), and 15 small fragments', () => {
    const due = (rows: number, unindexedRows: number, smallFragments = 1) =>
      annMaintenanceDue({ rows, unindexedRows, smallFragments });
    expect(due(1_000_000, 20_000)).toBe(false);
    expect(due(1_000_000, 20_001)).toBe(true);
    expect(due(25_000, 1_000)).toBe(false);
    expect(due(25_000, 1_001)).toBe(true);
    expect(due(1_000_000, 10, 15)).toBe(false);
    expect(due(1_000_000, 10, 16)).toBe(true);
  });
});

describe('planAnn', () => {
  const index = (trainedRows: number, unindexedRows = 0) => ({ trainedRows, unindexedRows });

  it('trains once the table reaches the threshold, not before', () => {
    expect(planAnn({ rows: 99_999, threshold: 100_000, index: undefined })).toBe('none');
    expect(planAnn({ rows: 100_000, threshold: 100_000, index: undefined })).toBe('train');
    expect(planAnn({ rows: 0, threshold: 0, index: undefined })).toBe('none');
    expect(planAnn({ rows: 10, threshold: Number.POSITIVE_INFINITY, index: undefined })).toBe('none');
  });

  it('leaves a trained index alone while the table stays within a factor 2 of its training size', () => {
    expect(planAnn({ rows: 199_999, threshold: 100_000, index: index(100_000) })).toBe('none');
    expect(planAnn({ rows: 60_000, threshold: 100_000, index: index(100_000) })).toBe('none');
  });

  it('retrains when the table doubled or halved, or a tenth of it is outside the index', () => {
    expect(planAnn({ rows: 200_000, threshold: 100_000, index: index(100_000) })).toBe('retrain');
    expect(planAnn({ rows: 150_000, threshold: 100_000, index: index(300_000) })).toBe('retrain');
    expect(planAnn({ rows: 120_000, threshold: 100_000, index: index(100_000, 12_001) })).toBe('retrain');
    expect(planAnn({ rows: 120_000, threshold: 100_000, index: index(100_000, 12_000) })).toBe('none');
  });

  it('drops it below half the threshold (hysteresis)', () => {
    expect(planAnn({ rows: 49_999, threshold: 100_000, index: index(100_000) })).toBe('drop');
    expect(planAnn({ rows: 50_000, threshold: 100_000, index: index(60_000) })).toBe('none');
  });
});

describe('query and build settings', () => {
  it('re-ranks x5 for short lists, fewer per row for deep ones, never under x1', () => {
    expect(annRefineFactor(10)).toBe(5);
    expect(annRefineFactor(60)).toBe(2);
    expect(annRefineFactor(600)).toBe(1);
    expect(annEf(10)).toBe(400); // one graph: the whole budget
    expect(annEf(10, 4)).toBe(100);
    expect(annEf(10, 61)).toBe(75); // 20 probed partitions: LanceDB's default, 1.5 x 50 rows
    expect(annEf(600, 61)).toBe(900);
  });

  it('partitions grow with the table, at least one', () => {
    expect(annPartitions(1)).toBe(1);
    expect(annPartitions(1_000_000)).toBeGreaterThan(annPartitions(100_000));
  });
});
