import { type FreshnessReport, MAX_REFRESH_FILES } from '../search-service.js';
import type { McpSession } from './session.js';

/** The most changed files `search` re-indexes before answering (`SearchService.ensureFresh`'s default). */

export const statusDescription =
  'Index health: root, model, units and files indexed, last update, and whether files changed since (and what a search will do about it).';

/** The `status` tool: one short line per fact. Never writes the index. */
export async function statusTool(session: McpSession): Promise<string> {
  const service = session.service;
  const building = session.buildState();
  const [stats, manifest] = await Promise.all([service.index.stats(), service.index.manifest()]);
  const languages = Object.entries(stats.languages)
    .sort((a, b) => b[1] - a[1])
    .map(([language, count]) => `${language} ${count}`)
    .join(', ');
  const lines = [
    `root: ${service.root}`,
    `index: ${stats.directory}`,
    `model: ${stats.model.modelName} (${stats.model.modelVersion}, ${stats.dimensions} dimensions)`,
    `units: ${stats.entities} in ${stats.files} files${languages ? ` (${languages})` : ''}`,
    `last update: ${manifest ? stats.updatedAt : 'never'}`,
  ];
  if (building) lines.push(`freshness: ${building}`);
  else if (!manifest && stats.entities === 0) {
    lines.push(
      session.sync
        ? `freshness: not indexed yet; the first search indexes the tree (or run \`${service.refreshCommand}\`)`
        : `freshness: not indexed yet; run \`${service.refreshCommand}\` (this server runs with --no-sync)`,
    );
  } else lines.push(`freshness: ${describeFreshness(await session.freshness(false), session.sync)}`);
  return lines.join('\n');
}

function describeFreshness(report: FreshnessReport, sync: boolean): string {
  if (report.state === 'fresh') return 'up to date (every file as indexed)';
  const { added, changed, deleted, renamed } = report.pending;
  const count = added + changed + deleted + renamed;
  if (count === 0) {
    return sync
      ? `${report.reason}; the next search indexes the whole tree first`
      : `${report.reason}; run \`${report.refreshCommand}\``;
  }
  const parts = Object.entries(report.pending)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');
  const differ = `${count} file${count === 1 ? ' differs' : 's differ'} from the index (${parts})`;
  if (!sync) return `${differ}; this server runs with --no-sync: run \`${report.refreshCommand}\``;
  if (count <= MAX_REFRESH_FILES) return `${differ}; the next search re-indexes them first`;
  return `${differ}: more than ${MAX_REFRESH_FILES}, so searches answer from the index and flag hits in changed files; run \`${report.refreshCommand}\` (or keep \`codesearch watch\` running)`;
}
