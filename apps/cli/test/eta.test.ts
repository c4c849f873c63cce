import { describe, expect, it } from 'vitest';
import { entityProgress } from '../src/entity-progress.js';
import { EmbeddingEta, estimatedTotal } from '../src/eta.js';

// A fake clock: every expected value below is worked out by hand in the comment beside it.

function clockAt(start = 0) {
  const clock = { now: start };
  return { clock, now: () => clock.now };
}

const counts = (over: Partial<Parameters<EmbeddingEta['update']>[0]>) => ({
  total: 100,
  done: 0,
  cached: 0,
  embedded: 0,
  failed: 0,
  ...over,
});

describe('EmbeddingEta', () => {
  it('a steady rate: remaining units over units embedded per second', () => {
    const { clock, now } = clockAt();
    const eta = new EmbeddingEta(now);
    clock.now = 1000;
    // 10 embedded in 1 s → 10/s; 90 to go → 9 s.
    expect(eta.update(counts({ done: 10, embedded: 10 }))).toEqual({
      rate: 10,
      total: 100,
      estimated: false,
      seconds: 9,
    });
    clock.now = 2000;
    // 10 more in 1 s: still 10/s; 80 to go → 8 s.
    expect(eta.update(counts({ done: 20, embedded: 20 })).seconds).toBeCloseTo(8, 10);
  });

  it('smooths the rate over time: a slow stretch moves it by the share of time it covers', () => {
    const { clock, now } = clockAt();
    const eta = new EmbeddingEta(now);
    clock.now = 1000;
    eta.update(counts({ total: 1000, done: 10, embedded: 10 })); // 10/s
    clock.now = 21_000;
    // 100 in 20 s = 5/s, weight 1 - e^(-20/20) = 0.632121 → 10 - 0.632121 × 5 = 6.839397/s;
    // 890 to go → 130.1284 s.
    const estimate = eta.update(counts({ total: 1000, done: 110, embedded: 110 }));
    expect(estimate.rate).toBeCloseTo(6.839397, 5);
    expect(estimate.seconds).toBeCloseTo(130.1284, 3);
  });

  it('cache hits cost nothing: only the share of units that needed the model is waited for', () => {
    const { clock, now } = clockAt();
    const eta = new EmbeddingEta(now);
    clock.now = 1000;
    // 10 embedded in 1 s, 40 hits: a fifth of the units needs the model; 50 to go → 10 at 10/s = 1 s.
    expect(eta.update(counts({ done: 50, cached: 40, embedded: 10 })).seconds).toBeCloseTo(1, 10);
  });

  it('not from the parse rate: units parsed but not embedded do not shorten it', () => {
    const { clock, now } = clockAt();
    const eta = new EmbeddingEta(now);
    clock.now = 10_000;
    // A streamed run: 3 of 10 files parsed, 300 units so far → ~1000 in all; 100 embedded in 10 s = 10/s;
    // 900 to go → 90 s, however fast the 300 were parsed.
    expect(
      eta.update(
        counts({ total: 300, done: 100, embedded: 100, totalFinal: false, files: { done: 3, total: 10 } }),
      ),
    ).toEqual({ rate: 10, total: 1000, estimated: true, seconds: 90 });
  });

  it('no ETA while the total is unknown or nothing was embedded yet', () => {
    const { clock, now } = clockAt();
    const eta = new EmbeddingEta(now);
    clock.now = 1000;
    expect(
      eta.update(counts({ total: 300, done: 10, embedded: 10, totalFinal: false, files: { done: 3 } }))
        .seconds,
    ).toBeUndefined();
    const fresh = new EmbeddingEta(now);
    clock.now = 2000;
    expect(fresh.update(counts({ done: 0 })).seconds).toBeUndefined();
  });
});

describe('estimatedTotal', () => {
  it('the total when final; units per file parsed times the files found otherwise; never below the count so far', () => {
    expect(estimatedTotal(counts({ total: 42 }))).toBe(42);
    expect(estimatedTotal(counts({ total: 42, totalFinal: true, files: { done: 1, total: 9 } }))).toBe(42);
    expect(estimatedTotal(counts({ total: 250, totalFinal: false, files: { done: 2, total: 7 } }))).toBe(875);
    expect(estimatedTotal(counts({ total: 250, totalFinal: false, files: { done: 9, total: 7 } }))).toBe(250);
    expect(
      estimatedTotal(counts({ total: 250, totalFinal: false, files: { done: 0, total: 7 } })),
    ).toBeUndefined();
  });
});

describe('entity progress while the total is estimated', () => {
  it('prints ~total and the ETA of the estimate, then the real total', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = entityProgress(
      { out: () => {}, error: (line) => lines.push(line), isTTY: false },
      { lineIntervalSeconds: 0, now: () => clock },
    );
    clock = 10_000;
    progress.update(
      counts({ total: 300, done: 100, embedded: 100, totalFinal: false, files: { done: 3, total: 10 } }),
    );
    clock = 11_000;
    progress.update(counts({ total: 300, done: 100, embedded: 100, totalFinal: false, files: { done: 3 } }));
    clock = 12_000;
    progress.update(counts({ total: 980, done: 980, embedded: 980, totalFinal: true }));
    expect(lines[0]).toBe('embedding: 100/~1000 entities (10%), 10.0/s, ETA 1m30s, cached 0, failed 0');
    expect(lines[1]).toMatch(/^embedding: 100\/\? entities, [\d.]+\/s, ETA \?, cached 0, failed 0$/);
    expect(lines[2]).toMatch(/^embedding: 980\/980 entities \(100%\), .*ETA 0s/);
  });
});
