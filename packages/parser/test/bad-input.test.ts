import { spawnSync } from 'node:child_process';
import { chmod, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ParseError } from '@codesearch/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseFile } from '../src/index.js';
import { parseDirectoryInChild } from './dist.js';
import { makeTree, tempDir, writeTree } from './tree.js';

const PY = 'def f():\n    return 1\n';
const FIVE_MIB = 5 * 1024 * 1024;

/** Good files around every kind of bad one. */
async function badTree(): Promise<string> {
  const root = await tempDir();
  await writeTree(root, {
    'good/app.py': 'def main():\n    """Entry point."""\n    return 0\n',
    'good/util.ts': 'export function helper(): number {\n  return 1;\n}\n',
    // Valid UTF-8 up to line 4, where `\xc3(` is not a valid sequence.
    'bad_utf8.py': Buffer.concat([
      Buffer.from('def ok():\n    return 1\n\n'),
      Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x22, 0xc3, 0x28, 0x22, 0x0a]),
    ]),
    'binary.py': Buffer.concat([Buffer.from('def f():\n'), Buffer.from([0, 1, 2, 0, 0xff, 0x00])]),
    'bundle.js': `var a=1;${'a=a+1;'.repeat(Math.ceil((FIVE_MIB - 8) / 6))}`.slice(0, FIVE_MIB),
    'broken.py': [
      'def before():',
      '    return 1',
      '',
      '',
      'def broken(x):',
      '    return x +* 2',
      '',
      '',
      'def after():',
      '    """Still found."""',
      '    return 2',
      '',
    ].join('\n'),
    'empty.py': '',
    'données/función.py': 'def función():\n    """¿Qué tal? 👋"""\n    return "ñ"\n',
    'legacy_latin1.py': Buffer.concat([
      Buffer.from('# -*- coding: latin-1 -*-\ndef caf'),
      Buffer.from([0xe9]), // é in ISO-8859-1
      Buffer.from('():\n    """Cr'),
      Buffer.from([0xe8, 0x6d, 0x65]), // crème
      Buffer.from(' br\xfbl\xe9e."""\n', 'latin1'),
    ]),
    'bom.ts': Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('/** Has a BOM. */\nexport function bom() {}\n'),
    ]),
  });
  await symlink('does-not-exist.py', path.join(root, 'gone.py'));
  const fifo = spawnSync('mkfifo', [path.join(root, 'x.py')]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
  return root;
}

describe('parseDirectory on a tree with bad input', () => {
  let root: string;
  let result: DirectoryParseResult;
  beforeAll(async () => {
    root = await badTree();
    result = await parseDirectory(root);
  }, 60_000);

  it('parses every good file, and the odd-but-valid ones', () => {
    expect(result.files.map((file) => [file.filePath, file.entities])).toEqual([
      ['bom.ts', 1],
      ['broken.py', 3],
      ['données/función.py', 1],
      ['empty.py', 0],
      ['good/app.py', 1],
      ['good/util.ts', 1],
      ['legacy_latin1.py', 1],
    ]);
  });

  it('reports unreadable and undecodable files as errors naming the cause', () => {
    expect(result.errors.map((error) => [error.filePath, error.code, error.reason])).toEqual([
      ['bad_utf8.py', 'INVALID_ENCODING', 'invalid UTF-8 at line 4 (byte 30)'],
      ['gone.py', 'UNREADABLE', 'broken symbolic link (target does not exist)'],
    ]);
    for (const error of result.errors) {
      expect(ParseError.isInstance(error)).toBe(true);
      expect(error.message).toContain(error.filePath);
    }
  });

  it('reports binary, oversized and special files as skipped with the reason', () => {
    expect(result.skipped).toEqual([
      { relativePath: 'binary.py', reason: 'binary file (contains NUL bytes)', error: false },
      { relativePath: 'bundle.js', reason: 'too large (5.0 MiB, limit 1.0 MiB)', error: false },
      { relativePath: 'x.py', reason: 'not a regular file', error: false },
    ]);
  });

  it('lists every file handed to the parser (parsed, refused or failed), and only those', () => {
    // Not: bundle.js (too large for the walk), x.py (a FIFO), gone.py (a dangling link).
    expect(result.sourceFiles).toEqual([
      'bad_utf8.py',
      'binary.py',
      'bom.ts',
      'broken.py',
      'données/función.py',
      'empty.py',
      'good/app.py',
      'good/util.ts',
      'legacy_latin1.py',
    ]);
  });

  it('extracts the definitions around a syntax error and names its line', () => {
    const broken = result.files.find((file) => file.filePath === 'broken.py')!;
    expect(broken.warnings).toEqual(['syntax errors near line 6; 3 definitions extracted from the rest']);
    const names = result.entities
      .filter((e) => e.filePath === 'broken.py')
      .map((e) => `${e.name}:${e.lineNumber}`);
    expect(names).toEqual(['before:1', 'broken:5', 'after:9']);
    expect(result.entities.find((e) => e.name === 'after')?.docstring).toBe('Still found.');
  });

  it('decodes a latin-1 Python file by its coding declaration', () => {
    const cafe = result.entities.find((e) => e.filePath === 'legacy_latin1.py')!;
    expect(cafe.name).toBe('café');
    expect(cafe.lineNumber).toBe(2);
    expect(cafe.docstring).toBe('Crème brûlée.');
  });

  it('drops a UTF-8 BOM and keeps unicode paths and text intact', () => {
    const bom = result.entities.find((e) => e.filePath === 'bom.ts')!;
    expect([bom.name, bom.lineNumber, bom.docstring]).toEqual(['bom', 2, 'Has a BOM.']);
    expect(bom.sourceCode).toBe('export function bom() {}');
    const funcion = result.entities.find((e) => e.filePath === 'données/función.py')!;
    expect([funcion.name, funcion.lineNumber, funcion.endLine, funcion.docstring]).toEqual([
      'función',
      1,
      3,
      '¿Qué tal? 👋',
    ]);
  });

  it('skips a huge single-line file as minified once the size limit allows it', async () => {
    const raised = await parseDirectory(root, { maxFileSize: 8 * 1024 * 1024, include: ['bundle.js'] });
    expect(raised.files).toEqual([]);
    expect(raised.errors).toEqual([]);
    expect(raised.skipped).toEqual([
      {
        relativePath: 'bundle.js',
        reason: 'minified or generated (longest line 5,242,880 characters)',
        error: false,
      },
    ]);
  });

  it('gives the same result on worker threads from the built dist', async () => {
    // Enough files for the thread pool to start.
    const extra = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`many/m${i}.py`, PY]));
    await writeTree(root, extra);
    const inProcess = await parseDirectory(root);
    const threaded = parseDirectoryInChild(root, { concurrency: 4 }, await tempDir());
    expect(threaded.usedThreads).toBe(true);
    expect(threaded.files).toEqual(
      inProcess.files.map(({ filePath, entities, warnings }) => ({ filePath, entities, warnings })),
    );
    expect(threaded.entities).toEqual(
      inProcess.entities.map(({ filePath, qualifiedName, lineNumber, endLine }) => ({
        filePath,
        qualifiedName,
        lineNumber,
        endLine,
      })),
    );
    expect(threaded.skipped).toEqual(inProcess.skipped);
    expect(threaded.errors.map(({ filePath, code, reason }) => [filePath, code, reason])).toEqual(
      inProcess.errors.map(({ filePath, code, reason }) => [filePath, code, reason]),
    );
  }, 60_000);
});

describe('unreadable files and directories', () => {
  it('are reported with "permission denied" while the rest is parsed', async () => {
    const root = await makeTree({ 'ok.py': PY, 'locked.py': PY, 'private/inner.py': PY });
    await chmod(root, 0o755);
    await chmod(path.join(root, 'locked.py'), 0o000);
    await chmod(path.join(root, 'private'), 0o000);
    try {
      // Root reads chmod 000 files anyway: walk as `nobody` instead.
      const result =
        process.getuid?.() === 0
          ? parseDirectoryInChild(root, {}, await scriptDirForNobody(), { uid: 65534, gid: 65534 })
          : await parseDirectory(root);
      expect(result.files.map((file) => file.filePath)).toEqual(['ok.py']);
      expect(result.errors.map((error) => [error.filePath, error.code, error.reason])).toEqual([
        ['locked.py', 'UNREADABLE', 'permission denied'],
        ['private', 'UNREADABLE', 'cannot read directory: permission denied'],
      ]);
      expect(result.skipped).toEqual([]);
    } finally {
      await chmod(path.join(root, 'private'), 0o755);
    }
  });
});

/** A temp dir the `nobody` user can read, for the child's script. */
async function scriptDirForNobody(): Promise<string> {
  const dir = await tempDir();
  await chmod(dir, 0o755);
  return dir;
}

describe('single files and missing roots', () => {
  it('throws ROOT_NOT_FOUND for a missing root, naming it', async () => {
    const missing = path.join(await tempDir(), 'nope');
    const error = await parseDirectory(missing).catch((caught: unknown) => caught);
    expect(ParseError.isInstance(error)).toBe(true);
    expect((error as ParseError).code).toBe('ROOT_NOT_FOUND');
    expect((error as ParseError).message).toContain('nope');
  });

  it('parses a root that is a single file', async () => {
    const root = await makeTree({ 'one.py': PY });
    const result = await parseDirectory(path.join(root, 'one.py'));
    expect(result.entities.map((e) => `${e.filePath}:${e.qualifiedName}`)).toEqual(['one.py:f']);
  });

  it('parseFile refuses a FIFO at once instead of blocking on it', async () => {
    const root = await tempDir();
    spawnSync('mkfifo', [path.join(root, 'pipe.py')]);
    await expect(parseFile(path.join(root, 'pipe.py'))).rejects.toMatchObject({ code: 'NOT_A_FILE' });
  });

  it('parseFile records the size, times and sha256 of the bytes it parsed', async () => {
    const root = await makeTree({ 'f.py': 'def f():\n    pass\n' });
    const parsed = await parseFile(path.join(root, 'f.py'), { root });
    const info = await stat(path.join(root, 'f.py'));
    expect(parsed.fingerprint).toEqual({
      size: 18,
      mtimeMs: info.mtimeMs,
      ctimeMs: info.ctimeMs,
      // `printf 'def f():\n    pass\n' | sha256sum`
      sha256: '16797664978a811647328d92f3a3ca9a3b3a4712db9abc1bd63416b30aca4fe0',
    });
  });

  it('parseFile reports an empty file as zero entities, not an error', async () => {
    const root = await makeTree({ 'empty.go': '' });
    const parsed = await parseFile(path.join(root, 'empty.go'), { root });
    expect(parsed).toMatchObject({ filePath: 'empty.go', entities: [], lines: 0, bytes: 0, warnings: [] });
  });
});

describe('source encodings', () => {
  it('honours BOMs and Python coding declarations, and names a bad declaration', async () => {
    const root = await makeTree({
      'utf16.py': Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('def wide():\n    """Wide 🎉."""\n', 'utf16le'),
      ]),
      'cp1252.py': Buffer.concat([
        Buffer.from('# coding=cp1252\ndef quoted():\n    """'),
        Buffer.from([0x93, 0x68, 0x69, 0x94]), // “hi” in windows-1252
        Buffer.from('"""\n'),
      ]),
      // True ISO-8859-1: 0x80 is U+0080, not the euro sign windows-1252 would make of it.
      'iso.py': Buffer.concat([
        Buffer.from('# vim: set fileencoding=iso-8859-1 :\ndef raw():\n    """'),
        Buffer.from([0x80]),
        Buffer.from('"""\n'),
      ]),
      'klingon.py': '# -*- coding: klingon -*-\ndef f():\n    pass\n',
      'ascii.py': Buffer.concat([
        Buffer.from('# coding: ascii\ndef f():\n    """'),
        Buffer.from([0xe9]),
        Buffer.from('"""\n'),
      ]),
      // A coding declaration on line 3 does not count: the file is UTF-8.
      'late.py': '#!/usr/bin/env python\n\n# coding: latin-1\ndef late():\n    """Süß."""\n',
    });
    const result = await parseDirectory(root);
    const docs = Object.fromEntries(result.entities.map((e) => [e.name, e.docstring]));
    expect(docs).toEqual({ quoted: '“hi”', raw: '\u0080', wide: 'Wide 🎉.', late: 'Süß.' });
    expect(result.errors.map((error) => [error.filePath, error.code, error.reason])).toEqual([
      ['ascii.py', 'INVALID_ENCODING', 'not valid ascii text'],
      ['klingon.py', 'INVALID_ENCODING', "unknown source encoding 'klingon' in the coding declaration"],
    ]);
  });
});
