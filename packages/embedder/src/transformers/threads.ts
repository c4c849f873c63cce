import { availableParallelism } from 'node:os';

/**
 * onnxruntime threads when none are asked for: every core on a machine of 1–3 cores (taking
 * one away would cost a third or more of the speed), all but one from 4 cores up, so that the
 * user's editor and shell stay responsive while a large tree is indexed.
 */
export function defaultThreadCount(cores: number = availableParallelism()): number {
  return cores >= 4 ? cores - 1 : Math.max(1, cores);
}
