import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('c');
});

describe('c fixture', () => {
  it('parses every file (headers by their content) without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/config.h', 'c', []],
      ['src/vec.c', 'c', []],
      ['src/vec.h', 'c', []],
    ]);
  });

  it('extracts macros, constants, structs, enums, typedefs and prototypes of a header', () => {
    expect(outline(result.entities, 'src/vec.h')).toEqual([
      'constant VEC_INITIAL_CAPACITY 13-13',
      'constant VEC_GROWTH_FACTOR 14-14',
      'constant VEC_VERSION 15-15',
      'macro VEC_AT 18-18',
      'macro VEC_FOREACH 20-21',
      'struct vec 28-32', // `typedef struct vec { … } vec_t;`: named by its tag, on its first line
      'enum vec_order 35-38',
      'type vec_cmp 40-40',
      'function vec_new 43-43',
      'function vec_free 47-47',
      'function vec_push 49-49',
    ]);
    // `#define VEC_API …` twice (one per branch of the `#if`); the include guard is no unit.
    expect(outline(result.entities, 'src/config.h')).toEqual([
      'macro VEC_API 6-6',
      'macro VEC_API 8-8',
      'constant VEC_VERSION_MAJOR 11-11',
    ]);
  });

  it('extracts functions, file-level variables and constants, structs (not anonymous unions) of a source file', () => {
    expect(outline(result.entities, 'src/vec.c')).toEqual([
      'variable live_vectors 7-7',
      'constant order_names 8-8',
      'constant VEC_EPSILON 9-9',
      'struct stats 11-17',
      'variable global_stats 19-19',
      'function grow 22-33',
      'function vec_new 35-40',
      'function vec_free 42-48',
      'function vec_push 50-56',
      'function vec_dump 60-63',
      'function compare_up 66-66',
      'function main 68-73',
    ]);
  });

  it('chunks the rest, going through #ifndef guards and #if blocks', () => {
    expect(codeChunks(result.entities, 'src/vec.h')).toEqual([
      'VEC_H 1-10', // the licence comment, the guard and the includes
      '<top-level> 51-51', // #endif
    ]);
    expect(codeChunks(result.entities, 'src/vec.c')).toEqual([
      'imports 1-4',
      '<top-level> 58-58', // #ifdef VEC_DEBUG
      '<top-level> 64-64', // #endif
    ]);
    expect(codeChunks(result.entities, 'src/config.h')).toEqual([
      'VEC_CONFIG_H 1-5',
      '<top-level> 7-7', // #else
      '<top-level> 9-9',
      '<top-level> 13-13',
    ]);
    for (const file of result.files) {
      const source = readFileSync(path.join(fixtureRoot('c'), file.filePath), 'utf8');
      const own = result.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });

  it('reads Doxygen comments (///, //!, /** */, /*! */), plain comments directly above, and a #define line’s comment', () => {
    const { entities } = result;
    expect(entity(entities, 'VEC_INITIAL_CAPACITY').docstring).toBe('Initial capacity of a new vector.');
    expect(entity(entities, 'VEC_GROWTH_FACTOR').docstring).toBe('capacity doubles');
    expect(entity(entities, 'VEC_VERSION').docstring).toBeUndefined(); // blank line in between
    expect(entity(entities, 'VEC_AT').docstring).toBe('Element at index @p i, without bounds checks.');
    expect(entity(entities, 'vec').docstring).toBe(
      'A growable array.\n\nOwns its buffer: free it with vec_free().',
    );
    expect(entity(entities, 'vec_order').docstring).toBe('How vec_sort orders the elements.');
    expect(entity(entities, 'vec_new', 43).docstring).toBe(
      'Creates an empty vector; NULL when out of memory.',
    );
    expect(entity(entities, 'vec_free', 47).docstring).toBe(
      'Frees the vector and its buffer.\nAccepts NULL.',
    );
    expect(entity(entities, 'vec_push', 49).docstring).toBeUndefined();
    expect(entity(entities, 'live_vectors').docstring).toBe('Number of vectors alive, for leak checks.');
    expect(entity(entities, 'grow').docstring).toBe('Grows the buffer to at least `min` elements.');
    expect(entity(entities, 'vec_dump').docstring).toBe('Prints the vector to stderr.');
    expect(entity(entities, 'main').docstring).toBeUndefined();
  });

  it('builds signatures: up to the body, the name of a macro with its parameters, short values whole', () => {
    const { entities } = result;
    expect(entity(entities, 'VEC_INITIAL_CAPACITY').signature).toBe('#define VEC_INITIAL_CAPACITY 16');
    expect(entity(entities, 'VEC_AT').signature).toBe('#define VEC_AT(v, i)');
    // The line continuation is not part of it.
    expect(entity(entities, 'VEC_FOREACH').signature).toBe('#define VEC_FOREACH(v, x)');
    expect(entity(entities, 'vec').signature).toBe('typedef struct vec');
    expect(entity(entities, 'vec_cmp').signature).toBe('typedef int (*vec_cmp)(double a, double b)');
    expect(entity(entities, 'grow').signature).toBe('static int grow(vec_t *v, size_t min)');
    expect(entity(entities, 'compare_up').signature).toBe(
      'static inline int (compare_up)(double a, double b)',
    );
    expect(entity(entities, 'order_names').signature).toBe(
      'static const char *const order_names[] = {"ascending", "descending"}',
    );
    // An export macro before the declaration is not signature, but stays in the source.
    expect(entity(entities, 'vec_new', 43).signature).toBe('vec_t *vec_new(void)');
    expect(entity(entities, 'vec_new', 43).sourceCode).toBe('VEC_API vec_t *vec_new(void);');
    expect(entity(entities, 'vec_new', 35).sourceCode.split('\n')[0]).toBe('VEC_API vec_t *vec_new(void) {');
  });

  it('outlines a typedef’d struct with its doc comment and fields', () => {
    expect(entity(result.entities, 'vec').outline).toBe(
      [
        '/**',
        ' * A growable array.',
        ' *',
        ' * Owns its buffer: free it with vec_free().',
        ' */',
        'typedef struct vec {',
        '  double *data; /**< the elements */',
        '  size_t len;',
        '  size_t cap;',
        '} vec_t;',
      ].join('\n'),
    );
  });
});

describe('c typedefs', () => {
  it('names an anonymous typedef’d struct or enum by the typedef', () => {
    const source = [
      'typedef struct {',
      '  int x, y;',
      '} point;',
      'typedef enum { RED, GREEN } color;',
      'typedef struct point3 point3_t;',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'point.h');
    expect(
      parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine} | ${e.signature}`),
    ).toEqual([
      'struct point 1-3 | typedef struct',
      'enum color 4-4 | typedef enum',
      'type point3_t 5-5 | typedef struct point3 point3_t',
    ]);
  });
});

describe('c comments', () => {
  it('leaves rulers out of a doc comment, and the indentation of text right after /*', () => {
    const source = [
      '/*',
      '** {==================================================================',
      '** Stack reallocation',
      '** ===================================================================',
      '*/',
      'void correctstack (lua_State *L) {}',
      '',
      '/*  Get the address of the block.',
      '** (Access to the tag ensures the value is right.)',
      '*/',
      'void *getudatamem (Udata *u) { return u; }',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'ldo.c');
    expect(parsed.entities.map((e) => e.docstring)).toEqual([
      'Stack reallocation',
      'Get the address of the block.\n(Access to the tag ensures the value is right.)',
    ]);
  });
});

describe('c bad input', () => {
  it('finds the definitions around a syntax error and names its line', () => {
    const source = [
      '/* Before. */',
      'int before(void) { return 1; }',
      '',
      'int broken(int x) {',
      '  return x +* ;',
      '}',
      '',
      '/* After. */',
      'int after(void) { return 2; }',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'broken.c');
    expect(parsed.warnings).toEqual(['syntax errors near line 5; 3 definitions extracted from the rest']);
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'function before 2-2',
      'function broken 4-6',
      'function after 9-9',
    ]);
    expect(parsed.entities[2]!.docstring).toBe('After.');
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('reads declarations behind export and inline macros the grammar does not know', () => {
    // Lua's style: `LUA_API` and `l_sinline` are macros, the names are parenthesized.
    const source = [
      'LUA_API int (lua_gettop) (lua_State *L);',
      'LUA_API lua_State *(lua_newthread) (lua_State *L);',
      'LUAI_DDEF const lu_byte luaP_opmodes[NUM_OPCODES] = {',
      '  opmode(0, 0, 0, 0, 1, iABC)',
      '};',
      'l_sinline StkId index2stack (lua_State *L, int idx) {',
      '  StkId func, newtop;',
      '  return L->top;',
      '}',
      'size_t const limit = 10;',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'lapi.c');
    expect(parsed.warnings).toEqual([]);
    expect(
      parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine} | ${e.signature}`),
    ).toEqual([
      'function lua_gettop 1-1 | int (lua_gettop) (lua_State *L)',
      'function lua_newthread 2-2 | lua_State *(lua_newthread) (lua_State *L)',
      'constant luaP_opmodes 3-5 | const lu_byte luaP_opmodes[NUM_OPCODES]',
      'function index2stack 6-9 | StkId index2stack (lua_State *L, int idx)',
      // `size_t const` is C (the word before `const` is a type, not a macro).
      'constant limit 10-10 | size_t const limit = 10',
    ]);
    expect(parsed.entities[0]!.sourceCode).toBe('LUA_API int (lua_gettop) (lua_State *L);');
  });

  it('reads prototypes followed by glibc-style annotation macros', () => {
    const source = [
      '__BEGIN_DECLS',
      '',
      '/* Compare S1 and S2.  */',
      'extern int strcmp (const char *__s1, const char *__s2)',
      '     __THROW __attribute_pure__ __nonnull ((1, 2));',
      'extern char *tmpnam (char[L_tmpnam]) __THROW __wur;',
      'extern int vprintf (const char *__restrict __format, __gnuc_va_list __arg);',
      '',
      '__END_DECLS',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'string.h');
    expect(parsed.warnings).toEqual([]);
    expect(
      parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine} | ${e.signature}`),
    ).toEqual([
      'code <top-level> 1-1 | __BEGIN_DECLS', // blanked for the grammar: no name
      'function strcmp 4-5 | extern int strcmp (const char *__s1, const char *__s2) __THROW __attribute_pure__ __nonnull ((1, 2))',
      'function tmpnam 6-6 | extern char *tmpnam (char[L_tmpnam]) __THROW __wur',
      'function vprintf 7-7 | extern int vprintf (const char *__restrict __format, __gnuc_va_list __arg)',
      'code <top-level> 9-9 | __END_DECLS',
    ]);
    expect(entity(parsed.entities, 'strcmp').docstring).toBe('Compare S1 and S2.');
  });

  it('leaves a static forward declaration to the code chunks: the definition below is the unit', () => {
    const source = [
      '/* prototypes for recursive non-terminal functions */',
      'static void statement (LexState *ls);',
      'int exported (int x);',
      '',
      '/* Parses one statement. */',
      'static void statement (LexState *ls) {}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'c', 'lparser.c');
    expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code statement 1-2',
      'function exported 3-3',
      'function statement 6-6',
    ]);
    expect(parsed.entities[2]!.docstring).toBe('Parses one statement.');
  });

  it('reads a header whose extern "C" braces are in #ifdef __cplusplus blocks', () => {
    const source = [
      '#ifndef X_H',
      '#define X_H',
      '#ifdef __cplusplus',
      'extern "C" {',
      '#endif',
      '',
      '/* Opens it. */',
      'int x_open(const char *name);',
      '',
      '#ifdef __cplusplus',
      '}  /* end extern "C" */',
      '#endif',
      '#endif',
      '',
    ].join('\n');
    for (const language of ['c', 'cpp'] as const) {
      const parsed = parseSource(source, language, 'x.h');
      expect(parsed.warnings).toEqual([]);
      // Not one chunk over the whole file: the guard is chunked through.
      expect(parsed.entities.map((e) => `${e.kind} ${e.name} ${e.lineNumber}-${e.endLine}`)).toEqual([
        'code X_H 1-5',
        'function x_open 8-8',
        'code <top-level> 10-13',
      ]);
      expect(parsed.entities[2]!.sourceCode).toBe(
        '#ifdef __cplusplus\n}  /* end extern "C" */\n#endif\n#endif',
      );
    }
  });

  it('parses a generated file of 3,000 functions; above 1 MiB the walk skips it', async () => {
    const body = Array.from(
      { length: 3000 },
      (_, i) => `/** Function ${i}. */\nint fn_${i}(int x) {\n  return x + ${i};\n}\n`,
    ).join('\n');
    const parsed = parseSource(body, 'c', 'generated.c');
    const functions = parsed.entities.filter((e) => e.kind === 'function');
    expect(functions).toHaveLength(3000);
    expect(functions[2999]).toMatchObject({
      name: 'fn_2999',
      lineNumber: 5 * 2999 + 2,
      docstring: 'Function 2999.',
      signature: 'int fn_2999(int x)',
    });
    expect(parsed.entities.filter((e) => e.kind === 'code')).toEqual([]);

    const huge = `${body}\n${'int padding_variable_x;\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 24) + 1)}`;
    expect(await parseBesideOversized(['small.c', body], ['huge.c', huge])).toEqual({
      parsed: [['small.c', 3000]],
      skipped: [['huge.c', 'too large']],
    });
  });
});

// lua-src 547.0.0 (crates.io): the C sources of Lua 5.1.5, 5.2.4, 5.3.6 and 5.4.7. Heavy macro
// use (`LUA_API`, `l_sinline`, `cast(T, x)`): the warnings below are macros taking a type or a
// comment inside a `#define` continuation, which the grammar cannot read; the definitions
// around them are still found.
describe('c real code: lua-src', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('c-lua-src');
    parsed = await parseDirectory(root, { concurrency: 1, languages: ['c'] });
  }, 180_000);

  it('parses every .c and .h file without errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(225);
    expect(parsed.files.every((file) => file.language === 'c')).toBe(true);
    expect(parsed.files.filter((file) => file.warnings.length > 0)).toHaveLength(75);
  });

  it('finds the definitions by kind (lapi.c’s 93 functions checked by hand against the source)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      function: 4687,
      macro: 2228,
      constant: 1226,
      code: 1414,
      struct: 214,
      type: 114,
      enum: 34,
    });
    const lapi = parsed.entities.filter((e) => e.filePath === 'lua-5.4.7/lapi.c' && e.kind === 'function');
    expect(lapi).toHaveLength(93);
  });

  it('reads exact definitions as written', () => {
    const find = (filePath: string, name: string) =>
      parsed.entities.filter((e) => e.filePath === filePath && e.name === name && e.kind !== 'code');
    expect(find('lua-5.4.7/ltable.c', 'luaH_resize')).toEqual([
      expect.objectContaining({
        kind: 'function',
        lineNumber: 553,
        endLine: 587,
        signature: 'void luaH_resize (lua_State *L, Table *t, unsigned int newasize, unsigned int nhsize)',
      }),
    ]);
    expect(find('lua-5.4.7/ltable.c', 'luaH_resize')[0]!.docstring!.split('\n')[0]).toBe(
      "Resize table 't' for the new given sizes. Both allocations (for",
    );
    // `LUA_API int   (lua_gettop) (lua_State *L);`: a prototype behind an export macro.
    expect(find('lua-5.4.7/lua.h', 'lua_gettop')).toEqual([
      expect.objectContaining({
        kind: 'function',
        lineNumber: 179,
        signature: 'int (lua_gettop) (lua_State *L)',
      }),
    ]);
    expect(find('lua-5.4.7/lua.h', 'LUA_MULTRET')).toEqual([
      expect.objectContaining({
        kind: 'constant',
        lineNumber: 36,
        signature: '#define LUA_MULTRET (-1)',
        docstring: "option for multiple returns in 'lua_pcall' and 'lua_call'",
      }),
    ]);
    expect(find('lua-5.4.7/lobject.h', 'Table')).toEqual([
      expect.objectContaining({
        kind: 'struct',
        lineNumber: 737,
        endLine: 747,
        signature: 'typedef struct Table',
      }),
    ]);
    expect(find('lua-5.4.7/lauxlib.h', 'luaL_argcheck')).toEqual([
      expect.objectContaining({
        kind: 'macro',
        lineNumber: 133,
        endLine: 134,
        signature: '#define luaL_argcheck(L, cond,arg,extramsg)',
      }),
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
