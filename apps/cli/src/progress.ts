import { SingleBar } from 'cli-progress';
import type { Terminal } from './terminal.js';

/** Reports a byte count that grows toward a total: a bar on a terminal, a line per 10% otherwise. */
export interface ByteProgress {
  update(label: string, received: number, total?: number): void;
  stop(): void;
}

const MB = 1024 * 1024;

export function byteProgress(terminal: Terminal): ByteProgress {
  if (terminal.isTTY) {
    let bar: SingleBar | undefined;
    let current = '';
    return {
      update(label, received, total) {
        if (label !== current) {
          bar?.stop();
          current = label;
          bar = new SingleBar({
            format: `${label} [{bar}] {percentage}% {value}/{total} MB`,
            stream: process.stderr,
            hideCursor: true,
          });
          bar.start(Math.max(1, Math.round((total ?? received) / MB)), 0);
        }
        bar?.update(Math.round(received / MB));
      },
      stop: () => bar?.stop(),
    };
  }
  let current = '';
  let lastDecile = -1;
  return {
    update(label, received, total) {
      if (label !== current) {
        current = label;
        lastDecile = -1;
      }
      const decile = total ? Math.floor((received / total) * 10) : -1;
      if (decile > lastDecile) {
        lastDecile = decile;
        terminal.error(
          `${label}: ${(received / MB).toFixed(1)}${total ? `/${(total / MB).toFixed(1)}` : ''} MB`,
        );
      }
    },
    stop() {},
  };
}
