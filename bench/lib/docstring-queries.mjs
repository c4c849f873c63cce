/**
 * A CodeSearchNet-style retrieval set from parsed code: the first sentence of an entity's
 * docstring is the query, the same entity with its docstring removed is the target, and the
 * other entities of the corpus (docstrings kept) are the distractors. Plus the metrics.
 */
import path from 'node:path';
import { runPythonJson } from './python-json.mjs';

export const MIN_QUERY_WORDS = 4;

/** `${filePath}:${lineNumber}`, the store's location key. */
export const locationKey = (entity) => `${entity.filePath}:${entity.lineNumber}`;

/**
 * The first sentence of a docstring, as a query: the first paragraph, up to the first JSDoc tag
 * line (`@param …`), `{@link X}` → `X`, backticks dropped, whitespace collapsed, cut after the
 * first `.`/`!`/`?` followed by a space. Empty when the docstring starts with a tag.
 */
export function firstSentence(docstring) {
  if (typeof docstring !== 'string') return '';
  const paragraph = docstring.trim().split(/\n\s*\n/)[0] ?? '';
  const lines = [];
  for (const line of paragraph.split('\n')) {
    if (/^\s*@/.test(line)) break;
    lines.push(line);
  }
  const text = lines
    .join(' ')
    .replace(
      /\{@link(?:code|plain)?\s+([^}|\s]+)(?:[\s|]+([^}]*))?\}/g,
      (_, target, label) => label || target,
    )
    .replace(/`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const end = text.search(/[.!?](\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

export const wordCount = (text) => text.split(/\s+/).filter(Boolean).length;

/** Lower-cased, whitespace-collapsed: how a query is compared with other docstrings and texts. */
export const normalise = (text) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** Every k-th of `items` (already in a stable order) so that `count` remain, spread evenly. */
export function spreadSample(items, count) {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, index) => items[Math.floor((index * items.length) / count)]);
}

const PYTHON_DOCSTRING_LINES = String.raw`
import ast, json, sys
request = json.load(sys.stdin)
out = {}
for file, lines in request.items():
    wanted = set(lines)
    found = {}
    try:
        source = open(file, encoding="utf-8").read()
        tree = ast.parse(source)
    except Exception as error:
        out[file] = {"error": str(error)}
        continue
    text_lines = source.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if node.lineno not in wanted or not node.body:
            continue
        first = node.body[0]
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            continue
        before = text_lines[first.lineno - 1][: first.col_offset]
        after = text_lines[first.end_lineno - 1][first.end_col_offset :]
        alone = (first.lineno > node.lineno and before.strip() == ""
                 and (after.strip() == "" or after.strip().startswith("#")))
        found[node.lineno] = [first.lineno, first.end_lineno, alone]
    out[file] = found
json.dump(out, sys.stdout)
`;

/**
 * Python targets: `sourceCode` without the docstring statement (the string literal that is the
 * first statement of the body, found with the interpreter's own `ast`), `docstring` unset.
 * Returns `{ stripped: Map(key → entity), failed: [{ key, reason }] }`.
 */
export async function stripPythonDocstrings(python, root, entities) {
  const byFile = {};
  for (const entity of entities) {
    const file = path.join(root, entity.filePath);
    byFile[file] ??= [];
    byFile[file].push(entity.lineNumber);
  }
  const ranges = await runPythonJson(python, ['-c', PYTHON_DOCSTRING_LINES], JSON.stringify(byFile));
  const stripped = new Map();
  const failed = [];
  for (const entity of entities) {
    const key = locationKey(entity);
    const found = ranges[path.join(root, entity.filePath)]?.[entity.lineNumber];
    const lines = entity.sourceCode.split('\n');
    if (!found) {
      failed.push({ key, reason: 'no docstring statement found by ast' });
      continue;
    }
    const [start, end, alone] = found;
    if (!alone) {
      failed.push({ key, reason: 'docstring shares a line with other code' });
      continue;
    }
    if (lines.length !== entity.endLine - entity.lineNumber + 1) {
      failed.push({ key, reason: 'sourceCode lines do not match the entity line span' });
      continue;
    }
    const from = start - entity.lineNumber;
    let to = end - entity.lineNumber + 1;
    while (to < lines.length && lines[to].trim() === '') to++; // blank lines after it
    const kept = [...lines.slice(0, from), ...lines.slice(to)];
    stripped.set(key, { ...entity, docstring: undefined, sourceCode: kept.join('\n') });
  }
  return { stripped, failed };
}

/**
 * TypeScript/JavaScript targets: the parser takes JSDoc from above the declaration, outside
 * `sourceCode`; when a `/** … *\/` block inside `sourceCode` holds the query, it is cut out.
 */
export function stripJsDocstring(entity, query) {
  let sourceCode = entity.sourceCode;
  const wanted = normalise(query).slice(0, 40);
  sourceCode = sourceCode.replace(/\/\*\*[\s\S]*?\*\//g, (block) =>
    normalise(block.replace(/^\s*\/?\*+\/?/gm, ' ')).includes(wanted) ? '' : block,
  );
  return { ...entity, docstring: undefined, sourceCode };
}

/** 1-based rank of `key` in `keys`, or 0 when absent. */
export const rankOf = (keys, key) => keys.indexOf(key) + 1;

/** MRR@10, Recall@1, Recall@10 (and @50 when the lists are that deep) from 1-based ranks (0 = not found). */
export function retrievalMetrics(ranks) {
  const n = ranks.length || 1;
  const within = (k) => ranks.filter((rank) => rank >= 1 && rank <= k).length / n;
  return {
    queries: ranks.length,
    mrr10: ranks.reduce((sum, rank) => sum + (rank >= 1 && rank <= 10 ? 1 / rank : 0), 0) / n,
    recall1: within(1),
    recall10: within(10),
    recall50: within(50),
  };
}

/**
 * Weighted reciprocal rank fusion of ranked key lists: score = Σ weight / (k + rank). With equal
 * weights the order is the store's `reciprocalRankFusion` (ties: best single rank, then first seen).
 */
export function weightedRrf(lists, { k = 60, weights = lists.map(() => 1) } = {}) {
  const items = new Map();
  lists.forEach((list, listIndex) => {
    list.forEach((id, position) => {
      let item = items.get(id);
      if (!item) {
        item = { id, score: 0, best: Number.POSITIVE_INFINITY, order: items.size, seen: new Set() };
        items.set(id, item);
      }
      if (item.seen.has(listIndex)) return;
      item.seen.add(listIndex);
      item.score += weights[listIndex] / (k + position + 1);
      item.best = Math.min(item.best, position + 1);
    });
  });
  return [...items.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.order - b.order)
    .map((item) => item.id);
}

/** Reciprocal rank at 10 of one query: 1/rank for rank 1..10, else 0. */
export const reciprocalRank10 = (rank) => (rank >= 1 && rank <= 10 ? 1 / rank : 0);

/**
 * Paired difference of per-query scores `a[i] - b[i]` (same queries): the mean and a 95 %
 * percentile bootstrap interval (seeded, so every run reports the same interval for the same ranks).
 */
export function pairedDifference(a, b, { resamples = 2000, seed = 12345 } = {}) {
  const n = a.length;
  const diffs = a.map((value, index) => value - b[index]);
  const mean = diffs.reduce((sum, value) => sum + value, 0) / (n || 1);
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const means = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diffs[Math.floor(random() * n)];
    means.push(sum / (n || 1));
  }
  means.sort((x, y) => x - y);
  return {
    mean,
    low: means[Math.floor(0.025 * resamples)],
    high: means[Math.ceil(0.975 * resamples) - 1],
    better: diffs.filter((value) => value > 0).length,
    worse: diffs.filter((value) => value < 0).length,
  };
}
