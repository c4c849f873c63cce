import { createHash } from 'node:crypto';
import { CacheError } from '@codesearch/core';

/** What identifies a cached vector: the model that computed it and the exact text it saw. */
export interface ContentKeyInput {
  /**
   * Ignored: the model's name is a label (the same files by hub name or by directory are one
   * model). Accepted so that callers passing a whole `EmbeddingModelInfo` keep compiling.
   */
  modelName?: string;
  /** The model's identity: the digest of its files (`EmbeddingModelInfo.modelVersion`). */
  modelVersion: string;
  /** `TextPreparator.version`: a change in text preparation changes every key. */
  textPrepVersion: string;
  text: string;
}

/**
 * Hex sha256 of `[modelVersion, textPrepVersion, text]` as a JSON array: the encoding is
 * unambiguous (no separator a field could contain); neither the model's name nor the entity's
 * location is part of it, so a renamed model directory or a moved function keeps its key.
 */
export function contentKey(input: ContentKeyInput): string {
  const fields = [input?.modelVersion, input?.textPrepVersion, input?.text];
  if (!fields.every((field) => typeof field === 'string')) {
    throw new CacheError('contentKey needs modelVersion, textPrepVersion and text as strings', {
      code: 'INVALID_INPUT',
    });
  }
  return createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex');
}
