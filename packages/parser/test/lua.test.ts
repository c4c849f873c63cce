import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureLines, outline, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';
import { tempDir, writeTree } from './tree.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('lua');
});

describe('lua fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/main.lua', 'lua', []],
      ['src/shop/cart.lua', 'lua', []],
    ]);
  });

  it('extracts functions by the name they are declared with; `T:m` is a method of T', () => {
    expect(outline(result.entities, 'src/shop/cart.lua')).toEqual([
      // `local M = {}` and `local Cart = {}` are tables filled in later: code, not constants.
      'constant MAX_ITEMS 10-10',
      'constant DEFAULT_CURRENCY 11-11',
      'function M.new 22-27',
      'method Cart.add 31-35',
      'method Cart.total 38-44',
      'function Cart.to_json 49-51',
      'function round 53-55',
      'function M.format 58-60',
      'function log 62-64',
      'function M.handlers.checkout 68-70',
      'function M.handlers.cancel 71-71',
      'function M.util.deep.helper 74-76',
    ]);
    expect(outline(result.entities, 'src/main.lua')).toEqual([]);
    expect(entity(result.entities, 'Cart.add').parent).toBe('Cart');
    expect(entity(result.entities, 'M.new').parent).toBe('M');
    expect(entity(result.entities, 'M.util.deep.helper').parent).toBe('M.util.deep');
    expect(entity(result.entities, 'round').parent).toBeUndefined();
  });

  it('reads LuaDoc/EmmyLua --- blocks and --[[ ]] blocks directly above, not plain -- comments', () => {
    const { entities } = result;
    expect(entity(entities, 'M.new').docstring).toBe(
      'Creates an empty cart.\n@param currency string|nil the ISO code\n@return Cart',
    );
    // `---` opens the block; the `--` line after it continues it.
    expect(entity(entities, 'Cart.add').docstring).toBe(
      'Adds `quantity` of `it`.\nRaises when the cart is full.',
    );
    expect(entity(entities, 'Cart.total').docstring).toBeUndefined();
    expect(entity(entities, 'Cart.to_json').docstring).toBe('Serialises the cart for the session store.');
    expect(entity(entities, 'M.format').docstring).toBe('Formats a total for display.');
    expect(entity(entities, 'M.handlers.checkout').docstring).toBe('Called on checkout.');
    expect(entity(entities, 'MAX_ITEMS').docstring).toBe('Maximum number of lines in one cart.');
    expect(entity(entities, 'round').docstring).toBeUndefined();
  });

  it('builds signatures from the statement that names the function', () => {
    const { entities } = result;
    expect(entity(entities, 'M.new').signature).toBe('function M.new(currency)');
    expect(entity(entities, 'Cart.add').signature).toBe('function Cart:add(it, quantity)');
    expect(entity(entities, 'round').signature).toBe('local function round(value)');
    expect(entity(entities, 'M.format').signature).toBe('M.format = function(total)');
    expect(entity(entities, 'log').signature).toBe('local log = function(...)');
    expect(entity(entities, 'M.handlers.checkout').signature).toBe('checkout = function(cart)');
    expect(entity(entities, 'M.handlers.cancel').signature).toBe('cancel = function() end');
    expect(entity(entities, 'MAX_ITEMS').signature).toBe('local MAX_ITEMS <const> = 100');
    expect(entity(entities, 'log').sourceCode).toBe('local log = function(...)\n  print(...)\nend');
  });

  it('makes code chunks of requires, module tables and top-level statements, and covers every line', () => {
    const { entities } = result;
    // The requires come with `local M = {}`: the chunk is named after M.
    expect(codeChunks(entities, 'src/shop/cart.lua')).toEqual([
      'M 1-7',
      'registry 12-17',
      'M 66-72',
      'M 78-78',
    ]);
    const handlers = entities.find((e) => e.filePath === 'src/shop/cart.lua' && e.lineNumber === 66)!;
    expect(handlers.outline).toBe(
      'M.handlers = {\n  --- Called on checkout.\n  checkout = function(cart)\n    …\n  end,\n  cancel = function() end,\n}',
    );
    // The shebang, the require and the script's statements.
    expect(codeChunks(entities, 'src/main.lua')).toEqual(['c 1-7']);
    for (const file of result.files) {
      const source = fixtureLines('lua', file.filePath).join('\n');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('lua bad input', () => {
  it('finds the definitions before and after a syntax error, and names its line', () => {
    const source = [
      'local M = {}',
      '',
      'function M.before() return 1 end',
      '',
      'function M.broken(x',
      '  return x +* 2',
      'end',
      '',
      '--- Still found.',
      'function M.after()',
      '  return 2',
      'end',
      '',
      'return M',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'lua', 'broken.lua');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? [^;]*\b[5-7]\b/);
    const names = parsed.entities
      .filter((e) => e.kind !== 'code')
      .map((e) => `${e.qualifiedName}:${e.lineNumber}`);
    expect(names).toContain('M.before:3');
    expect(names).toContain('M.after:10');
    expect(entity(parsed.entities, 'M.after').docstring).toBe('Still found.');
  });

  it('does not take code inside long strings or block comments for definitions or docs', () => {
    const source = [
      'local TEMPLATE = [[',
      'function fake() end',
      ']]',
      '--[==[',
      'function also_fake() end',
      ']==]',
      'local function real() end',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'lua', 'strings.lua');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'strings.lua')).toEqual(['constant TEMPLATE 1-3', 'function real 7-7']);
    // The block comment right above is its doc, as a `--[[ ]]` block.
    expect(entity(parsed.entities, 'real').docstring).toBe('function also_fake() end');
    expect(entity(parsed.entities, 'TEMPLATE').signature).toBe('local TEMPLATE');
  });

  it('parses a generated file of 4,000 functions within the default limits, and skips one over 1 MiB', async () => {
    const functions = Array.from(
      { length: 4000 },
      (_, i) => `--- Doc ${i}.\nfunction M.f${i}(a)\n  return a + ${i}\nend\n`,
    );
    const big = `local M = {}\n\n${functions.join('\n')}\nreturn M\n`;
    expect(Buffer.byteLength(big)).toBeLessThan(1024 * 1024);
    const huge = Array.from(
      { length: 30_000 },
      (_, i) => `local function generated_function_${i}() return ${i} end\n`,
    ).join('');
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1024 * 1024);
    const root = await tempDir();
    await writeTree(root, { 'generated.lua': big, 'huge.lua': huge });
    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['huge.lua', expect.stringMatching(/^too large \(1\.\d MiB, limit 1\.0 MiB\)$/)],
    ]);
    const found = parsed.entities.filter((e) => e.kind === 'function');
    expect(found).toHaveLength(4000);
    // Line 3 + 5 per function: doc, function, return, end, blank.
    expect(found[3999]).toMatchObject({
      qualifiedName: 'M.f3999',
      lineNumber: 4 + 3999 * 5,
      docstring: 'Doc 3999.',
    });
    expect(uncoveredLines(big, parsed.entities)).toEqual([]);
  });
});

// Penlight 1.13.1 as Debian ships it (lua-penlight, bookworm): usr/share/lua/5.1/pl.
describe('lua real code: penlight', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('lua-penlight');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 120_000);

  it('parses every file without errors, with the pinned counts', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([]);
    expect(parsed.files).toHaveLength(39);
    const byKind: Record<string, number> = {};
    for (const e of parsed.entities) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    // Counted on the pinned version and checked with grep (115 `function T:m`, 573 `function f`
    // declarations, 80 `= function(` less two in comments and the computed `Date[c] = …`);
    // pl/List.lua checked entity by entity.
    expect(byKind).toEqual({ function: 650, method: 115, constant: 20, code: 218 });
  });

  it('finds exact entities, checked against the source', () => {
    const list = parsed.entities.filter((e) => e.filePath === 'pl/List.lua');
    expect(entity(list, 'List.append')).toMatchObject({
      kind: 'method',
      lineNumber: 91,
      endLine: 94,
      signature: 'function List:append(i)',
      docstring: 'Add an item to the end of the list.\n@param i An item\n@return the list',
    });
    expect(entity(list, 'List.range')).toMatchObject({
      kind: 'function',
      lineNumber: 261,
      signature: 'function List.range(start,finish,incr)',
    });
    expect(entity(list, 'List.range').docstring!.split('\n')[0]).toBe("Emulate Python's range(x) function.");
    expect(entity(list, 'makelist')).toMatchObject({
      kind: 'function',
      lineNumber: 41,
      signature: 'local function makelist (t,obj)',
    });
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
