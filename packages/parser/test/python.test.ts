import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('python');
});

describe('python fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => file.filePath)).toEqual([
      'shop/__init__.py',
      'shop/config.py',
      'shop/models.py',
      'shop/utils.py',
    ]);
    for (const file of result.files) expect(file.warnings).toEqual([]);
    expect(new Set(result.entities.map((e) => e.language))).toEqual(new Set(['python']));
  });

  it('extracts classes, nested classes, methods and nested functions with their lines', () => {
    expect(outline(result.entities, 'shop/__init__.py')).toEqual([]);
    expect(outline(result.entities, 'shop/models.py')).toEqual([
      'class Product 10-27',
      'method Product.euros 20-22',
      'method Product.from_row 26-27',
      'class Inventory 30-68',
      'class Inventory.Entry 32-41',
      'method Inventory.Entry.total 35-36',
      'class Inventory.Entry.Audit 38-41',
      'method Inventory.Entry.Audit.check 39-41',
      'method Inventory.__init__ 43-44',
      'method Inventory.skus 47-49',
      // The trailing comment on line 63 is not part of the method.
      'method Inventory.find 51-62',
      'function Inventory.find.matches 56-57',
      'method Inventory.refresh 65-68',
    ]);
  });

  it('finds definitions inside if/else and try/except blocks, and async and unicode ones', () => {
    expect(outline(result.entities, 'shop/utils.py')).toEqual([
      'function größe 7-9',
      'function plain 12-14',
      'function home_dir 18-19',
      'function home_dir 21-23',
      'function dumps 31-32',
      'function fetch_all 35-45',
      'function fetch_all.one 42-43',
      'function no_decorators 48-49',
      'function flaky 56-57',
    ]);
    expect(outline(result.entities, 'shop/config.py')).toEqual([
      'class Config 6-20',
      'method Config.path 12-13',
      'method Config.path 15-16',
      'method Config.get 18-20',
      'function load 23-33',
      'function load.parse 28-32',
      'class load.parse.Section 29-31',
      'method load.parse.Section.keys 30-31',
    ]);
  });

  it('cleans docstrings like inspect.cleandoc and ignores comments', () => {
    const { entities } = result;
    expect(entity(entities, 'Product').docstring).toBe('A product on sale.\n\nPrices are in cents.');
    expect(entity(entities, 'Product.euros').docstring).toBe('Price in euros.');
    expect(entity(entities, 'Product.from_row').docstring).toBeUndefined();
    // A comment as the first line of the class body is not a docstring.
    expect(entity(entities, 'Inventory').docstring).toBeUndefined();
    expect(entity(entities, 'Inventory.Entry').docstring).toBe('One line of stock.');
    // A raw string keeps its backslashes.
    expect(entity(entities, 'Inventory.Entry.Audit.check').docstring).toBe('Raw docstring with \\n kept.');
    expect(entity(entities, 'plain').docstring).toBeUndefined();
    expect(entity(entities, 'home_dir', 18).docstring).toBeUndefined();
    expect(entity(entities, 'home_dir', 21).docstring).toBe('POSIX home.');
    expect(entity(entities, 'fetch_all').docstring).toBe(
      'Fetch every URL concurrently.\n\nArgs:\n    urls: the URLs.',
    );
    expect(entity(entities, 'flaky').docstring).toBe('Single-quoted docstring.');
    expect(entity(entities, 'load').docstring).toBe('Load a config.\n\nThe blank line above is kept.');
    // `\t` is evaluated, then expanded to the next tab stop as expandtabs() does.
    expect(entity(entities, 'Config.get').docstring).toBe('Plain-quoted docstring  with a tab escape.');
  });

  it('keeps non-ASCII names and docstrings intact', () => {
    const groesse = entity(result.entities, 'größe');
    expect(groesse.name).toBe('größe');
    expect(groesse.docstring).toBe('Größe in Metern 📏 — with emoji 🎉.');
    expect(groesse.signature).toBe('def größe(maß: float) -> float:');
    expect(groesse.sourceCode).toBe(
      'def größe(maß: float) -> float:\n    """Größe in Metern 📏 — with emoji 🎉."""\n    return maß * 1.0',
    );
  });

  it('records decorators without counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, 'Product').decorators).toEqual(['@dataclasses.dataclass(frozen=True)']);
    expect(entity(entities, 'Product.from_row').decorators).toEqual(['@staticmethod', '@functools_cache']);
    expect(entity(entities, 'Inventory.skus').decorators).toEqual(['@cached_property']);
    expect(entity(entities, 'flaky').decorators).toEqual(['@retry(\n    times=3,\n)', '@log']);
    expect(entity(entities, 'no_decorators').decorators).toBeUndefined();
    expect(entity(entities, 'flaky').sourceCode.startsWith('def flaky():')).toBe(true);
  });

  it('builds signatures up to the body, comments left out', () => {
    const { entities } = result;
    expect(entity(entities, 'Inventory.find').signature).toBe(
      'def find( self, sku: str, default=None, ) -> Product | None:',
    );
    expect(entity(entities, 'Inventory.refresh').signature).toBe('async def refresh(self, client):');
    expect(entity(entities, 'Product').signature).toBe('class Product:');
    // The comment on the first body line is not part of the signature.
    expect(entity(entities, 'plain').signature).toBe('def plain():');
  });

  it('ends source code at the last line of code, dedented', () => {
    const find = entity(result.entities, 'Inventory.find');
    expect(find.sourceCode.startsWith('def find(\n    self,')).toBe(true);
    expect(find.sourceCode.endsWith('return default')).toBe(true);
    expect(entity(result.entities, 'Inventory.Entry.Audit.check').sourceCode).toBe(
      'def check(self):\n    r"""Raw docstring with \\n kept."""\n    return True',
    );
  });

  it('records parents and kinds', () => {
    const { entities } = result;
    expect(entity(entities, 'Inventory.Entry.Audit.check').parent).toBe('Inventory.Entry.Audit');
    expect(entity(entities, 'Inventory.find.matches').parent).toBe('Inventory.find');
    expect(entity(entities, 'Inventory.find.matches').kind).toBe('function');
    expect(entity(entities, 'load.parse.Section.keys').kind).toBe('method');
    expect(entity(entities, 'größe').parent).toBeUndefined();
    expect(entity(entities, 'Inventory.refresh').name).toBe('refresh');
  });
});
