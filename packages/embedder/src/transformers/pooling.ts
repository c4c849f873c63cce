/**
 * Mean of the token vectors where the attention mask is 1, for each sequence of a batch,
 * scaled to unit length: the sentence-transformers recipe for MiniLM-style models.
 */
export function meanPoolNormalized(
  hidden: Float32Array,
  lengths: readonly number[],
  sequenceLength: number,
  dimensions: number,
): Float32Array[] {
  return lengths.map((length, row) => {
    const vector = new Float32Array(dimensions);
    const rowStart = row * sequenceLength * dimensions;
    for (let token = 0; token < length; token++) {
      const offset = rowStart + token * dimensions;
      for (let d = 0; d < dimensions; d++) vector[d]! += hidden[offset + d]!;
    }
    let sum = 0;
    for (let d = 0; d < dimensions; d++) {
      vector[d]! /= length;
      sum += vector[d]! * vector[d]!;
    }
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let d = 0; d < dimensions; d++) vector[d]! /= norm;
    return vector;
  });
}

/** Right-padded `input_ids`, `attention_mask` and `token_type_ids` for one batch. */
export function padBatch(
  sequences: readonly number[][],
  padId: number,
): { ids: BigInt64Array; mask: BigInt64Array; types: BigInt64Array; sequenceLength: number } {
  const sequenceLength = Math.max(...sequences.map((ids) => ids.length));
  const size = sequences.length * sequenceLength;
  const ids = new BigInt64Array(size).fill(BigInt(padId));
  const mask = new BigInt64Array(size);
  sequences.forEach((sequence, row) => {
    for (let i = 0; i < sequence.length; i++) {
      ids[row * sequenceLength + i] = BigInt(sequence[i]!);
      mask[row * sequenceLength + i] = 1n;
    }
  });
  return { ids, mask, types: new BigInt64Array(size), sequenceLength };
}
