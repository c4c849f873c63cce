import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('zig');
});

describe('zig fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/list.zig', 'zig', []],
      ['src/main.zig', 'zig', []],
    ]);
  });

  it('extracts containers declared as constants, their functions as methods, tests, constants and variables', () => {
    expect(outline(result.entities, 'src/main.zig')).toEqual([
      'struct Point 5-32',
      'method Point.origin 10-12',
      'method Point.norm 15-17',
      'enum Point.Quadrant 20-27',
      'method Point.Quadrant.isFirst 24-26',
      'function Point.test "origin is zero" 29-31',
      'struct Value 35-35',
      'variable frames_drawn 37-37',
      'type Handler 38-38',
      'constant greeting 39-42',
      'function write 44-44',
      'function main 46-50',
      'function test main 56-56',
    ]);
    // The functions of the struct a generic function returns are its methods.
    expect(outline(result.entities, 'src/list.zig')).toEqual([
      'constant initial_capacity 8-8',
      'function List 11-28',
      'method List.init 19-21',
      'method List.append 23-26',
      'enum Error 31-34',
      'function test "list starts empty" 36-39',
      // `std.heap.page_size_min` bound to another name is a constant; `assert = std.debug.assert` an alias.
      'constant page 42-42',
    ]);
  });

  it('reads /// doc comments directly above (not //// nor //!)', () => {
    const { entities } = result;
    expect(entity(entities, 'Point').docstring).toBe('A point on the screen.');
    expect(entity(entities, 'Point.origin').docstring).toBe('The origin.');
    expect(entity(entities, 'Point.norm').docstring).toBeUndefined();
    expect(entity(entities, 'Point.Quadrant').docstring).toBe('Where a point may lie.');
    expect(entity(entities, 'Value').docstring).toBe('Either a number or nothing.');
    expect(entity(entities, 'main').docstring).toBeUndefined();
    expect(entity(entities, 'initial_capacity').docstring).toBe(
      'Items reserved by `init` before the first append.',
    );
    expect(entity(entities, 'List').docstring).toBe('A list of `T` backed by an allocator.');
    expect(entity(entities, 'List.init').docstring).toBe('An empty list that allocates with `allocator`.');
    expect(entity(entities, 'Error').docstring).toBe('Errors a list can report.');
  });

  it('builds signatures up to the body or the members', () => {
    const { entities } = result;
    expect(entity(entities, 'Point').signature).toBe('pub const Point = extern struct');
    expect(entity(entities, 'Point.Quadrant').signature).toBe('pub const Quadrant = enum(u2)');
    expect(entity(entities, 'Value').signature).toBe('const Value = union(enum)');
    expect(entity(entities, 'Error').signature).toBe('pub const Error = error');
    expect(entity(entities, 'write').signature).toBe(
      'extern fn write(fd: c_int, buf: [*]const u8, len: usize) isize',
    );
    expect(entity(entities, 'List').signature).toBe('pub fn List(comptime T: type) type');
    expect(entity(entities, 'List.append').signature).toBe('pub fn append(self: *Self, item: T) !void');
    expect(entity(entities, 'frames_drawn').signature).toBe('pub var frames_drawn: u64 = 0');
    expect(entity(entities, 'Handler').signature).toBe('const Handler = *const fn (Point) void');
    expect(entity(entities, 'greeting').signature).toBe('const greeting');
    expect(entity(entities, 'initial_capacity').signature).toBe('pub const initial_capacity = 8');
    expect(entity(entities, 'test "list starts empty"').signature).toBe('test "list starts empty"');
    expect(entity(entities, 'Point.origin').parent).toBe('Point');
    expect(entity(entities, 'List.init').parent).toBe('List');
  });

  it('outlines a struct with its fields and its functions bodies elided', () => {
    expect(entity(result.entities, 'Point').outline).toBe(
      [
        '/// A point on the screen.',
        'pub const Point = extern struct {',
        '    x: i32,',
        '    y: i32 = 0,',
        '',
        '    /// The origin.',
        '    pub fn origin() Point { … }',
        '',
        '    //// Not a doc comment: four slashes.',
        '    pub fn norm(self: Point) u64 { … }',
        '',
        '    /// Where a point may lie.',
        '    pub const Quadrant = enum(u2) {',
        '        first,',
        '        second,',
        '',
        '        pub fn isFirst(self: Quadrant) bool { … }',
        '    };',
        '',
        '    test "origin is zero" { … }',
        '};',
      ].join('\n'),
    );
  });

  it('keeps imports, aliases and comptime blocks in code chunks, leaving no line uncovered', () => {
    const { entities } = result;
    expect(codeChunks(entities, 'src/list.zig')).toEqual(['imports 1-5']);
    expect(codeChunks(entities, 'src/main.zig')).toEqual(['imports 1-2', 'std 52-54']);
    for (const file of result.files) {
      const source = readFileSync(path.join(fixtureRoot('zig'), file.filePath), 'utf8');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('zig bad input', () => {
  it('finds the functions before and after a syntax error, and names its line', () => {
    const source = [
      'pub fn before() void {}',
      '',
      'pub fn broken() u8 {',
      '    const x = 1 +;',
      '    return x;',
      '}',
      '',
      '/// Still documented.',
      'pub fn after() u8 {',
      '    return 2;',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'zig', 'broken.zig');
    const byName = new Map(parsed.entities.map((e) => [e.name, e]));
    expect(byName.get('before')).toMatchObject({ kind: 'function', lineNumber: 1 });
    expect(byName.get('broken')).toMatchObject({ kind: 'function', lineNumber: 3, endLine: 6 });
    expect(byName.get('after')).toMatchObject({
      kind: 'function',
      lineNumber: 9,
      docstring: 'Still documented.',
    });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? 4\b/);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('keeps multiline string literals whole: function-like text inside is not a function', () => {
    const source = [
      'const script =',
      '    \\\\fn fake() void {',
      '    \\\\}',
      ';',
      'fn real() void {}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'zig', 'strings.zig');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'constant script 1-4',
      'function real 5-5',
    ]);
  });

  it('parses a generated file of 3,000 functions; above 1 MiB the walk skips it', async () => {
    const body = Array.from(
      { length: 3000 },
      (_, i) => `/// Function ${i}.\npub fn f${i}(x: u32) u32 {\n    return x + ${i};\n}\n`,
    ).join('\n');
    const parsed = parseSource(body, 'zig', 'generated.zig');
    const functions = parsed.entities.filter((e) => e.kind === 'function');
    expect(functions).toHaveLength(3000);
    expect(functions[2999]).toMatchObject({
      name: 'f2999',
      lineNumber: 5 * 2999 + 2,
      docstring: 'Function 2999.',
    });
    expect(parsed.entities.filter((e) => e.kind === 'code')).toEqual([]);

    const huge = `${body}\n${'const padding = 0;\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 19) + 1)}`;
    expect(await parseBesideOversized(['small.zig', body], ['huge.zig', huge])).toEqual({
      parsed: [['small.zig', 3000]],
      skipped: [['huge.zig', 'too large']],
    });
  });

  it('an empty container (`struct {}`) reads as an error to tree-sitter-zig 1.1.2, but loses nothing', () => {
    // The grammar puts a zero-width field with a missing name in `{}`: a warning, no entity lost.
    const parsed = parseSource('pub const Options = struct {};\npub fn f() void {}\n', 'zig', 'empty.zig');
    expect(parsed.entities.map((e) => `${e.kind} ${e.qualifiedName}`)).toEqual([
      'struct Options',
      'function f',
    ]);
    expect(parsed.warnings).toEqual(['syntax errors near line 1; 2 definitions extracted from the rest']);
  });
});

// Zig 0.13.0's standard library (the `ziglang` wheel on PyPI): lib/std/crypto.
describe('zig real code: std.crypto of Zig 0.13.0', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('zig-std-crypto');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 300_000);

  it('parses every file without errors; the files with an empty `struct {}` warn', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(70);
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([
      'blake3.zig',
      'keccak_p.zig',
      'md5.zig',
      'sha1.zig',
      'sha2.zig',
    ]);
    for (const warning of parsed.files.flatMap((file) => file.warnings))
      expect(warning).toMatch(/^syntax errors near lines? \d+/);
  });

  it('finds the units by kind (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      code: 111,
      struct: 160,
      constant: 547,
      method: 902,
      function: 649,
      type: 31,
      enum: 62,
      variable: 4,
    });
  });

  it('reads exact entities as written', () => {
    const find = (file: string, qualifiedName: string) =>
      parsed.entities.filter((e) => e.filePath === file && e.qualifiedName === qualifiedName);
    expect(find('siphash.zig', 'SipHash64')).toEqual([
      expect.objectContaining({
        kind: 'function',
        lineNumber: 25,
        endLine: 27,
        signature: 'pub fn SipHash64(comptime c_rounds: usize, comptime d_rounds: usize) type',
      }),
    ]);
    expect(find('siphash.zig', 'SipHash64')[0]!.docstring!.split('\n')[0]).toBe(
      'SipHash function with 64-bit output.',
    );
    // The struct a generic function returns: its functions are the function's methods.
    expect(find('siphash.zig', 'SipHash.init')).toEqual([
      expect.objectContaining({
        kind: 'method',
        lineNumber: 180,
        endLine: 186,
        signature: 'pub fn init(key: *const [key_length]u8) Self',
        docstring: 'Initialize a state for a SipHash function',
      }),
    ]);
    expect(find('hmac.zig', 'sha2')).toEqual([
      expect.objectContaining({
        kind: 'struct',
        lineNumber: 9,
        endLine: 14,
        signature: 'pub const sha2 = struct',
      }),
    ]);
    expect(find('hmac.zig', 'sha2.HmacSha256')).toEqual([
      expect.objectContaining({ kind: 'constant', lineNumber: 11 }),
    ]);
    // `const mac_length = Hash.digest_length` is a constant; `const mem = std.mem` an import.
    expect(find('hmac.zig', 'Hmac.mac_length')).toEqual([
      expect.objectContaining({
        kind: 'constant',
        lineNumber: 19,
        signature: 'pub const mac_length = Hash.digest_length',
      }),
    ]);
    expect(find('hmac.zig', 'mem')).toEqual([]);
    expect(find('hmac.zig', 'test "md5"')).toEqual([
      expect.objectContaining({ kind: 'function', lineNumber: 79, endLine: 86 }),
    ]);
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
