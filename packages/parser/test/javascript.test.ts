import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseSource } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('javascript');
});

describe('javascript fixture', () => {
  it('parses .js, .mjs and .jsx files without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['index.jsx', 'javascript', []],
      ['lib/events.mjs', 'javascript', []],
      ['lib/legacy.js', 'javascript', []],
      ['lib/queue.js', 'javascript', []],
    ]);
  });

  it('extracts classes, field arrows, accessors, generators and function expressions', () => {
    expect(outline(result.entities, 'lib/queue.js')).toEqual([
      'class Queue 6-34',
      'method Queue.constructor 10-12',
      'method Queue.push 15-19',
      'method Queue.from 21-25',
      'method Queue.size 27-29',
      'method Queue.drain 31-33',
      'function isQueue 37-39',
    ]);
    expect(outline(result.entities, 'lib/events.mjs')).toEqual([
      'function createEmitter 2-10',
      'function createEmitter.on 5-7',
      'function sleep 13-13',
      'class Timer 15-19',
      'method Timer.start 16-18',
      'function retry 21-27',
      'function legacy 29-31',
    ]);
    expect(outline(result.entities, 'index.jsx')).toEqual(['function Root 4-6']);
  });

  it('attaches JSDoc only from /** */ blocks directly above', () => {
    const { entities } = result;
    expect(entity(entities, 'Queue').docstring).toBe('A FIFO queue with a size limit.');
    expect(entity(entities, 'Queue.constructor').docstring).toBe('@param {number} limit');
    expect(entity(entities, 'Queue.push').docstring).toBe('Adds an item; returns false when full.');
    expect(entity(entities, 'isQueue').docstring).toBeUndefined();
    expect(entity(entities, 'createEmitter').docstring).toBe('Creates an emitter.');
    expect(entity(entities, 'sleep').docstring).toBe('Waits `ms` milliseconds.');
    expect(entity(entities, 'retry').docstring).toBeUndefined();
    expect(entity(entities, 'Root').docstring).toBe('The root component.');
  });

  it('builds signatures and records parents', () => {
    const { entities } = result;
    expect(entity(entities, 'Queue.from').signature).toBe('static from(iterable)');
    expect(entity(entities, 'Queue.size').signature).toBe('get size()');
    expect(entity(entities, 'Queue.drain').signature).toBe('async *drain()');
    expect(entity(entities, 'Queue.push').signature).toBe('push = (item) =>');
    expect(entity(entities, 'retry').signature).toBe('async function retry(fn, attempts = 3)');
    // Variables: from the `var`/`const` keyword, without `export`.
    expect(entity(entities, 'legacy').signature).toBe('var legacy = function legacyName(a, b)');
    expect(entity(entities, 'sleep').signature).toBe('const sleep = (ms) =>');
    expect(entity(entities, 'Timer').signature).toBe('const Timer = class');
    expect(entity(entities, 'Root').signature).toBe('function Root({ title })');
    expect(entity(entities, 'Timer.start').parent).toBe('Timer');
    expect(entity(entities, 'createEmitter.on').parent).toBe('createEmitter');
    expect(entity(entities, 'Queue.push').kind).toBe('method');
  });

  it('takes source code from the declaration (with `export`), not from the start of its line', () => {
    const { entities } = result;
    expect(entity(entities, 'sleep').sourceCode).toBe(
      'export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))',
    );
    expect(entity(entities, 'Timer').sourceCode).toBe(
      'export const Timer = class {\n  start() {\n    this.startedAt = Date.now();\n  }\n}',
    );
    // `run();` before it on the same line is not part of `boot`.
    expect(entity(entities, 'boot').sourceCode).toBe('function boot() { return 1; }');
    // Still dedented by the declaration's own column.
    expect(entity(entities, 'outer.inner').sourceCode).toBe('function inner(a) {\n  return a;\n}');
  });
});

describe('old-style assignments and object literals (lib/legacy.js)', () => {
  it('extracts prototype methods, exports, module-level handlers and named object literals', () => {
    expect(outline(result.entities, 'lib/legacy.js')).toEqual([
      'function Shape 7-10',
      'method Shape.describe 13-15',
      'function create 18-20',
      'function measure 23-23',
      'function handlers.onClick 26-28',
      'constant api 31-41',
      'function api.get 33-35',
      'function api.data 36-36',
      'function api.nested.deep 38-38',
      'method Circle.area 44-46',
      'function setup 49-55',
      'function setup.start 52-52',
      'function boot 57-57',
      'function outer 59-64',
      'function outer.inner 60-62',
    ]);
  });

  it('names and parents them by what they are assigned to', () => {
    const { entities } = result;
    const method = entity(entities, 'Shape.describe');
    expect([method.name, method.parent, method.kind]).toEqual(['describe', 'Shape', 'method']);
    expect(entity(entities, 'create').parent).toBeUndefined();
    expect(entity(entities, 'measure').parent).toBeUndefined();
    const onClick = entity(entities, 'handlers.onClick');
    expect([onClick.name, onClick.parent, onClick.kind]).toEqual(['onClick', 'handlers', 'function']);
    const get = entity(entities, 'api.get');
    expect([get.name, get.parent, get.kind]).toEqual(['get', 'api', 'function']);
    expect(entity(entities, 'api.data').parent).toBe('api');
    expect(entity(entities, 'api.nested.deep').parent).toBe('api.nested');
    expect(entity(entities, 'Circle.area').parent).toBe('Circle');
    // An object literal that is not assigned to a name: the enclosing function is the parent.
    const start = entity(entities, 'setup.start');
    expect([start.name, start.parent, start.kind]).toEqual(['start', 'setup', 'function']);
  });

  it('attaches the JSDoc above the assignment statement', () => {
    const { entities } = result;
    expect(entity(entities, 'Shape').docstring).toBe('A shape with a name.\n@constructor');
    expect(entity(entities, 'Shape.describe').docstring).toBe('Describes the shape.');
    expect(entity(entities, 'create').docstring).toBe('Creates a shape.');
    expect(entity(entities, 'measure').docstring).toBe('Measures a shape.');
    expect(entity(entities, 'handlers.onClick').docstring).toBe('Handles a click.');
    expect(entity(entities, 'api.get').docstring).toBe('Gets a value.');
    expect(entity(entities, 'api.data').docstring).toBeUndefined();
  });

  it('builds signatures and source from the assignment', () => {
    const { entities } = result;
    expect(entity(entities, 'Shape.describe').signature).toBe('Shape.prototype.describe = function (prefix)');
    expect(entity(entities, 'create').signature).toBe('exports.create = function create(name)');
    expect(entity(entities, 'measure').signature).toBe('module.exports.measure = (shape) =>');
    expect(entity(entities, 'handlers.onClick').signature).toBe('handlers.onClick = () =>');
    expect(entity(entities, 'api.get').signature).toBe('get(key)');
    expect(entity(entities, 'api.data').signature).toBe('data: () =>');
    expect(entity(entities, 'api.nested.deep').signature).toBe('deep: function ()');
    expect(entity(entities, 'Shape.describe').sourceCode).toBe(
      'Shape.prototype.describe = function (prefix) {\n  return prefix + this.name;\n}',
    );
    expect(entity(entities, 'measure').sourceCode).toBe(
      'module.exports.measure = (shape) => shape.name.length',
    );
  });
});

describe('source code of a declaration that does not start its line', () => {
  it('keeps tab indentation relative to the declaration', () => {
    const source = 'if (ready) {\n\tstart(); function tick(n) {\n\t\treturn n;\n\t}\n}\n';
    // The `if` around it is a code chunk (lines 1-5); the function is a unit of its own.
    const tick = parseSource(source, 'javascript', 'tick.js').entities.find((e) => e.name === 'tick');
    expect(tick?.sourceCode).toBe('function tick(n) {\n\treturn n;\n}');
    expect([tick?.lineNumber, tick?.endLine]).toEqual([2, 4]);
  });

  it('leaves out the code before it on its line, and dedents the body by the body', () => {
    const source = 'class A { a() {} b() {\n    return 1;\n  }\n}\n';
    const b = parseSource(source, 'javascript', 'a.js').entities.find((e) => e.name === 'b');
    expect(b?.sourceCode).toBe('b() {\n  return 1;\n}');
  });
});
