import type { RepositoryEmbedding } from '@codesearch/batch';
import type { CodeEntity } from '@codesearch/core';
import { type IndexRecord, recordsFromEntities } from '@codesearch/store';

/**
 * The index rows of an embedding run: one per window of each embedded unit (a long unit is
 * several rows, so each of its parts is searchable); units that failed are left out (`skipped`).
 */
export function indexRecordsOf(
  result: RepositoryEmbedding['result'],
  entities: readonly CodeEntity[],
): { records: IndexRecord[]; skipped: unknown[] } {
  return recordsFromEntities({
    entities: [...entities],
    keys: result.keys,
    vectors: result.keys.map((key) => result.embeddings[key] ?? null),
    texts: result.prepared.map((item) => item?.text ?? null),
    digests: result.prepared.map((item) => item?.contentKey ?? null),
    windows: result.keys.map((key, position) => {
      const windows = result.prepared[position]?.windows;
      if (!windows) return null;
      const vectors = result.windowEmbeddings[key];
      return windows.map((window, index) => ({
        startLine: window.startLine,
        endLine: window.endLine,
        text: window.text,
        digest: window.contentKey,
        vector: vectors?.[index] ?? null,
      }));
    }),
  });
}
