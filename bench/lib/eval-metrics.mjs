/**
 * Metrics of the annotated evaluation. A question has targets `{ file, lines?: [start, end] }`.
 * A hit is a unit `{ filePath, lineNumber, endLine }`. A target is hit by the first returned
 * unit whose file matches and whose lines overlap the target span (a file-only target: any unit
 * of that file); each target counts once, and a unit counts for at most one target.
 */

/** Whether `hit` covers `target`. */
export function hits(hit, target) {
  if (hit.filePath !== target.file) return false;
  if (!target.lines) return true;
  const [start, end] = target.lines;
  return hit.lineNumber <= end && start <= hit.endLine;
}

const gain = (rank) => 1 / Math.log2(rank + 1);

/**
 * NDCG@k with binary relevance: DCG over the first k hits, each relevant when it is the first
 * to hit some target; normalised by the ideal DCG for the number of targets that exist in the
 * index (`present`, at most k). `undefined` when no target exists in the index.
 */
export function ndcgAt(hitList, targets, present, k = 10) {
  const ideal = Math.min(present, k);
  if (ideal === 0) return undefined;
  const open = [...targets];
  let dcg = 0;
  hitList.slice(0, k).forEach((hit, index) => {
    const position = open.findIndex((target) => hits(hit, target));
    if (position === -1) return;
    open.splice(position, 1);
    dcg += gain(index + 1);
  });
  let idcg = 0;
  for (let rank = 1; rank <= ideal; rank++) idcg += gain(rank);
  return dcg / idcg;
}

/** File level: 1/rank of the first hit in a target file (0 when none in the first k). */
export function fileMrrAt(hitList, targets, k = 10) {
  const files = new Set(targets.map((target) => target.file));
  const index = hitList.slice(0, k).findIndex((hit) => files.has(hit.filePath));
  return index === -1 ? 0 : 1 / (index + 1);
}

/** File level: the share of target files among the files of the first k hits. */
export function fileRecallAt(hitList, targets, k = 10) {
  const files = new Set(targets.map((target) => target.file));
  const found = new Set(
    hitList
      .slice(0, k)
      .map((hit) => hit.filePath)
      .filter((file) => files.has(file)),
  );
  return found.size / files.size;
}

/** Targets that exist in the index: the file is indexed and (a span) some unit overlaps it. */
export function presentTargets(targets, unitsByFile) {
  return targets.filter((target) => {
    const units = unitsByFile.get(target.file);
    if (!units) return false;
    return !target.lines || units.some((unit) => hits(unit, target));
  });
}

/** The half a question belongs to: a stable hash of its id (dev: tune here; test: report). */
export function splitOf(questionId) {
  let hash = 2166136261;
  for (const char of questionId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash % 2 === 0 ? 'dev' : 'test';
}

/** Mean and standard error of the mean. */
export function meanAndError(values) {
  const n = values.length;
  if (n === 0) return { mean: undefined, stderr: undefined, n };
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const variance = n > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, stderr: Math.sqrt(variance / n), n };
}
