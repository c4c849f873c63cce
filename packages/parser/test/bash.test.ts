import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('bash');
});

describe('bash fixture', () => {
  it('parses every file without errors or warnings, a script without extension by its shebang', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['bin/clean', 'bash', []],
      ['bin/deploy.sh', 'bash', []],
      ['lib/log.sh', 'bash', []],
    ]);
  });

  it('extracts both function syntaxes; a function defined inside another keeps its own name', () => {
    expect(outline(result.entities, 'lib/log.sh')).toEqual([
      'function log::err 13-15',
      'function log::info 18-22',
      'function die 26-29',
    ]);
    expect(outline(result.entities, 'bin/deploy.sh')).toEqual([
      'function write_config 9-18',
      'function deploy 21-28',
      'function remote_cleanup 23-25',
      'function usage 30-30',
    ]);
    // A heredoc's `fake_function() {` is text, not a definition.
    expect(outline(result.entities, 'bin/clean')).toEqual([]);
    expect(entity(result.entities, 'remote_cleanup').parent).toBeUndefined();
  });

  it('reads the comment block directly above as the docstring (shebang, directives and rules left out)', () => {
    const { entities } = result;
    expect(entity(entities, 'log::err').docstring).toBe(
      'Prints a message to stderr.\n\nArguments:\n  Message to print.',
    );
    expect(entity(entities, 'log::info').docstring).toBe('Prints a message when the level allows it.');
    expect(entity(entities, 'die').docstring).toBeUndefined(); // a blank line in between
    expect(entity(entities, 'write_config').docstring).toBe('Writes the nginx configuration for a host.');
    expect(entity(entities, 'deploy').docstring).toBe('Uploads and switches the release.');
    expect(entity(entities, 'remote_cleanup').docstring).toBe(
      'Runs on the remote side; defined here, global once called.',
    );
    expect(entity(entities, 'usage').docstring).toBeUndefined();
  });

  it('builds signatures up to the body', () => {
    const { entities } = result;
    expect(entity(entities, 'log::err').signature).toBe('log::err()');
    expect(entity(entities, 'log::info').signature).toBe('function log::info');
    expect(entity(entities, 'die').signature).toBe('function die()');
    expect(entity(entities, 'usage').signature).toBe('usage()');
    expect(entity(entities, 'write_config').sourceCode.split('\n')).toHaveLength(10);
  });

  it('puts the rest of each script in code chunks, leaving no line uncovered', () => {
    const { entities } = result;
    // Named after the first variable set or command run (a comment alone has no name).
    expect(codeChunks(entities, 'lib/log.sh')).toEqual(['LOG_LEVEL 1-5', '<top-level> 24-24']);
    expect(codeChunks(entities, 'bin/deploy.sh')).toEqual(['set 1-6', 'usage 32-41']);
    expect(codeChunks(entities, 'bin/clean')).toEqual(['rm 1-4']);
    const main = entities.find((e) => e.filePath === 'bin/deploy.sh' && e.lineNumber === 32)!;
    expect(main.signature).toBe('if [[ $# -lt 1 ]]; then');
    for (const file of result.files) {
      const source = readFileSync(path.join(fixtureRoot('bash'), file.filePath), 'utf8');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('bash bad input', () => {
  it('finds the functions before and after a syntax error, and names its line', () => {
    const source = [
      'before() {',
      '  echo ok',
      '}',
      '',
      'broken() {',
      '  if [[ -z "$1" ]; then',
      '    echo x',
      '  fi',
      '}',
      '',
      'after() {',
      '  echo fine',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'bash', 'broken.sh');
    const names = parsed.entities.filter((e) => e.kind === 'function').map((e) => e.name);
    expect(names).toContain('before');
    expect(names).toContain('after');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near line [5-9]\b/);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('keeps heredoc bodies out of definitions: function-like text in a heredoc is not a function', () => {
    const source = [
      'cat <<-EOF > out.sh',
      '\tnot_a_function() {',
      '\t  echo no',
      '\t}',
      '\tEOF',
      "cat <<'RAW'",
      'function also_not { :; }',
      'RAW',
      'real() { :; }',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'bash', 'heredoc.sh');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code cat 1-8',
      'function real 9-9',
    ]);
  });

  it('names a chunk of `source` and `.` commands imports', () => {
    const parsed = parseSource('source ./lib/log.sh\n. ./lib/util.sh\n\nmain() { :; }\n', 'bash', 'run.sh');
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code imports 1-2',
      'function main 4-4',
    ]);
  });

  it('parses a generated file of 3,000 functions; above 1 MiB the walk skips it', async () => {
    const body = Array.from(
      { length: 3000 },
      (_, i) => `# Function ${i}.\nfn_${i}() {\n  echo ${i}\n}\n`,
    ).join('\n');
    const parsed = parseSource(body, 'bash', 'generated.sh');
    const functions = parsed.entities.filter((e) => e.kind === 'function');
    expect(functions).toHaveLength(3000);
    expect(functions[2999]).toMatchObject({
      name: 'fn_2999',
      lineNumber: 5 * 2999 + 2,
      docstring: 'Function 2999.',
    });
    expect(parsed.entities.filter((e) => e.kind === 'code')).toEqual([]);

    const huge = `${body}\n${'echo padding\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 13) + 1)}`;
    expect(await parseBesideOversized(['small.sh', body], ['huge.sh', huge])).toEqual({
      parsed: [['small.sh', 3000]],
      skipped: [['huge.sh', 'too large']],
    });
  });
});

// dracut 059 (Debian's dracut-core 059-4): the initramfs generator's shell library and modules.
describe('bash real code: dracut', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('bash-dracut');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 180_000);

  it('parses every script without errors; five files have constructs the grammar misreads', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    // 215 `.sh` files and `dracut-initramfs-restore` (by its shebang); binaries are not read.
    expect(parsed.files).toHaveLength(216);
    expect(parsed.files.every((file) => file.language === 'bash')).toBe(true);
    // `$((0x${x%:*}))` (hex prefix before an expansion) and `exec 0<> /dev/console`, checked by hand.
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([
      'dracut-functions.sh',
      'modules.d/91crypt-gpg/crypt-gpg-lib.sh',
      'modules.d/95dasd_rules/parse-dasd.sh',
      'modules.d/99base/dracut-lib.sh',
      'modules.d/99base/init.sh',
    ]);
  });

  it('finds the functions and chunks the rest (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({ function: 642, code: 304 });
  });

  it('reads exact functions as written', () => {
    const find = (name: string) =>
      parsed.entities.filter((e) => e.filePath === 'dracut-functions.sh' && e.name === name)[0];
    expect(find('is_func')).toMatchObject({
      kind: 'function',
      lineNumber: 24,
      endLine: 26,
      signature: 'is_func()',
      docstring: 'is_func <command>\nCheck whether $1 is a function.',
    });
    // `# shellcheck disable=SC2053` between the comment and the function is left out.
    expect(find('strglob')).toMatchObject({
      lineNumber: 34,
      endLine: 34,
      docstring: 'Generic glob matching function. If glob pattern $2 matches all of $1, OK',
    });
    expect(find('vercmp')).toMatchObject({ lineNumber: 98, endLine: 127, signature: 'vercmp()' });
    expect(find('vercmp')!.docstring!.split('\n')).toEqual([
      'Version comparision function.  Assumes Linux style version scheme.',
      '$1 = version a',
      '$2 = comparision op (gt, ge, eq, le, lt, ne)',
      '$3 = version b',
    ]);
    expect(find('trim')!.docstring).toBeUndefined();
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
