import { availableParallelism } from 'node:os';

/**
 * onnxruntime threads when none are asked for: every core on a machine of 1–3 cores (taking
 * one away would cost a third or more of the speed), all but one from 4 cores up, so that the
 * user's editor and shell stay responsive while a large tree is indexed.
 */
export function defaultThreadCount(cores: number = availableParallelism()): number {
  return cores >= 4 ? cores - 1 : Math.max(1, cores);
}

/**
 * Model sessions run side by side when none are asked for: int8 runs one text at a time
 * (so that a vector never depends on its batch), and such short runs share cores badly (their
 * threads synchronise on every operator, and spin-wait on a busy machine): one single-threaded
 * session per thread, up to MAX_DEFAULT_SESSIONS (each holds its own copy of the model). fp32
 * runs batches, which split across threads well: one session.
 */
export function defaultSessionCount(precision: 'int8' | 'fp32', threads: number): number {
  return precision === 'int8' ? Math.min(threads, MAX_DEFAULT_SESSIONS) : 1;
}

export const MAX_DEFAULT_SESSIONS = 4;
