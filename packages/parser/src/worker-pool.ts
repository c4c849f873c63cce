import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParseError } from '@codesearch/core';
import type { ParseFileOptions } from './parse-file.js';
import type { ParsedFile } from './parse-source.js';

export interface WorkerTask {
  id: number;
  absolutePath: string;
  options: ParseFileOptions;
}

export type WorkerReply =
  | { id: number; file: ParsedFile }
  | { id: number; error: { filePath: string; reason: string; code: string } };

interface Pending {
  resolve: (file: ParsedFile) => void;
  reject: (error: ParseError) => void;
  task: WorkerTask;
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, Pending>;
  /** Set by `close` while it waits for this worker's last tasks. */
  onIdle?: () => void;
}

// Two tasks per worker: one parsing, one reading its file meanwhile.
const TASKS_PER_WORKER = 2;
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);

/** True when this module runs from compiled JavaScript, where the worker script exists. */
export const workersAvailable = import.meta.url.endsWith('.js');

function relativeTaskPath(task: WorkerTask): string {
  return path
    .relative(task.options.root ?? '', task.absolutePath)
    .split(path.sep)
    .join('/');
}

/** A fixed set of parser threads fed from one queue. */
export class ParseWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closing = false;

  constructor(private readonly size: number) {}

  parse(absolutePath: string, options: ParseFileOptions): Promise<ParsedFile> {
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, task: { id: this.nextId++, absolutePath, options } });
      this.dispatch();
    });
  }

  /**
   * Stops the pool: files not yet started are refused; a thread still parsing finishes its
   * file and then ends. Terminating a thread inside a native tree-sitter call aborts the whole
   * process, so the pool never does that; busy threads are kept referenced meanwhile so the
   * process does not exit under them.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new ParseError(relativeTaskPath(pending.task), 'parse stopped', { code: 'ABORTED' }));
    }
    const idle: Array<Promise<number>> = [];
    for (const poolWorker of this.workers.splice(0)) {
      if (poolWorker.inFlight.size === 0) {
        idle.push(poolWorker.worker.terminate());
      } else {
        poolWorker.worker.ref();
        poolWorker.onIdle = () => void poolWorker.worker.terminate();
      }
    }
    await Promise.all(idle);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closing) {
      const target = this.idleWorker();
      if (!target) return;
      const pending = this.queue.shift()!;
      target.inFlight.set(pending.task.id, pending);
      target.worker.postMessage(pending.task);
    }
  }

  private idleWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const candidate of this.workers) {
      if (
        candidate.inFlight.size < TASKS_PER_WORKER &&
        (!best || candidate.inFlight.size < best.inFlight.size)
      ) {
        best = candidate;
      }
    }
    if (best && best.inFlight.size === 0) return best;
    if (this.workers.length < this.size) return this.spawn();
    return best;
  }

  private spawn(): PoolWorker {
    const poolWorker: PoolWorker = { worker: new Worker(WORKER_URL), inFlight: new Map() };
    poolWorker.worker.unref();
    poolWorker.worker.on('message', (reply: WorkerReply) => {
      const pending = poolWorker.inFlight.get(reply.id);
      if (!pending) return;
      poolWorker.inFlight.delete(reply.id);
      if ('file' in reply) pending.resolve(reply.file);
      else
        pending.reject(new ParseError(reply.error.filePath, reply.error.reason, { code: reply.error.code }));
      if (poolWorker.inFlight.size === 0) poolWorker.onIdle?.();
      this.dispatch();
    });
    // A crashed worker fails only its own files; a fresh one takes its place for the rest.
    const fail = (error: unknown): void => {
      const index = this.workers.indexOf(poolWorker);
      if (index >= 0) this.workers.splice(index, 1);
      for (const pending of poolWorker.inFlight.values()) {
        pending.reject(
          new ParseError(relativeTaskPath(pending.task), `parser thread failed: ${String(error)}`, {
            cause: error,
          }),
        );
      }
      poolWorker.inFlight.clear();
      poolWorker.onIdle?.();
      this.dispatch();
    };
    poolWorker.worker.on('error', fail);
    poolWorker.worker.on('exit', (code) => {
      if (poolWorker.inFlight.size > 0) fail(new Error(`exited with code ${code}`));
    });
    this.workers.push(poolWorker);
    return poolWorker;
  }
}
