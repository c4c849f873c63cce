import type { EmbeddingError } from './errors.js';

/** Identity of an embedding model: what makes two vectors comparable. */
export interface EmbeddingModelInfo {
  /** A label for people: hub name or directory name (`Xenova/all-MiniLM-L6-v2`). Not part of the identity. */
  modelName: string;
  /** The identity: a digest of the model files (or a revision), so that a changed model is detected and the same files under another name are recognised. */
  modelVersion: string;
  dimensions: number;
  /** Longest input in model tokens, when the model says. */
  maxTokens?: number;
}

/** The result for one input text: a vector, or the reason there is none. */
export type EmbedOutcome =
  | { ok: true; vector: Float32Array; truncated: boolean }
  | { ok: false; error: EmbeddingError };

export interface EmbedOptions {
  signal?: AbortSignal;
}

/**
 * Turns texts into L2-normalised vectors. Implementations batch internally.
 * Contract version `v1`; a breaking change to this interface bumps it.
 */
export interface Embedder {
  readonly specificationVersion: 'v1';
  /**
   * The model's identity. Cheap: it may read model metadata but must not start the
   * inference runtime, so that a run served wholly from cache never loads the model.
   */
  describe(): Promise<EmbeddingModelInfo>;
  /** One outcome per text, in input order. A bad text fails alone; the others are embedded. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedOutcome[]>;
  /** Releases the runtime (sessions, sockets). Optional. */
  dispose?(): Promise<void>;
}
