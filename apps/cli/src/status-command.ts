import path from 'node:path';
import { compareTree, hasChanges, type TreeChanges, walkOptionsFromJson } from '@codesearch/batch';
import type { StoredManifest } from '@codesearch/store';
import Table from 'cli-table3';
import { openExistingIndex } from './existing-index.js';
import { indexHint, walkFlags } from './index-location.js';
import type { Terminal } from './terminal.js';

export interface StatusCommandOptions {
  index?: string;
  model?: string;
  modelsDir?: string;
  json?: boolean;
}

/** Paths listed per kind of change at most (all of them are in `--json`). */
const LISTED_CHANGES = 10;

export type Staleness =
  | ({
      stale: boolean;
      /** Decided by comparing the tree with the index's per-file manifest. */
      method: 'manifest';
      /** False when the index was written after its manifest (an interrupted run): then stale. */
      consistent: boolean;
      /** The walk flags `index` used, which the comparison reused. */
      walkFlags: string[];
    } & TreeChanges)
  | { stale: true; method: 'none'; reason: string };

/** Stale when files were added, changed, deleted or renamed, or the manifest lags the index. */
export function staleness(manifest: StoredManifest | undefined, changes: TreeChanges | undefined): Staleness {
  if (!manifest || !changes) {
    return {
      stale: true,
      method: 'none',
      reason: 'the index has no file manifest (its last write did not complete)',
    };
  }
  return {
    stale: hasChanges(changes) || !manifest.consistent,
    method: 'manifest',
    consistent: manifest.consistent,
    walkFlags: walkFlags(manifest.walk),
    ...changes,
  };
}

/** One line: what changed since the index was written, or that nothing did. */
export function describeStaleness(state: Staleness, refresh: string): string {
  if (state.method === 'none') return `unknown: ${state.reason}; run \`${refresh}\``;
  if (!state.stale) return 'up to date (every file as indexed)';
  const parts = [
    [state.added.length, 'added'],
    [state.changed.length, 'changed'],
    [state.deleted.length, 'deleted'],
    [state.renamed.length, 'renamed'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, what]) => `${count} ${what}`);
  if (!state.consistent) parts.push('the last index run did not finish');
  return `stale: ${parts.join(', ')}; run \`${refresh}\``;
}

export async function runStatus(
  target: string | undefined,
  options: StatusCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const root = target ?? '.';
  const opened = await openExistingIndex({ ...options, root, rootFlag: 'status' }, terminal);
  if ('exitCode' in opened) return opened.exitCode;
  const { index } = opened;
  let stats: Awaited<ReturnType<typeof index.stats>>;
  let manifest: StoredManifest | undefined;
  try {
    [stats, manifest] = await Promise.all([index.stats(), index.manifest()]);
  } finally {
    await index.close();
  }
  // The tree is walked with the options the index was built with, not today's defaults.
  const changes = manifest ? await compareTree(path.resolve(root), manifest) : undefined;
  const state = staleness(manifest, changes);
  const refresh = indexHint(root, options.index, manifest ? walkOptionsFromJson(manifest.walk) : {});

  if (options.json) {
    terminal.out(JSON.stringify({ ...stats, root: path.resolve(root), staleness: state }));
    return 0;
  }
  const table = new Table({ style: { head: [], border: [], compact: true } });
  table.push(
    ['index', stats.directory],
    ['model', `${stats.model.modelName} (${stats.model.modelVersion})`],
    ['dimensions', stats.dimensions],
    ['entities', stats.entities],
    ['files', stats.files],
    [
      'languages',
      Object.entries(stats.languages)
        .sort((a, b) => b[1] - a[1])
        .map(([language, count]) => `${language} ${count}`)
        .join(', ') || '-',
    ],
    ['walk', state.method === 'manifest' ? state.walkFlags.join(' ') || 'defaults' : '-'],
    ['created', stats.createdAt],
    ['last updated', stats.updatedAt],
    ['staleness', describeStaleness(state, refresh)],
  );
  terminal.out(table.toString());
  if (state.method === 'manifest') {
    const lists: Array<[string, string[]]> = [
      ['added', state.added],
      ['changed', state.changed],
      ['deleted', state.deleted],
      ['renamed', state.renamed.map(({ from, to }) => `${from} → ${to}`)],
    ];
    for (const [what, paths] of lists) {
      if (paths.length === 0) continue;
      const more = paths.length > LISTED_CHANGES ? `, … (${paths.length - LISTED_CHANGES} more)` : '';
      terminal.out(`${what}: ${paths.slice(0, LISTED_CHANGES).join(', ')}${more}`);
    }
  }
  return 0;
}
