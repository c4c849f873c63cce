/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

import { EmbeddingError, type EmbedOutcome } from '@codesearch/core';

/** Why a text cannot be embedded, or undefined when it can. */
export function invalidTextReason(text: unknown): string | undefined {
  if (typeof text !== 'string') return `expected a string, got ${text === null ? 'null' : typeof text}`;
  if (text.trim() === '') return 'empty text';
  return undefined;
}

/** `[0, 1, …, n)` split into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Fails the texts no model can embed (empty, not a string) up front, each alone; returns the
 * outcome array to fill and the indices of the texts left to embed.
 */
export function screenTexts(texts: readonly unknown[]): { outcomes: EmbedOutcome[]; valid: number[] } {
  const outcomes: EmbedOutcome[] = new Array(texts.length);
  const valid: number[] = [];
  texts.forEach((text, index) => {
    const reason = invalidTextReason(text);
    if (reason) {
      outcomes[index] = {
        ok: false,
        error: new EmbeddingError(`text ${index}: ${reason}`, { code: 'INVALID_TEXT' }),
      };
    } else {
      valid.push(index);
    }
  });
  return { outcomes, valid };
}
