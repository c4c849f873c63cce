import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('typescript');
});

describe('typescript fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/http.ts', 'typescript', []],
      ['src/shapes.ts', 'typescript', []],
      ['src/store.ts', 'typescript', []],
    ]);
  });

  it('extracts abstract classes, class expressions, field arrows, generators and nested functions', () => {
    expect(outline(result.entities, 'src/store.ts')).toEqual([
      'interface Entity 4-6',
      'class Repository 13-23',
      'method Repository.load 17-17',
      'method Repository.save 20-22',
      'class MemoryRepository 26-51',
      'class MemoryRepository.Snapshot 27-32',
      'method MemoryRepository.Snapshot.toJSON 29-31',
      'method MemoryRepository.onChange 38-40',
      'method MemoryRepository.load 44-46',
      'method MemoryRepository.keys 48-50',
      'function createStore 55-64',
      'function createStore.seed 59-61',
    ]);
    expect(outline(result.entities, 'src/http.ts')).toEqual([
      'function getJson 5-8',
      'function add 11-11',
      'function double 13-15',
      'class HttpClient 17-25',
      'method HttpClient.constructor 18-18',
      'method HttpClient.get 21-24',
      'function HttpClient.get.join 22-22',
      'class ApiService 28-33',
      // Line 32, not the decorator's line 31.
      'method ApiService.retry 32-32',
      'function idGenerator 35-38',
    ]);
  });

  it('attaches JSDoc, including above `export`, and nothing else', () => {
    const { entities } = result;
    expect(entity(entities, 'Repository').docstring).toBe(
      'Base class of every repository.\n\n@typeParam T - the stored entity',
    );
    expect(entity(entities, 'Repository.load').docstring).toBe('Loads one entity from the backing store.');
    expect(entity(entities, 'Repository.save').docstring).toBe('Saves an entity.');
    expect(entity(entities, 'MemoryRepository').docstring).toBeUndefined(); // `//` comment
    expect(entity(entities, 'MemoryRepository.Snapshot.toJSON').docstring).toBe('Serialises the snapshot.');
    expect(entity(entities, 'MemoryRepository.onChange').docstring).toBe('Called when an item changes.');
    expect(entity(entities, 'MemoryRepository.load').docstring).toBeUndefined();
    expect(entity(entities, 'createStore').docstring).toBeUndefined(); // separated by a blank line
    expect(entity(entities, 'getJson').docstring).toBe('Fetches JSON.\n@param url - where from');
    expect(entity(entities, 'add').docstring).toBe('Adds two numbers.');
    expect(entity(entities, 'HttpClient.get').docstring).toBe('GET a path under the base URL.');
    expect(entity(entities, 'double').docstring).toBeUndefined();
  });

  it('collects decorators on methods, fields and exported classes', () => {
    const { entities } = result;
    expect(entity(entities, 'MemoryRepository.load').decorators).toEqual(['@memoize()', '@trace']);
    expect(entity(entities, 'ApiService.retry').decorators).toEqual(['@Output()']);
    expect(entity(entities, 'ApiService').decorators).toEqual(["@Injectable({ providedIn: 'root' })"]);
    expect(entity(entities, 'HttpClient').decorators).toBeUndefined();
  });

  it('builds signatures up to the body', () => {
    const { entities } = result;
    expect(entity(entities, 'Repository').signature).toBe('abstract class Repository<T extends Entity>');
    expect(entity(entities, 'Repository.load').signature).toBe(
      'abstract load(id: string): Promise<T | undefined>',
    );
    expect(entity(entities, 'MemoryRepository').signature).toBe(
      'class MemoryRepository<T extends Entity> extends Repository<T>',
    );
    expect(entity(entities, 'MemoryRepository.keys').signature).toBe('*keys(): Generator<string>');
    expect(entity(entities, 'MemoryRepository.load').signature).toBe(
      'async load(id: string): Promise<T | undefined>',
    );
    expect(entity(entities, 'createStore').signature).toBe(
      'function createStore<T extends Entity>( initial: readonly T[] = [], ): MemoryRepository<T>',
    );
    expect(entity(entities, 'getJson').signature).toBe('async function getJson<T>(url: string): Promise<T>');
    // From the `const` keyword, without `export`.
    expect(entity(entities, 'add').signature).toBe('const add = (a: number, b: number): number =>');
    expect(entity(entities, 'double').signature).toBe('const double = function (x: number)');
    expect(entity(entities, 'HttpClient.get').signature).toBe(
      'public async get<T>(path: string): Promise<T>',
    );
    expect(entity(entities, 'idGenerator').signature).toBe('function* idGenerator(): Generator<number>');
  });

  it('records parents and source code', () => {
    const { entities } = result;
    expect(entity(entities, 'MemoryRepository.Snapshot.toJSON').parent).toBe('MemoryRepository.Snapshot');
    expect(entity(entities, 'HttpClient.get.join').parent).toBe('HttpClient.get');
    expect(entity(entities, 'HttpClient.get.join').kind).toBe('function');
    expect(entity(entities, 'add').parent).toBeUndefined();
    expect(entity(entities, 'Repository.save').sourceCode).toBe(
      'save(item: T): void {\n  this.items.set(item.id, item);\n}',
    );
    // From the start of the declaration statement: `export const` is kept.
    expect(entity(entities, 'add').sourceCode).toBe(
      'export const add = (a: number, b: number): number => a + b',
    );
  });

  it('takes source code from the declaration, keeping `export` but not a decorator on its line', () => {
    const { entities } = result;
    expect(entity(entities, 'getJson').sourceCode.split('\n')[0]).toBe(
      'export async function getJson<T>(url: string): Promise<T> {',
    );
    expect(entity(entities, 'double').sourceCode).toBe(
      'const double = function (x: number) {\n  return x * 2;\n}',
    );
    expect(entity(entities, 'HttpClient').sourceCode.split('\n')[0]).toBe(
      'export default class HttpClient {',
    );
    expect(entity(entities, 'ApiService').sourceCode.split('\n')[0]).toBe('export class ApiService {');
  });
});

describe('interfaces and object literals (src/shapes.ts)', () => {
  it('extracts interfaces as classes with their method signatures as methods', () => {
    expect(outline(result.entities, 'src/shapes.ts')).toEqual([
      'interface Named 1-3',
      'interface Drawable 6-15',
      'method Drawable.draw 8-8',
      'method Drawable.resize 11-13',
      // `move` is in an object type, not an interface: not extracted.
      'type Point 17-17',
      'constant routes 20-26',
      'function routes.home 22-24',
      'function routes.about 25-25',
      'function first 28-28',
      'function second 29-29',
      'interface Plugin 31-33',
      'method Plugin.setup 32-32',
    ]);
  });

  it('documents interfaces and their methods', () => {
    const { entities } = result;
    expect(entity(entities, 'Named').docstring).toBeUndefined();
    expect(entity(entities, 'Drawable').docstring).toBe('Something that can be drawn.');
    expect(entity(entities, 'Drawable.draw').docstring).toBe('Draws onto the canvas.');
    expect(entity(entities, 'Drawable.resize').docstring).toBeUndefined(); // a `//` comment
    expect(entity(entities, 'Entity').docstring).toBe('Something that can be saved.');
    expect(entity(entities, 'routes.home').docstring).toBe('The home page.');
  });

  it('builds their signatures, parents and source', () => {
    const { entities } = result;
    expect(entity(entities, 'Drawable').signature).toBe('interface Drawable<T> extends Named');
    expect(entity(entities, 'Drawable.draw').signature).toBe('draw(canvas: T): void');
    expect(entity(entities, 'Drawable.resize').signature).toBe('resize?( factor: number, ): boolean');
    expect(entity(entities, 'Drawable.resize').parent).toBe('Drawable');
    expect(entity(entities, 'Drawable.resize').sourceCode).toBe('resize?(\n  factor: number,\n): boolean');
    expect(entity(entities, 'Plugin').signature).toBe('interface Plugin');
    expect(entity(entities, 'Plugin').sourceCode).toBe(
      'export default interface Plugin {\n  setup(): void;\n}',
    );
    expect(entity(entities, 'Plugin.setup').signature).toBe('setup(): void');
  });

  it('qualifies the functions of an object literal (even `as const`) by its variable', () => {
    const { entities } = result;
    const home = entity(entities, 'routes.home');
    expect([home.name, home.parent, home.kind]).toEqual(['home', 'routes', 'function']);
    expect(entity(entities, 'routes.about').signature).toBe('about: async (): Promise<string> =>');
  });

  it('gives every declarator of a statement its keyword', () => {
    const { entities } = result;
    expect(entity(entities, 'first').signature).toBe('const first = () =>');
    expect(entity(entities, 'second').signature).toBe('const second = (x: number) =>');
    expect(entity(entities, 'first').sourceCode).toBe('export const first = () => 1');
    expect(entity(entities, 'second').sourceCode).toBe('second = (x: number) => x * 2');
  });
});
