import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('rust');
});

describe('rust fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/lib.rs', 'rust', []],
      ['src/shapes.rs', 'rust', []],
    ]);
  });

  it('extracts structs, enums, unions, traits and impl methods named after the type', () => {
    expect(outline(result.entities, 'src/lib.rs')).toEqual([
      'struct Point 9-12',
      'method Point.origin 16-18',
      'method Point.distance 25-30',
      'function Point.distance.square 26-28',
      'method Point.fmt 34-36',
      'function unattached 41-41',
      'function load 44-46',
      'enum Direction 49-52',
      'method Direction.flip 55-60',
      'module tests 64-71',
      'function tests.origin_is_zero 68-70',
    ]);
    expect(outline(result.entities, 'src/shapes.rs')).toEqual([
      'trait Shape 4-12',
      'method Shape.area 6-6',
      'method Shape.name 9-11',
      'struct Circle 15-18',
      'method Circle.area 21-23',
      'struct Wrapper 26-26',
      'method Wrapper.area 29-31',
      'struct Bits 34-37',
      'function größe 39-41',
      // `impl Shape for &'a Circle`, `impl dyn Shape`, `impl From<f64> for crate::shapes::Circle`
      'method Circle.area 44-46',
      'method Shape.describe 50-52',
      'method Circle.from 56-58',
    ]);
  });

  it('reads /// and /** */ docs directly above, stepping over attributes', () => {
    const { entities } = result;
    expect(entity(entities, 'Point').docstring).toBe('A point in the plane.');
    expect(entity(entities, 'Point.origin').docstring).toBe('The origin.');
    expect(entity(entities, 'Point.distance').docstring).toBe(
      'Distance to another point.\n\nUses the Euclidean metric.',
    );
    expect(entity(entities, 'Point.fmt').docstring).toBeUndefined();
    expect(entity(entities, 'unattached').docstring).toBeUndefined(); // blank line in between
    expect(entity(entities, 'load').docstring).toBeUndefined(); // `//` is not a doc comment
    expect(entity(entities, 'Direction').docstring).toBe('Block doc comment.');
    expect(entity(entities, 'Shape.area').docstring).toBe('The area, in square units.');
    expect(entity(entities, 'Shape.name').docstring).toBe('A name for display; defaults to "shape".');
    expect(entity(entities, 'Circle').docstring).toBe(
      'A circle — the doc has a non-ASCII dash and an emoji ⭕.',
    );
  });

  it('records attributes as decorators', () => {
    const { entities } = result;
    expect(entity(entities, 'Point').decorators).toEqual(['#[derive(Debug, Clone, Copy, PartialEq)]']);
    expect(entity(entities, 'Point.distance').decorators).toEqual(['#[inline]', '#[must_use]']);
    expect(entity(entities, 'tests.origin_is_zero').decorators).toEqual(['#[test]']);
    expect(entity(entities, 'Point.origin').decorators).toBeUndefined();
  });

  it('builds signatures and records parents', () => {
    const { entities } = result;
    expect(entity(entities, 'Point').signature).toBe('pub struct Point');
    expect(entity(entities, 'Point.origin').signature).toBe('pub const fn origin() -> Self');
    expect(entity(entities, 'Point.fmt').signature).toBe(
      "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result",
    );
    expect(entity(entities, 'load').signature).toBe(
      'pub async fn load(path: &str) -> std::io::Result<String>',
    );
    expect(entity(entities, 'Shape').signature).toBe('pub trait Shape');
    expect(entity(entities, 'Shape.area').signature).toBe('fn area(&self) -> f64');
    expect(entity(entities, 'Wrapper').signature).toBe('pub struct Wrapper<T>');
    expect(entity(entities, 'Point.fmt').parent).toBe('Point');
    expect(entity(entities, 'Wrapper.area').parent).toBe('Wrapper');
    expect(entity(entities, 'Point.distance.square').parent).toBe('Point.distance');
    expect(entity(entities, 'tests.origin_is_zero').parent).toBe('tests');
    expect(entity(entities, 'Point.distance').sourceCode.split('\n')[0]).toBe(
      'pub fn distance(&self, other: &Point) -> f64 {',
    );
  });
});
