import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RefreshOutcome, RefreshScheduler } from './refresh-scheduler.js';

// The scheduler's timing with fake timers and a fake refresh whose duration the test controls.

interface FakeRefresh {
  /** Start times (fake clock, ms since the test began) of each refresh. */
  starts: number[];
  /** How many refreshes are running right now, at most (never above 1). */
  maxConcurrent: number;
  refresh: (signal: AbortSignal) => Promise<RefreshOutcome>;
}

function fakeRefresh(durationMs: number, outcomes: RefreshOutcome[] = []): FakeRefresh {
  const began = Date.now();
  let running = 0;
  const fake: FakeRefresh = {
    starts: [],
    maxConcurrent: 0,
    refresh: (signal) => {
      fake.starts.push(Date.now() - began);
      running++;
      fake.maxConcurrent = Math.max(fake.maxConcurrent, running);
      const outcome = outcomes.shift() ?? 'done';
      if (durationMs === 0) {
        running--;
        return Promise.resolve(outcome);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          running--;
          resolve(outcome);
        }, durationMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          running--;
          reject(signal.reason);
        });
      });
    },
  };
  return fake;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RefreshScheduler', () => {
  it('turns a burst of events into one refresh, 300 ms after the last event', async () => {
    const fake = fakeRefresh(100);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh });
    for (let event = 0; event < 200; event++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(1);
    }
    // 200 ms of events, then quiet: one refresh at 199 + 300.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fake.starts).toEqual([499]);
    await scheduler.stop();
  });

  it('refreshes at most 1 s after the first event of a tree that never goes quiet', async () => {
    const fake = fakeRefresh(50);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh });
    // An event every 100 ms for 3.5 s: the 300 ms of quiet never come.
    for (let tick = 0; tick < 35; tick++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fake.starts[0]).toBe(1_000);
    for (const [position, start] of fake.starts.entries()) {
      if (position > 0) expect(start - fake.starts[position - 1]!).toBeLessThanOrEqual(1_100);
    }
    // 3.5 s of events at ≤ 1 s + 50 ms per refresh, then the last one after the quiet.
    expect(fake.starts.length).toBeGreaterThanOrEqual(3);
    expect(fake.starts.length).toBeLessThanOrEqual(5);
    expect(fake.maxConcurrent).toBe(1);
    await scheduler.stop();
  });

  it('queues exactly one more refresh for events during a refresh, never two at once', async () => {
    const fake = fakeRefresh(5_000);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh });
    scheduler.notify();
    await vi.advanceTimersByTimeAsync(400); // the first refresh runs from 300 ms to 5.3 s
    expect(fake.starts).toEqual([300]);
    for (let event = 0; event < 50; event++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(20); // events from 400 ms to 1.4 s
    }
    expect(scheduler.busy).toBe(true);
    await vi.advanceTimersByTimeAsync(20_000);
    // The queued events are older than 1 s when the first refresh ends: the next starts at once.
    expect(fake.starts).toEqual([300, 5_300]);
    expect(fake.maxConcurrent).toBe(1);
    await scheduler.stop();
  });

  it('costs nothing while nothing happens: no timer is pending between refreshes', async () => {
    const fake = fakeRefresh(10);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh });
    scheduler.runNow();
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.starts).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
    await scheduler.stop();
  });

  it('tries a refresh that asked for it again, waiting longer each time, until one is done', async () => {
    const fake = fakeRefresh(0, ['retry', 'retry', 'retry', 'done']);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh, retryMs: 1_000, maxRetryMs: 3_000 });
    scheduler.runNow();
    await vi.advanceTimersByTimeAsync(20_000);
    // 1 s, then 2 s, then 3 s (the cap) between attempts; none after the one that was done.
    expect(fake.starts).toEqual([0, 1_000, 3_000, 6_000]);
    expect(vi.getTimerCount()).toBe(0);
    await scheduler.stop();
  });

  it('treats a refresh that throws as one to try again', async () => {
    const starts: number[] = [];
    let calls = 0;
    const scheduler = new RefreshScheduler({
      retryMs: 500,
      refresh: async () => {
        starts.push(Date.now());
        if (calls++ === 0) throw new Error('disk full');
        return 'done';
      },
    });
    scheduler.runNow();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBe(500);
    await scheduler.stop();
  });

  it('stop aborts the refresh in flight, waits for it and ignores later events', async () => {
    const fake = fakeRefresh(60_000);
    const scheduler = new RefreshScheduler({ refresh: fake.refresh });
    scheduler.runNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(scheduler.busy).toBe(true);
    await scheduler.stop();
    expect(scheduler.busy).toBe(false);
    scheduler.notify();
    scheduler.runNow();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.starts).toEqual([0]);
  });
});
