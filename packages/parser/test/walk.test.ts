import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DirectoryParseEvent, parseDirectory, parseDirectoryStream } from '../src/index.js';
import { makeTree, skippedAt, tempDir, walk, writeTree } from './tree.js';

const PY = 'def f():\n    return 1\n';

describe('walkSourceFiles: .gitignore', () => {
  it('honours the root .gitignore, with negation', async () => {
    const root = await makeTree({
      '.gitignore': '*.log\nsecret/\nignored_*.py\n!ignored_but_kept.py\n/top_only.py\n',
      'app.py': PY,
      'debug.log': 'x',
      'secret/key.py': PY,
      'ignored_one.py': PY,
      'ignored_but_kept.py': PY,
      'top_only.py': PY,
      'sub/top_only.py': PY,
    });
    expect((await walk(root)).files).toEqual(['app.py', 'ignored_but_kept.py', 'sub/top_only.py']);
  });

  it('honours nested .gitignore files relative to their directory, deeper files deciding', async () => {
    const root = await makeTree({
      '.gitignore': '*.gen.py\n',
      'a.gen.py': PY,
      'pkg/.gitignore': '/local.py\n!special.gen.py\n',
      'pkg/local.py': PY,
      'pkg/special.gen.py': PY,
      'pkg/other.gen.py': PY,
      'pkg/sub/local.py': PY,
      'local.py': PY,
    });
    expect((await walk(root)).files).toEqual(['local.py', 'pkg/special.gen.py', 'pkg/sub/local.py']);
  });

  it('honours .git/info/exclude, and ignores nothing with gitignore: false', async () => {
    const root = await makeTree({
      '.git/info/exclude': 'private.py\n',
      '.gitignore': 'gen/\n',
      'private.py': PY,
      'gen/out.py': PY,
      'main.py': PY,
    });
    expect((await walk(root)).files).toEqual(['main.py']);
    // .git itself stays excluded by the defaults.
    expect((await walk(root, { gitignore: false })).files).toEqual(['gen/out.py', 'main.py', 'private.py']);
  });
});

describe('walkSourceFiles: default excludes', () => {
  const files = {
    'node_modules/lib/index.js': 'function f() {}\n',
    '.git/hooks/pre-commit.py': PY,
    'dist/bundle.js': 'function f() {}\n',
    'build/gen.py': PY,
    'target/debug/build.rs': 'fn main() {}\n',
    'src/deep/node_modules/x.js': 'function f() {}\n',
    'src/app.js': 'function f() {}\n',
    'src/app.min.js': 'function f() {}\n',
    'src/types.d.ts': 'declare function f(): void;\n',
    'package-lock.json': '{}',
    'yarn.lock': '',
    'Cargo.lock': '',
  };

  it('skips dependency, build and VCS directories, lockfiles and minified bundles', async () => {
    const root = await makeTree(files);
    const walked = await walk(root);
    expect(walked.files).toEqual(['src/app.js']);
    expect(walked.skipped).toEqual([]);
  });

  it('includes them with defaultExcludes: false', async () => {
    const root = await makeTree(files);
    expect((await walk(root, { defaultExcludes: false })).files).toEqual([
      '.git/hooks/pre-commit.py',
      'build/gen.py',
      'dist/bundle.js',
      'node_modules/lib/index.js',
      'src/app.js',
      'src/app.min.js',
      'src/deep/node_modules/x.js',
      'src/types.d.ts',
      'target/debug/build.rs',
    ]);
  });

  it('does not let a .gitignore negation bring back a default exclude', async () => {
    const root = await makeTree({
      '.gitignore': '!node_modules/\n',
      'node_modules/x.js': 'f()\n',
      'a.js': 'f()\n',
    });
    expect((await walk(root)).files).toEqual(['a.js']);
  });
});

describe('walkSourceFiles: options', () => {
  const files = {
    'src/app.py': PY,
    'src/app.test.ts': 'it();\n',
    'src/util.ts': 'export {};\n',
    'src/scripts/tool.py': PY,
    'scripts/release.py': PY,
    'tests/test_app.py': PY,
    'main.go': 'package main\n',
    'README.md': '# readme\n',
  };

  it('keeps only files matching an include glob (path or basename)', async () => {
    const root = await makeTree(files);
    expect((await walk(root, { include: ['src/**'] })).files).toEqual([
      'src/app.py',
      'src/app.test.ts',
      'src/scripts/tool.py',
      'src/util.ts',
    ]);
    expect((await walk(root, { include: ['*.py'] })).files).toEqual([
      'scripts/release.py',
      'src/app.py',
      'src/scripts/tool.py',
      'tests/test_app.py',
    ]);
    expect((await walk(root, { include: ['*.go', 'tests/'] })).files).toEqual([
      'main.go',
      'tests/test_app.py',
    ]);
    expect((await walk(root, { include: ['src/*.py', '/scripts/**'] })).files).toEqual([
      'scripts/release.py',
      'src/app.py',
    ]);
  });

  it('leaves out exclude patterns, with gitignore syntax (anchored, directories, globs)', async () => {
    const root = await makeTree(files);
    expect((await walk(root, { exclude: ['tests/', '*.test.ts', '/scripts'] })).files).toEqual([
      'main.go',
      'src/app.py',
      'src/scripts/tool.py',
      'src/util.ts',
    ]);
  });

  it('selects languages', async () => {
    const root = await makeTree(files);
    expect((await walk(root, { languages: ['go', 'typescript'] })).files).toEqual([
      'main.go',
      'src/app.test.ts',
      'src/util.ts',
    ]);
  });

  it('skips files over maxFileSize, saying how large they are', async () => {
    const root = await makeTree({ 'big.py': `x = "${'a'.repeat(2000)}"\n`, 'small.py': PY });
    const walked = await walk(root, { maxFileSize: 1000 });
    expect(walked.files).toEqual(['small.py']);
    expect(walked.skipped).toEqual([
      { relativePath: 'big.py', reason: 'too large (2.0 KiB, limit 1000 B)', error: false },
    ]);
    expect((await walk(root)).files).toEqual(['big.py', 'small.py']);
  });

  it('walks depth-first in a deterministic sorted order', async () => {
    const names = ['b.py', 'a/z.py', 'a/b/c.py', 'B.py', 'a.py', 'b/a.py', '_x.py', 'a-b.py'];
    const root = await makeTree(Object.fromEntries(names.map((name) => [name, PY])));
    const expected = ['B.py', '_x.py', 'a/b/c.py', 'a/z.py', 'a-b.py', 'a.py', 'b/a.py', 'b.py'];
    expect((await walk(root)).files).toEqual(expected);
    expect((await walk(root)).files).toEqual(expected);
  });
});

describe('walkSourceFiles: symbolic links', () => {
  it('never follows a link out of the root, even with followSymlinks', async () => {
    const outside = await makeTree({ 'elsewhere.py': PY, 'pkg/mod.py': PY });
    const root = await makeTree({ 'main.py': PY });
    await symlink(path.join(outside, 'elsewhere.py'), path.join(root, 'linked.py'));
    await symlink(path.join(outside, 'pkg'), path.join(root, 'linked_dir'));
    for (const followSymlinks of [false, true]) {
      const walked = await walk(root, { followSymlinks });
      expect(walked.files).toEqual(['main.py']);
      expect(walked.skipped).toEqual([
        {
          relativePath: 'linked.py',
          reason: 'symbolic link points outside the root (not followed)',
          error: false,
        },
        {
          relativePath: 'linked_dir',
          reason: 'symbolic link points outside the root (not followed)',
          error: false,
        },
      ]);
    }
  });

  it('reports a symlink loop and a link to its parent directory without hanging', async () => {
    const root = await makeTree({ 'main.py': PY, 'sub/inner.py': PY });
    await symlink('b.py', path.join(root, 'a.py'));
    await symlink('a.py', path.join(root, 'b.py'));
    await symlink('..', path.join(root, 'sub', 'up'));
    await symlink('loop2', path.join(root, 'loop1'));
    await symlink('loop1', path.join(root, 'loop2'));
    for (const followSymlinks of [false, true]) {
      const walked = await walk(root, { followSymlinks });
      expect(walked.files).toEqual(['main.py', 'sub/inner.py']);
      expect(walked.skipped.map((skipped) => skipped.relativePath)).toEqual([
        'a.py',
        'b.py',
        'loop1',
        'loop2',
        'sub/up',
      ]);
      for (const name of ['a.py', 'b.py', 'loop1', 'loop2']) {
        expect(skippedAt(walked, name)).toEqual({
          relativePath: name,
          reason: 'symbolic link loop',
          error: true,
        });
      }
      expect(skippedAt(walked, 'sub/up')?.reason).toMatch(
        followSymlinks ? /contains it.*cycle/ : /not followed/,
      );
    }
  });

  it('reports a broken link with the reason', async () => {
    const root = await makeTree({ 'main.py': PY });
    await symlink('missing.py', path.join(root, 'gone.py'));
    await symlink('missing-dir', path.join(root, 'olddir'));
    const walked = await walk(root, { followSymlinks: true });
    expect(walked.files).toEqual(['main.py']);
    expect(walked.skipped).toEqual([
      { relativePath: 'gone.py', reason: 'broken symbolic link (target does not exist)', error: true },
      { relativePath: 'olddir', reason: 'broken symbolic link (target does not exist)', error: true },
    ]);
    // A broken link whose name the filters leave out is not worth a line.
    expect((await walk(root, { languages: ['go'] })).skipped.map((skipped) => skipped.relativePath)).toEqual([
      'olddir',
    ]);
  });

  it('follows in-root links with followSymlinks, without parsing a file twice', async () => {
    const root = await makeTree({
      '.gitignore': 'vendored/\n',
      'lib/real/mod.py': PY,
      'main.py': PY,
      'vendored/pkg/dep.py': PY,
    });
    await symlink(path.join('lib', 'real'), path.join(root, 'alias'));
    await symlink('main.py', path.join(root, 'again.py'));
    await symlink(path.join('vendored', 'pkg'), path.join(root, 'linked'));

    const plain = await walk(root);
    expect(plain.files).toEqual(['lib/real/mod.py', 'main.py']);
    expect(plain.skipped.map((skipped) => skipped.relativePath)).toEqual(['again.py', 'alias', 'linked']);
    for (const skipped of plain.skipped)
      expect(skipped.reason).toBe('symbolic link (not followed; see followSymlinks)');

    const followed = await walk(root, { followSymlinks: true });
    // Real paths first; a link to something already walked is reported, not walked again.
    expect(followed.files).toEqual(['lib/real/mod.py', 'main.py', 'linked/dep.py']);
    expect(followed.skipped).toEqual([
      {
        relativePath: 'again.py',
        reason: "symbolic link to a file already walked ('main.py')",
        error: false,
      },
      {
        relativePath: 'alias',
        reason: "symbolic link to a directory already walked ('lib/real')",
        error: false,
      },
    ]);
  });

  it('treats a directory named `..data` as inside the root', async () => {
    const root = await makeTree({ '..data/real.py': PY });
    await symlink(path.join('..data', 'real.py'), path.join(root, 'link.py'));
    await symlink('..data', path.join(root, 'linkdir'));
    const walked = await walk(root, { followSymlinks: true });
    expect(walked.files).toEqual(['..data/real.py']);
    expect(walked.skipped).toEqual([
      {
        relativePath: 'link.py',
        reason: "symbolic link to a file already walked ('..data/real.py')",
        error: false,
      },
      {
        relativePath: 'linkdir',
        reason: "symbolic link to a directory already walked ('..data')",
        error: false,
      },
    ]);
  });

  it('does not report links that the filters would leave out anyway', async () => {
    const outside = await makeTree({ 'x.py': PY, 'notes.txt': 'x' });
    const root = await makeTree({ '.gitignore': 'ignored.py\n', 'main.py': PY });
    await symlink(path.join(outside, 'x.py'), path.join(root, 'ignored.py'));
    await symlink(path.join(outside, 'notes.txt'), path.join(root, 'notes.txt'));
    await symlink(path.join(outside, 'x.py'), path.join(root, 'other.py'));
    const walked = await walk(root, { languages: ['python'] });
    expect(walked.skipped.map((skipped) => skipped.relativePath)).toEqual(['other.py']);
    expect((await walk(root, { languages: ['go'] })).skipped).toEqual([]);
  });
});

describe('parseDirectory on a walked tree', () => {
  it('reports paths relative to the root in POSIX form and entities from every file', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'a', 'b'), { recursive: true });
    await writeTree(root, { 'a/b/deep.py': PY, 'top.go': 'package main\n\nfunc Top() {}\n' });
    const result = await parseDirectory(root);
    expect(result.errors).toEqual([]);
    expect(
      result.entities.map((entity) => `${entity.filePath}:${entity.lineNumber} ${entity.qualifiedName}`),
      // `package main` is a code chunk: every line of a file is in a unit.
    ).toEqual(['a/b/deep.py:1 f', 'top.go:1 imports', 'top.go:3 Top']);
    expect(result.stats.filesParsed).toBe(2);
    expect(result.stats.byLanguage).toEqual({
      python: { files: 1, entities: 1 },
      go: { files: 1, entities: 2 },
    });
  });
});

describe('parseDirectoryStream', () => {
  function describeEvent(event: DirectoryParseEvent): string {
    if (event.type === 'file') return `file ${event.file.filePath} ${event.file.entities.length}`;
    if (event.type === 'skipped') return `skipped ${event.skipped.relativePath}`;
    return `error ${event.error.filePath} ${event.error.code}`;
  }

  it('yields one event per path, in walk order', async () => {
    const root = await makeTree({
      'a.py': PY,
      'b.py': Buffer.from([0x64, 0x65, 0x66, 0, 0]),
      'c.py': Buffer.from([0x64, 0x65, 0x66, 0x20, 0xff, 0x0a]),
      'd/e.go': 'package d\n\nfunc E() {}\n\nfunc F() {}\n',
    });
    const events: string[] = [];
    for await (const event of parseDirectoryStream(root)) events.push(describeEvent(event));
    expect(events).toEqual(['file a.py 1', 'skipped b.py', 'error c.py INVALID_ENCODING', 'file d/e.go 3']);
  });

  it('stops with an AbortError once the signal is aborted', async () => {
    const root = await makeTree({ 'a.py': PY });
    const controller = new AbortController();
    controller.abort();
    await expect(parseDirectory(root, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
