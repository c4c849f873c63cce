import { compareTree, hasChanges, type TreeChanges } from '@codesearch/batch';
import type { SearchService } from './search-service.js';

export interface RefreshOptions {
  /** Re-index at most this many changed files (added, changed, deleted, renamed); more: answer stale. */
  maxFiles?: number;
  /** Off (`--no-sync`): only compare, never write. */
  sync?: boolean;
  signal?: AbortSignal;
  /** Called with a short line per step (`re-indexing 3 changed files …`), for progress. */
  onProgress?: (message: string) => void;
}

/** What a refresh did, file by file. */
export interface RefreshReport {
  /** Root-relative paths re-indexed because they were added, changed or renamed to. */
  indexed: string[];
  /** Root-relative paths whose units were removed (deleted, renamed from). */
  removed: string[];
  /** Units whose text was embedded by the model (the others came from the index or cache). */
  embedded: number;
  /** Units now indexed from the re-indexed files. */
  units: number;
  /** Wall time of the refresh, milliseconds. */
  ms: number;
}

/**
 * Whether the answer reflects the tree: `fresh` (nothing changed), `refreshed` (changed files
 * were re-indexed first), `stale` (the index was left as it is: `reason` says why, and
 * `refreshCommand` what to run).
 */
export interface FreshnessReport {
  state: 'fresh' | 'refreshed' | 'stale';
  /** How the tree differs from the index now (after any refresh). */
  pending: { added: number; changed: number; deleted: number; renamed: number };
  refreshed?: RefreshReport;
  reason?: string;
  refreshCommand: string;
}

function countChanges(changes: TreeChanges): FreshnessReport['pending'] {
  return {
    added: changes.added.length,
    changed: changes.changed.length,
    deleted: changes.deleted.length,
    renamed: changes.renamed.length,
  };
}

const NOTHING_PENDING = { added: 0, changed: 0, deleted: 0, renamed: 0 };

/** Compares the tree with the index's manifest and re-indexes what changed when allowed. */
export async function refreshIndex(
  service: SearchService,
  options: RefreshOptions,
): Promise<FreshnessReport> {
  const refreshCommand = service.refreshCommand;
  const manifest = await service.index.manifest();
  if (!manifest) {
    return {
      state: 'stale',
      pending: NOTHING_PENDING,
      reason: 'the index has no file manifest (its last write did not complete)',
      refreshCommand,
    };
  }
  const changes = await compareTree(service.root, manifest, options.signal ? { signal: options.signal } : {});
  if (!hasChanges(changes)) return { state: 'fresh', pending: NOTHING_PENDING, refreshCommand };
  // TODO(lead): re-index the changed files (in progress).
  return { state: 'stale', pending: countChanges(changes), reason: 'not implemented yet', refreshCommand };
}
