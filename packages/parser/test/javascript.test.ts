import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
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
    expect(entity(entities, 'legacy').signature).toBe('legacy = function legacyName(a, b)');
    expect(entity(entities, 'Root').signature).toBe('function Root({ title })');
    expect(entity(entities, 'Timer.start').parent).toBe('Timer');
    expect(entity(entities, 'createEmitter.on').parent).toBe('createEmitter');
    expect(entity(entities, 'Queue.push').kind).toBe('method');
  });
});
