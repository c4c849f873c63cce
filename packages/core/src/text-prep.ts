import type { CodeEntity } from './entity.js';

/** The text the model sees for one entity, and whether the length budget cut it. */
export interface PreparedText {
  text: string;
  /** True when the budget cut the text; the cut is marked inside `text` as well. */
  truncated: boolean;
  /** Length of the untruncated text, in the budget's unit. */
  originalLength: number;
}

/** Turns an entity into model input. Deterministic: the same entity gives the same text. */
export interface TextPreparator {
  /**
   * Identifies the text format. It is part of the cache identity: a change to the format
   * must change the version so that stale embeddings are not served.
   */
  readonly version: string;
  prepareFunction(entity: CodeEntity): PreparedText;
  prepareClass(entity: CodeEntity): PreparedText;
}
