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
      ['src/store.ts', 'typescript', []],
    ]);
  });

  it('extracts abstract classes, class expressions, field arrows, generators and nested functions', () => {
    expect(outline(result.entities, 'src/store.ts')).toEqual([
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
    expect(entity(entities, 'add').signature).toBe('add = (a: number, b: number): number =>');
    expect(entity(entities, 'double').signature).toBe('double = function (x: number)');
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
    // From the start of the declaration's line: `export const` is kept.
    expect(entity(entities, 'add').sourceCode).toBe(
      'export const add = (a: number, b: number): number => a + b',
    );
  });
});
