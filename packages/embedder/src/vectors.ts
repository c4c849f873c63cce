/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

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
