import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { entityProgress } from '../src/entity-progress.js';
import { parsePositiveInteger } from '../src/options.js';

describe('entity progress without a terminal', () => {
  it('prints at most one line per interval, and always the final one, with rate and ETA from embedded items', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = entityProgress(
      { out: () => {}, error: (line) => lines.push(line), isTTY: false },
      { lineIntervalSeconds: 5, now: () => clock },
    );
    const counts = (done: number, embedded: number) => ({
      total: 100,
      done,
      cached: done - embedded,
      embedded,
      failed: 0,
    });
    clock = 1000;
    progress.update(counts(10, 10)); // first update: printed
    clock = 3000;
    progress.update(counts(20, 20)); // 2 s later: swallowed
    clock = 7000;
    progress.update(counts(40, 40)); // 6 s after the first: printed
    clock = 8000;
    progress.update(counts(100, 48)); // finished: printed at once
    progress.update(counts(100, 48)); // the end of the batch reports 100% again: not repeated
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^embedding: 10\/100 entities \(10%\), 10\.0\/s, ETA 9s, cached 0, failed 0$/);
    // The rate is smoothed over time (time constant 20 s): 10/s over the first second, then
    // 5/s for 2 s (weight 1 - e^-0.1) → 9.524, then 5/s for 4 s (weight 1 - e^-0.2) → 8.704;
    // 60 to go → ETA 6.9 s.
    expect(lines[1]).toMatch(/^embedding: 40\/100 entities \(40%\), 8\.7\/s, ETA 7s/);
    expect(lines[2]).toMatch(/^embedding: 100\/100 entities \(100%\), .*ETA 0s, cached 52, failed 0$/);
  });
});

describe('--batch-size and --checkpoint-every parser', () => {
  it('takes positive whole numbers only', () => {
    expect(parsePositiveInteger('16')).toBe(16);
    for (const bad of ['0', '-2', '1.5', 'eight', ''])
      expect(() => parsePositiveInteger(bad)).toThrow(InvalidArgumentError);
  });
});
