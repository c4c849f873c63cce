import type { InferenceSession } from 'onnxruntime-node';

export type OnnxRuntime = typeof import('onnxruntime-node');

/** onnxruntime-node, loaded on first use. It is CommonJS: its API is the default export under ESM. */
export async function loadOnnxRuntime(): Promise<OnnxRuntime> {
  const ortModule = await import('onnxruntime-node');
  return (ortModule as unknown as { default?: OnnxRuntime }).default ?? ortModule;
}

/** A CPU session of the model with `threads` intra-op threads: the one setting both places use. */
export function createOrtSession(
  ort: OnnxRuntime,
  modelPath: string,
  threads: number,
): Promise<InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}
