import type { CodeEntity } from './entity.js';

/** The text the model sees for one entity, and whether the length budget cut it. */
export interface PreparedText {
  text: string;
  /** True when the budget cut the text; the cut is marked inside `text` as well. */
  truncated: boolean;
  /** Length of the untruncated text, in the budget's unit. */
  originalLength: number;
}

/**
 * One of the overlapping windows a long unit is embedded as. Each carries the unit's header
 * (path, qualified name, signature) and the code of lines `startLine`–`endLine` (1-based, in the
 * file), so search can tell which lines of a unit matched.
 */
export interface PreparedWindow extends PreparedText {
  startLine: number;
  endLine: number;
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
  /**
   * Any kind. One window for a unit that fits the budget (its text equal to `prepareFunction`/
   * `prepareClass`'s), several overlapping ones for a longer unit; the first is always the
   * unit's own prepared text. Optional: a preparator without it gives one window per unit.
   */
  prepareWindows?(entity: CodeEntity): PreparedWindow[];
}
