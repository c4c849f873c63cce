import { createHash } from 'node:crypto';
import { CacheError } from '@codesearch/core';

/** What identifies a cached vector: the model that computed it and the exact text it saw. */
export interface ContentKeyInput {
  modelName: string;
  modelVersion: string;
  /** `TextPreparator.version`: a change in text preparation changes every key. */
  textPrepVersion: string;
  text: string;
}

/**
 * Hex sha256 of the four fields as a JSON array: the encoding is unambiguous (no separator a
 * field could contain), and the location is not part of it, so a moved function keeps its key.
 */
export function contentKey(input: ContentKeyInput): string {
  const fields = [input.modelName, input.modelVersion, input.textPrepVersion, input.text];
  if (!fields.every((field) => typeof field === 'string')) {
    throw new CacheError('contentKey needs modelName, modelVersion, textPrepVersion and text as strings', {
      code: 'INVALID_INPUT',
    });
  }
  return createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex');
}
