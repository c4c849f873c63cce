/**
 * `codesearch mcp` as an agent meets it: the real server (the built CLI as a child process)
 * driven by the MCP SDK's own client over stdio.
 *
 * (a) `search` round trip at ~10k units, model loaded (the first call is left out): the
 *     twelve evaluation corpora copied side by side into one tree (~11k units), indexed once by
 *     `codesearch index` into a cache directory kept between runs; 20 questions of the annotated
 *     evaluation, each asked `runs` times, p50/p95 — with the freshness check before each answer
 *     (the default) and with `--no-sync`. Target: p50 ≤ 150 ms.
 * (b) Tokens per answer at k = 10 with the default budget (max_tokens 2000), against returning
 *     the whole files of the same 10 hits (the sum of the tokens of their distinct files).
 *     Counted with the server's own estimate and, when the `gpt-tokenizer` package can be
 *     loaded (set GPT_TOKENIZER_DIR to its directory if it is not installed here), with
 *     OpenAI's o200k_base tokenizer; the estimate's ratio to the real count is reported too.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { combinedCache, combinedTree } from '../lib/combined-tree.mjs';
import { benchCacheDir, loadEvaluation } from '../lib/eval-corpus.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';

export const description =
  'MCP server: search round trip at ~10k units through the SDK client over stdio (p50/p95), and tokens per answer against whole files';

const QUESTIONS = 20;
const TARGET_P50_MS = 150;

/** The MCP SDK's client, from the CLI's own dependency (the bench lists no SDK of its own). */
async function loadSdk(repoRoot) {
  const require = createRequire(path.join(repoRoot, 'apps', 'cli', 'package.json'));
  const load = async (subpath) =>
    import(pathToFileURL(require.resolve(`@modelcontextprotocol/sdk/${subpath}`)).href);
  return {
    Client: (await load('client/index.js')).Client,
    StdioClientTransport: (await load('client/stdio.js')).StdioClientTransport,
  };
}

/** o200k_base from `gpt-tokenizer`, or undefined when the package cannot be loaded. */
async function loadRealTokenizer() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench-only override, never read by turbo tasks
  const directory = process.env.GPT_TOKENIZER_DIR;
  const specifier = directory
    ? pathToFileURL(path.join(directory, 'esm', 'encoding', 'o200k_base.js')).href
    : 'gpt-tokenizer/encoding/o200k_base';
  try {
    const { encode } = await import(specifier);
    return (text) => encode(text).length;
  } catch {
    return undefined;
  }
}

async function startServer(sdk, cli, root, indexDir, extra) {
  const transport = new sdk.StdioClientTransport({
    command: process.execPath,
    args: [cli, 'mcp', '--path', root, '--index', indexDir, ...extra],
    env: Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined)),
    stderr: 'pipe',
  });
  const client = new sdk.Client({ name: 'codesearch-bench', version: '0.0.0' });
  await client.connect(transport);
  const search = async (args) => {
    const result = await client.callTool({ name: 'search', arguments: args }, undefined, {
      timeout: 600_000,
    });
    const text = result.content.map((part) => part.text ?? '').join('\n');
    if (result.isError) throw new Error(`search ${JSON.stringify(args)}: ${text}`);
    return text;
  };
  return { search, close: () => client.close() };
}

/** p-th percentile (nearest rank) of a list of numbers. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A hit's header line: `path:start-end name (kind) relative [raw]…`. */
const HIT_HEADER = /^(\S+):\d+-\d+ \S.* \(\w+\) [\d.]+ \[/gm;

/** The distinct files of an answer's hits. */
function hitFiles(text) {
  return [...new Set([...text.matchAll(HIT_HEADER)].map((match) => match[1]))];
}

export async function run({ repoRoot, runs, log }) {
  const cli = path.join(repoRoot, 'apps', 'cli', 'bin', 'codesearch.js');
  // The server's own count, from the built CLI.
  const { estimateTokens } = await import(
    pathToFileURL(path.join(repoRoot, 'apps', 'cli', 'dist', 'index.js')).href
  );
  const evaluation = await loadEvaluation();
  const root = await combinedTree(log);
  const indexDir = path.join(benchCacheDir(), 'mcp-index');
  const cache = await combinedCache();

  log(`indexing ${root} (reused between runs: a rerun embeds and writes nothing) …`);
  const indexStarted = performance.now();
  const indexReport = JSON.parse(
    execFileSync(process.execPath, [cli, 'index', root, '--index', indexDir, '--cache', cache, '--json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const units = indexReport.index.entities;
  log(`${units} units (${indexReport.summary.newlyEmbedded} embedded now) in ${indexSeconds.toFixed(0)} s`);

  // Two questions from each corpus in turn until there are 20.
  const pools = evaluation.map(({ questions }) => questions.map((question) => question.query));
  const queries = [];
  for (let round = 0; queries.length < QUESTIONS; round++) {
    for (const pool of pools) if (pool[round] && queries.length < QUESTIONS) queries.push(pool[round]);
  }

  const sdk = await loadSdk(repoRoot);
  const latency = {};
  for (const [variant, extra] of [
    ['default (freshness check first)', []],
    ['--no-sync', ['--no-sync']],
  ]) {
    const server = await startServer(sdk, cli, root, indexDir, extra);
    try {
      const first = performance.now();
      await server.search({ query: 'warm up: the first call loads what is left to load' });
      const firstMs = performance.now() - first;
      const times = [];
      for (let round = 0; round < runs; round++) {
        for (const query of queries) {
          const started = performance.now();
          await server.search({ query });
          times.push(performance.now() - started);
        }
      }
      latency[variant] = {
        calls: times.length,
        firstCallMs: firstMs,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        maxMs: Math.max(...times),
      };
      log(
        `${variant}: p50 ${latency[variant].p50Ms.toFixed(0)} ms, p95 ${latency[variant].p95Ms.toFixed(0)} ms`,
      );
    } finally {
      await server.close();
    }
  }

  // (b) tokens per answer against whole files.
  const realCount = await loadRealTokenizer();
  const server = await startServer(sdk, cli, root, indexDir, ['--no-sync']);
  const perQuery = [];
  try {
    for (const query of queries) {
      const answer = await server.search({ query, k: 10 });
      // Every hit's header, to know the files of all 10 hits even when the default answer cut some.
      const all = await server.search({ query, k: 10, max_tokens: 50_000 });
      const files = hitFiles(all);
      const fileTexts = await Promise.all(files.map((file) => readFile(path.join(root, file), 'utf8')));
      const count = (text) => ({ estimate: estimateTokens(text), real: realCount?.(text) });
      const answerTokens = count(answer);
      const fileTokens = fileTexts.map(count);
      perQuery.push({
        query,
        hitsShown: [...answer.matchAll(HIT_HEADER)].length,
        files: files.length,
        answer: answerTokens,
        wholeFiles: {
          estimate: fileTokens.reduce((sum, tokens) => sum + tokens.estimate, 0),
          real: realCount ? fileTokens.reduce((sum, tokens) => sum + tokens.real, 0) : undefined,
        },
      });
    }
  } finally {
    await server.close();
  }
  const median = (values) => summarise(values).median;
  const tokens = {
    answerEstimate: median(perQuery.map((entry) => entry.answer.estimate)),
    wholeFilesEstimate: median(perQuery.map((entry) => entry.wholeFiles.estimate)),
    ratioEstimate: median(perQuery.map((entry) => entry.wholeFiles.estimate / entry.answer.estimate)),
    hitsShown: median(perQuery.map((entry) => entry.hitsShown)),
    distinctFiles: median(perQuery.map((entry) => entry.files)),
    ...(realCount
      ? {
          answerO200k: median(perQuery.map((entry) => entry.answer.real)),
          wholeFilesO200k: median(perQuery.map((entry) => entry.wholeFiles.real)),
          ratioO200k: median(perQuery.map((entry) => entry.wholeFiles.real / entry.answer.real)),
          estimateOverO200k: summarise(perQuery.map((entry) => entry.answer.estimate / entry.answer.real)),
        }
      : {}),
  };

  const rows = [['what', 'codesearch mcp', 'reference', 'ratio']];
  for (const [variant, figures] of Object.entries(latency)) {
    rows.push([
      `search round trip, ${units} units, ${variant}`,
      `p50 ${figures.p50Ms.toFixed(0)} ms, p95 ${figures.p95Ms.toFixed(0)} ms`,
      `target p50 ≤ ${TARGET_P50_MS} ms`,
      figures.p50Ms <= TARGET_P50_MS ? 'met' : 'missed',
    ]);
  }
  rows.push([
    'tokens per answer, k = 10, max_tokens 2000 (estimate)',
    `${tokens.answerEstimate}`,
    `whole files of the hits: ${tokens.wholeFilesEstimate}`,
    `${tokens.ratioEstimate.toFixed(1)}× fewer`,
  ]);
  if (realCount) {
    rows.push([
      'the same, o200k_base tokens',
      `${tokens.answerO200k}`,
      `whole files: ${tokens.wholeFilesO200k}`,
      `${tokens.ratioO200k.toFixed(1)}× fewer`,
    ]);
    const spread = tokens.estimateOverO200k;
    rows.push([
      'estimate / o200k count, per answer',
      `median ${spread.median.toFixed(2)}`,
      `min ${spread.min.toFixed(2)}, max ${spread.max.toFixed(2)}`,
      spread.min >= 1 ? 'never under' : 'under for some',
    ]);
  }
  return {
    result: {
      units,
      indexSeconds,
      newlyEmbedded: indexReport.summary.newlyEmbedded,
      queries: queries.length,
      runs,
      latency,
      targetP50Ms: TARGET_P50_MS,
      tokens,
      perQuery,
    },
    table: formatTable(rows),
  };
}
