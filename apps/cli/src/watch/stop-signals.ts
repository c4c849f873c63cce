import type { Terminal } from '../terminal.js';

export interface StopSignals {
  /** Resolves at the first SIGINT or SIGTERM, with its name. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Ctrl-C (or SIGTERM) asks `watch` to stop: the watcher is closed, a refresh in flight is
 * aborted (an index write is atomic: the index stays as it was or becomes the new one), and the
 * command ends with a summary. A second signal exits at once.
 */
export function stopSignals(terminal: Terminal): StopSignals {
  let resolve!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((done) => {
    resolve = done;
  });
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      terminal.error(`${signal} again: exiting at once`);
      process.exit(130);
    }
    received = true;
    terminal.error(`${signal}: stopping (again to exit at once)`);
    resolve(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopped,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
