import { spawnSync } from 'node:child_process';
import { chmod, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectFileLanguage,
  detectLanguage,
  normaliseLanguage,
  parseDirectory,
  parseFile,
  walkSourceFiles,
} from '../src/index.js';
import { headerLanguage, languageOfShebang } from '../src/language-detection.js';
import { parseDirectoryInChild } from './dist.js';
import { tempDir, writeTree } from './tree.js';

describe('detectLanguage by name', () => {
  it.each([
    ['src/main.c', 'c'],
    ['src/engine.cc', 'cpp'],
    ['src/engine.cpp', 'cpp'],
    ['include/engine.hpp', 'cpp'],
    ['include/engine.hh', 'cpp'],
    ['App/Program.cs', 'csharp'],
    ['lib/rack.rb', 'ruby'],
    ['tasks/build.rake', 'ruby'],
    ['rack.gemspec', 'ruby'],
    ['Rakefile', 'ruby'],
    ['app/Gemfile', 'ruby'],
    ['src/Kernel.php', 'php'],
    ['src/Main.kt', 'kotlin'],
    ['build.gradle.kts', 'kotlin'],
    ['Sources/App.swift', 'swift'],
    ['src/Main.scala', 'scala'],
    ['build.sbt', 'scala'],
    ['scripts/deploy.sh', 'bash'],
    ['completion.bash', 'bash'],
    ['home/.bashrc', 'bash'],
    ['PKGBUILD', 'bash'],
    ['lua/init.lua', 'lua'],
    ['lib/app.ex', 'elixir'],
    ['test/app_test.exs', 'elixir'],
    ['src/Main.hs', 'haskell'],
    ['src/main.zig', 'zig'],
    ['build.zig.zon', 'zig'],
    ['SRC/MAIN.C', 'c'],
    ['dir.rb/file.go', 'go'],
  ])('%s → %s', (file, language) => {
    expect(detectLanguage(file)).toBe(language);
  });

  it.each(['README', 'Makefile', '.env', '.gitignore', 'notes.txt', 'dir.rb/LICENSE'])(
    '%s → nothing without its content',
    (file) => {
      expect(detectLanguage(file)).toBeUndefined();
    },
  );

  it('takes a `.h` header for C when there is no content to look at', () => {
    expect(detectLanguage('include/zlib.h')).toBe('c');
  });

  it('accepts the usual aliases', () => {
    expect(
      ['c++', 'cxx', 'c#', 'cs', 'rb', 'kt', 'sh', 'shell', 'hs', 'exs', 'zig'].map(normaliseLanguage),
    ).toEqual([
      'cpp',
      'cpp',
      'csharp',
      'csharp',
      'ruby',
      'kotlin',
      'bash',
      'bash',
      'haskell',
      'elixir',
      'zig',
    ]);
    expect(normaliseLanguage('cobol')).toBeUndefined();
  });
});

describe('detectLanguage by shebang', () => {
  it.each([
    ['#!/usr/bin/env bash\nset -e\n', 'bash'],
    ['#!/bin/sh -e\n', 'bash'],
    ['#! /bin/bash\n', 'bash'],
    ['#!/usr/bin/zsh\n', 'bash'],
    ['#!/usr/bin/env -S bash -eu\n', 'bash'],
    ['#!/usr/bin/env python3\n', 'python'],
    ['#!/usr/bin/python3.12\n', 'python'],
    ['#!/usr/bin/env node\n', 'javascript'],
    ['#!/usr/bin/env -S node --enable-source-maps\n', 'javascript'],
    ['#!/usr/bin/env ruby\n', 'ruby'],
    ['#!/usr/bin/env php\n', 'php'],
    ['#!/usr/bin/env lua5.4\n', 'lua'],
    ['#!/usr/bin/env elixir\n', 'elixir'],
    ['#!/usr/bin/env runhaskell\n', 'haskell'],
    ['#!/usr/bin/env VAR=1 bash\n', 'bash'],
  ])('%j → %s', (head, language) => {
    expect(detectLanguage('bin/tool', head)).toBe(language);
    expect(languageOfShebang(head)).toBe(language);
  });

  it.each([
    ['no #! line', 'hello world\n'],
    ['an unknown interpreter', '#!/usr/bin/env perl\n'],
    ['a #! not on the first line', '\n#!/bin/sh\n'],
    ['binary bytes', '\u007fELF\u0002\u0001\u0001'],
  ])('leaves a file without extension alone with %s', (_case, head) => {
    expect(detectLanguage('bin/tool', head)).toBeUndefined();
  });

  it('ignores a shebang when the extension already decides', () => {
    expect(detectLanguage('tool.py', '#!/bin/sh\n')).toBe('python');
  });
});

describe('a `.h` header: C or C++ by its content', () => {
  it.each([
    ['a class', '#pragma once\nclass Engine {\n public:\n  void run();\n};\n'],
    ['a class with a base', 'class Engine : public Base {\n};\n'],
    ['a namespace', '#ifndef X\n#define X\nnamespace app {\nint f();\n}\n#endif\n'],
    ['a template', 'template <typename T>\nT max(T a, T b);\n'],
    ['std::', '#include <stdint.h>\nvoid f(const std::string& s);\n'],
    ['a C++ standard header', '#include <vector>\n'],
    ['using namespace', 'using namespace std;\n'],
    ['constexpr', 'constexpr int size = 4;\n'],
    ['a virtual method', 'struct Base {\n  virtual void run() = 0;\n};\n'],
    [
      'a namespace with a macro before its brace',
      'namespace std _GLIBCXX_VISIBILITY(default)\n{\nint f();\n}\n',
    ],
    ['a C++ version check around everything', '#if __cplusplus >= 201402L\nnamespace std\n{\n}\n#endif\n'],
  ])('C++: %s', (_case, head) => {
    expect(headerLanguage(head)).toBe('cpp');
    expect(detectLanguage('include/engine.h', head)).toBe('cpp');
  });

  it.each([
    [
      'plain declarations',
      '#ifndef ZLIB_H\n#define ZLIB_H\n#include <stddef.h>\nint deflate(z_streamp strm, int flush);\n#endif\n',
    ],
    [
      'extern "C" for C++ callers',
      '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n',
    ],
    ['a struct', 'typedef struct node {\n  struct node *next;\n} node_t;\nstruct point { int x, y; };\n'],
    [
      'C++ words in comments only',
      '/* A class of errors; see namespace docs, template<T> */\n// std::string\nint f(void);\n',
    ],
    ['`new` and `class` as C identifiers', 'int new = 1;\nint class_count(void);\n'],
    // GL/glu.h and lzma.h: C++ only inside the parts for C++ callers, and in a macro's value.
    [
      'C++ declarations for C++ callers',
      '#ifdef __cplusplus\nclass GLUnurbs;\n#else\ntypedef struct GLUnurbs GLUnurbs;\n#endif\n',
    ],
    [
      'noexcept in a macro for C++ callers',
      '#if defined(__cplusplus) && __cplusplus >= 201103L\n#  define lzma_nothrow noexcept\n#else\n#  define lzma_nothrow\n#endif\n',
    ],
    ['noexcept in a plain macro', '#define NOTHROW noexcept\nint f(void) NOTHROW;\n'],
  ])('C: %s', (_case, head) => {
    expect(headerLanguage(head)).toBe('c');
    expect(detectLanguage('include/zlib.h', head)).toBe('c');
  });
});

describe('the walk and parseFile decide by content when the name cannot', () => {
  it('finds scripts by their #! line and headers by what they use, and nothing else', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'bin/deploy': '#!/usr/bin/env bash\n# Deploys.\ndeploy() {\n  echo go\n}\ndeploy\n',
      'bin/serve': '#!/usr/bin/env node\nfunction serve() {}\n',
      'bin/notes': 'just text, no #! line\n',
      'bin/blob': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]),
      Makefile: 'all:\n\techo hi\n',
      'include/engine.h': 'namespace engine {\nclass Engine {\n public:\n  void run();\n};\n}\n',
      'include/zlib.h': '#ifdef __cplusplus\nextern "C" {\n#endif\nint deflate(int flush);\n',
      'src/main.c': 'int main(void) { return 0; }\n',
    });
    const files: Array<[string, string]> = [];
    const skipped: string[] = [];
    for await (const entry of walkSourceFiles(root)) {
      if (entry.type === 'file') files.push([entry.file.relativePath, entry.file.language]);
      else skipped.push(entry.skipped.relativePath);
    }
    expect(files).toEqual([
      ['bin/deploy', 'bash'],
      ['bin/serve', 'javascript'],
      ['include/engine.h', 'cpp'],
      ['include/zlib.h', 'c'],
      ['src/main.c', 'c'],
    ]);
    expect(skipped).toEqual([]);

    const onlyBash = [];
    for await (const entry of walkSourceFiles(root, { languages: ['bash'] }))
      if (entry.type === 'file') onlyBash.push(entry.file.relativePath);
    expect(onlyBash).toEqual(['bin/deploy']);

    const onDisk = (file: string) => detectFileLanguage(path.join(root, file), file);
    expect(
      await Promise.all(['bin/deploy', 'bin/notes', 'include/engine.h', 'src/main.c', 'gone'].map(onDisk)),
    ).toEqual(['bash', undefined, 'cpp', 'c', undefined]);
    expect((await parseFile(path.join(root, 'bin/deploy'), { root })).language).toBe('bash');
    expect((await parseFile(path.join(root, 'include/engine.h'), { root })).language).toBe('cpp');
    await expect(parseFile(path.join(root, 'bin/notes'), { root })).rejects.toMatchObject({
      code: 'UNSUPPORTED_LANGUAGE',
      filePath: 'bin/notes',
    });
    expect((await parseFile(path.join(root, 'bin/notes'), { root, language: 'bash' })).language).toBe('bash');

    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.files.map((file) => [file.filePath, file.language])).toEqual(files);
  });

  it('does not report special or unreadable files without extension, and hands an unreadable header to the parser', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'bin/secret': '#!/bin/sh\necho secret\n',
      'include/locked.h': 'int f(void);\n',
      'src/ok.sh': 'ok() {\n  echo ok\n}\n',
    });
    const fifo = spawnSync('mkfifo', [path.join(root, 'bin/pipe')]);
    if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
    await symlink('/usr/bin/env', path.join(root, 'bin/env-link'));
    await chmod(root, 0o755);
    for (const directory of ['bin', 'include', 'src']) await chmod(path.join(root, directory), 0o755);
    await chmod(path.join(root, 'src/ok.sh'), 0o644);
    await chmod(path.join(root, 'bin/secret'), 0o000);
    await chmod(path.join(root, 'include/locked.h'), 0o000);
    // Root reads chmod 000 files anyway: walk as `nobody` instead.
    const result =
      process.getuid?.() === 0
        ? parseDirectoryInChild(root, {}, await readableTempDir(), { uid: 65534, gid: 65534 })
        : await parseDirectory(root);
    expect(result.files.map((file) => file.filePath)).toEqual(['src/ok.sh']);
    expect(result.errors.map((error) => [error.filePath, error.code, error.reason])).toEqual([
      ['include/locked.h', 'UNREADABLE', 'permission denied'],
    ]);
    expect(result.skipped).toEqual([]);
  });
});

/** A temp dir the `nobody` user can read, for the child's script. */
async function readableTempDir(): Promise<string> {
  const dir = await tempDir();
  await chmod(dir, 0o755);
  return dir;
}

describe('default excludes of the newer languages', () => {
  it("skips their dependency and build directories and generated files, not the project's code", async () => {
    const root = await tempDir();
    await writeTree(root, {
      'Sources/App/App.swift': 'func app() {}\n',
      'Pods/Alamofire/Session.swift': 'func session() {}\n',
      '.build/checkouts/x/X.swift': 'func x() {}\n',
      'lib/app.ex': 'defmodule App do\nend\n',
      'deps/plug/lib/plug.ex': 'defmodule Plug do\nend\n',
      '_build/dev/lib/app.ex': 'defmodule Built do\nend\n',
      'src/Main.hs': 'main = pure ()\n',
      '.stack-work/dist/Main.hs': 'main = pure ()\n',
      'src/main.zig': 'pub fn main() void {}\n',
      'zig-out/gen.zig': 'pub fn gen() void {}\n',
      '.zig-cache/o/gen.zig': 'pub fn gen() void {}\n',
      'App/Program.cs': 'class Program {}\n',
      'App/obj/Debug/App.AssemblyInfo.cs': 'class Info {}\n',
      'App/Form1.Designer.cs': 'partial class Form1 {}\n',
      'proto/api.pb.h': 'class Api {};\n',
    });
    const files: string[] = [];
    for await (const entry of walkSourceFiles(root))
      if (entry.type === 'file') files.push(entry.file.relativePath);
    expect(files).toEqual([
      'App/Program.cs',
      'Sources/App/App.swift',
      'lib/app.ex',
      'src/Main.hs',
      'src/main.zig',
    ]);
  });
});
