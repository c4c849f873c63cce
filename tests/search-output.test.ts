import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesearch, MINI_REPO, MODELS_DIR, ok } from './helpers/cli.js';
import type { RunResult } from './helpers/run.js';

// `codesearch search` output shaped like code, end to end: the built CLI, the real model, a
// real index of a small tree in a temp dir. Expected lines come from the files themselves.

interface JsonHit {
  filePath: string;
  lineNumber: number;
  endLine: number;
  qualifiedName: string;
  kind: string;
  score: number;
  relativeScore: number;
  matchStart: number;
  matchEnd: number;
  lines: { start: number; end: number; text: string };
  stale?: string;
}
interface JsonAnswer {
  query: string;
  root: string;
  results: JsonHit[];
}

/** A function long enough that its query words sit in the middle: the archive's checksum lines. */
const ARCHIVE = `import hashlib
import zipfile


def pack_release(directory, target):
    """Pack a release directory into a zip archive."""
    names = sorted(list_files(directory))
    with zipfile.ZipFile(target, "w") as archive:
        for name in names:
            archive.write(name)
    digest = hashlib.sha256()
    with open(target, "rb") as packed:
        digest.update(packed.read())
    checksum = digest.hexdigest()
    write_checksum_file(target + ".sha256", checksum)
    return checksum


def list_files(directory):
    return []


def write_checksum_file(path, checksum):
    with open(path, "w") as out:
        out.write(checksum)
`;
const QUERY = 'compute the sha256 checksum of the packed archive';
/** Words found only in the middle of pack_release (lines 11 and 14 of lines 5-16). */
const MIDDLE_QUERY = 'hashlib sha256 hexdigest';
const UNIT = { start: 5, end: 16 };

let scratch: string;
let tree: string;
let indexDir: string;
let fileLines: Map<string, string[]>;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-search-output-'));
  tree = path.join(scratch, 'repo');
  await cp(MINI_REPO, tree, { recursive: true });
  await mkdir(path.join(tree, 'lib'));
  await writeFile(path.join(tree, 'lib', 'archive.py'), ARCHIVE);
  indexDir = path.join(scratch, 'index');
  ok(await codesearch(['index', tree, '--index', indexDir, '--cache', path.join(scratch, 'cache')]));
  fileLines = new Map();
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** `codesearch search` on the test index, from `cwd` (the scratch directory unless given). */
function search(args: string[], cwd = scratch): Promise<RunResult> {
  return codesearch(['search', ...args, '--path', tree, '--index', indexDir, '--models-dir', MODELS_DIR], {
    cwd,
  });
}

function answersOf(result: RunResult): JsonAnswer[] {
  return ok(result)
    .stdout.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonAnswer);
}

/** Lines of a tree file, 1-based through `line(n)`. */
async function linesOf(relative: string): Promise<string[]> {
  let lines = fileLines.get(relative);
  if (!lines) {
    lines = (await readFile(path.join(tree, relative), 'utf8')).split('\n');
    fileLines.set(relative, lines);
  }
  return lines;
}

const archiveLine = (text: string) => ARCHIVE.split('\n').indexOf(text) + 1;

describe('human output', () => {
  it('locations are relative to the current directory, wherever --path points, and open the right lines', async () => {
    for (const cwd of [scratch, path.join(tree, 'lib'), os.tmpdir()]) {
      const result = ok(await search([QUERY, '-k', '3'], cwd));
      const headers = result.stdout.split('\n').filter((line) => /^\S+:\d+-\d+ {2}/.test(line));
      expect(headers.length, result.stdout).toBe(3);
      for (const header of headers) {
        const [, shown, , end] = /^(\S+):(\d+)-(\d+) {2}\S+ \(\w+\) {2}[01]\.\d\d$/.exec(header)!;
        // The path as shown, resolved from where the command ran, is the file in the tree.
        const relative = path.relative(tree, path.resolve(cwd, shown!));
        expect(relative.startsWith('..'), `${shown} from ${cwd}`).toBe(false);
        expect(Number(end)).toBeLessThanOrEqual((await linesOf(relative)).length);
      }
      expect(headers[0]).toMatch(/ {2}1\.00$/);
    }
    const inLib = ok(await search([QUERY, '-k', '1'], path.join(tree, 'lib')));
    expect(inLib.stdout.split('\n')[0]).toBe(`archive.py:5-16  pack_release (function)  1.00`);
  });

  it('shows the lines with query words, numbered; -C adds context within the unit', async () => {
    const plain = ok(await search([MIDDLE_QUERY, '-k', '1', '--max-lines', '1']));
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('repo/lib/archive.py:5-16  pack_release (function)  1.00');
    // The one line shown holds query words (`11:`) and is the file's own text.
    expect(lines).toHaveLength(2);
    const [, shownNumber, text] = /^\s+(\d+): (.*)$/.exec(lines[1]!)!;
    const number = Number(shownNumber);
    const source = ARCHIVE.split('\n');
    expect(text).toBe(source[number - 1]);
    expect(text).toMatch(/hashlib|sha256|hexdigest/);
    expect(number).toBeGreaterThan(UNIT.start + 2); // not the unit's first lines

    const context = ok(await search([MIDDLE_QUERY, '-k', '1', '--max-lines', '1', '-C', '2']));
    const numbered = context.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => /^\s+(\d+)([:-]) ?(.*)$/.exec(line)!);
    const expected = [-2, -1, 0, 1, 2].map((d) => number + d).filter((n) => n >= UNIT.start && n <= UNIT.end);
    expect(numbered.map((match) => Number(match[1]))).toEqual(expected);
    for (const match of numbered) expect(match[3]).toBe(source[Number(match[1]) - 1]!.trimEnd());
    // `:` marks the line with query words, `-` the context.
    expect(numbered.find((match) => Number(match[1]) === number)![2]).toBe(':');
  });
});

describe('formats and filters', () => {
  it('--format grep prints one `path:line: text` line per hit, the line from the file and inside the hit', async () => {
    const [answer] = answersOf(await search([QUERY, '-k', '5', '--json']));
    const grep = ok(await search([QUERY, '-k', '5', '--format', 'grep']));
    const lines = grep.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(answer!.results.length);
    for (const [position, line] of lines.entries()) {
      const [, shown, number, text] = /^(.+?):(\d+): (.*)$/.exec(line)!;
      const hit = answer!.results[position]!;
      expect(shown).toBe(path.join('repo', hit.filePath));
      expect(Number(number)).toBeGreaterThanOrEqual(hit.lineNumber);
      expect(Number(number)).toBeLessThanOrEqual(hit.endLine);
      expect(text).toBe((await linesOf(hit.filePath))[Number(number) - 1]!.trim());
    }
    expect(lines[0]).toMatch(/^repo\/lib\/archive\.py:1[1-5]: /);
  });

  it('--files prints each file of the hits once, in the order of its first hit', async () => {
    const [answer] = answersOf(await search(['user', '-k', '8', '--json']));
    const expected = [...new Set(answer!.results.map((hit) => path.join('repo', hit.filePath)))];
    expect(expected.length).toBeLessThan(answer!.results.length); // some file has two hits
    const files = ok(await search(['user', '-k', '8', '--files']));
    expect(files.stdout.trimEnd().split('\n')).toEqual(expected);
  });

  it('--min-score keeps the hits whose relative score reaches it', async () => {
    const [all] = answersOf(await search(['user', '-k', '8', '--json']));
    const scores = all!.results.map((hit) => hit.relativeScore);
    expect(scores[0]).toBe(1);
    const threshold = 0.5;
    const expected = scores.filter((score) => score >= threshold).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(scores.length);
    const [kept] = answersOf(await search(['user', '-k', '8', '--json', '--min-score', String(threshold)]));
    expect(kept!.results.map((hit) => hit.qualifiedName)).toEqual(
      all!.results.slice(0, expected).map((hit) => hit.qualifiedName),
    );
  });

  it('--include and --exclude filter hits by path, as the walk does', async () => {
    const [included] = answersOf(await search(['user', '--include', 'app/**', '--json']));
    expect(included!.results.length).toBeGreaterThan(0);
    for (const hit of included!.results) expect(hit.filePath).toMatch(/^app\//);
    const [goOnly] = answersOf(await search(['user', '--include', '*.go', '--json']));
    expect(goOnly!.results.length).toBeGreaterThan(0);
    for (const hit of goOnly!.results) expect(hit.filePath).toMatch(/\.go$/);
    const [excluded] = answersOf(await search(['user', '--exclude', 'app/', '--exclude', '*.ts', '--json']));
    expect(excluded!.results.length).toBeGreaterThan(0);
    for (const hit of excluded!.results) expect(hit.filePath).not.toMatch(/^app\/|\.ts$/);
  });

  it('--json carries the absolute root, raw and relative scores and the lines shown, as in the file', async () => {
    const [answer] = answersOf(await search([MIDDLE_QUERY, '-k', '4', '--json', '-C', '1']));
    expect(answer!.root).toBe(tree);
    expect(answer!.results[0]!.relativeScore).toBe(1);
    const best = answer!.results[0]!.score;
    for (const hit of answer!.results) {
      expect(hit.relativeScore).toBeCloseTo(hit.score / best, 3);
      expect(hit.lines.start).toBeGreaterThanOrEqual(hit.lineNumber);
      expect(hit.lines.end).toBeLessThanOrEqual(hit.endLine);
      const lines = await linesOf(hit.filePath);
      expect(hit.lines.text).toBe(lines.slice(hit.lines.start - 1, hit.lines.end).join('\n'));
      expect(hit).not.toHaveProperty('stale');
    }
    const first = answer!.results[0]!;
    expect(first.filePath).toBe('lib/archive.py');
    // The lines around `hashlib.sha256()`, not the unit's start.
    expect(first.lines.start).toBeGreaterThan(UNIT.start);
    expect(first.lines.start).toBeLessThanOrEqual(archiveLine('    digest = hashlib.sha256()'));
  });
});

describe('exit codes', () => {
  it('0 with hits, 1 when nothing is found, several queries: 1 only when every one is empty', async () => {
    expect((await search(['pack a release', '-k', '1'])).code).toBe(0);
    const none = await search(['zqxwvutsr', '--mode', 'lexical']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('');
    const filtered = await search(['user', '--include', 'nowhere/**', '--format', 'grep']);
    expect(filtered).toMatchObject({ code: 1, stdout: '' });

    const mixed = path.join(scratch, 'mixed.txt');
    await writeFile(mixed, 'zqxwvutsr\nslugify\n');
    const answers = await search(['--queries-file', mixed, '--mode', 'lexical', '--json']);
    expect(answers.code).toBe(0);
    expect(answersOf(answers).map((answer) => answer.results.length > 0)).toEqual([false, true]);
    const empty = path.join(scratch, 'empty-answers.txt');
    await writeFile(empty, 'zqxwvutsr\nyxwvqqq\n');
    expect((await search(['--queries-file', empty, '--mode', 'lexical', '--json'])).code).toBe(1);
  });

  it('2 on errors: bad flags and values, no index, an unreadable queries file, no query', async () => {
    const failures: Array<[string[], RegExp]> = [
      [['q', '--bogus'], /unknown option '--bogus'/],
      [['q', '-k', '0'], /not a whole number from 1 to 10000/],
      [['q', '--min-score', '1.5'], /not a number from 0 to 1/],
      [['q', '-C', '-1'], /not a whole number from 0 to 1000/],
      [['q', '--format', 'xml'], /argument 'xml' is invalid/],
      [['q', '--files', '--json'], /cannot be used with/],
      [
        ['--queries-file', path.join(scratch, 'missing.txt')],
        /cannot read --queries-file .*missing\.txt: ENOENT/,
      ],
      [[], /no query/],
    ];
    for (const [args, message] of failures) {
      const result = await search(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    const noIndex = await codesearch(['search', 'q', '--path', tree, '--index', path.join(scratch, 'none')]);
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toMatch(/no index at .*none; create it with `codesearch index/);
  });
});
