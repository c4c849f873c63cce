import { MAX_K } from '@codesearch/store';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collectLanguages,
  collectStrings,
  MAX_RESULTS,
  parseResultCount,
  parseSize,
} from '../src/options.js';
import { byteProgress } from '../src/progress.js';

describe('option parsers', () => {
  it('reads sizes with binary units', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('500k')).toBe(500 * 1024);
    expect(parseSize('2m')).toBe(2 * 1024 * 1024);
    expect(parseSize('1.5MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseSize('0')).toBe(0);
    expect(() => parseSize('lots')).toThrow(InvalidArgumentError);
  });

  it('collects languages across repeated and comma-separated flags, with aliases, once each', () => {
    expect(collectLanguages('py,ts', collectLanguages('go'))).toEqual(['go', 'python', 'typescript']);
    expect(collectLanguages('python', ['python'])).toEqual(['python']);
    expect(() => collectLanguages('cobol')).toThrow(
      /unknown language 'cobol' \(supported: python, typescript/,
    );
  });

  it('checks -k against the store limit when the arguments are parsed', () => {
    expect(MAX_RESULTS).toBe(MAX_K);
    expect(parseResultCount('1')).toBe(1);
    expect(parseResultCount(String(MAX_K))).toBe(MAX_K);
    for (const bad of ['0', '-3', '2.5', String(MAX_K + 1), 'ten']) {
      expect(() => parseResultCount(bad)).toThrow(`not a whole number from 1 to ${MAX_K}: '${bad}'`);
    }
  });

  it('collects repeated strings in order', () => {
    expect(collectStrings('b', collectStrings('a'))).toEqual(['a', 'b']);
  });
});

describe('byte progress without a terminal', () => {
  it('prints a line per tenth, and starts over for each file', () => {
    const lines: string[] = [];
    const progress = byteProgress({ out: () => {}, error: (line) => lines.push(line), isTTY: false });
    const mb = 1024 * 1024;
    for (let received = 0; received <= 20 * mb; received += mb) progress.update('a.whl', received, 20 * mb);
    progress.update('b.whl', 5 * mb, 10 * mb);
    progress.stop();
    expect(lines.filter((line) => line.startsWith('a.whl'))).toHaveLength(11);
    expect(lines[0]).toBe('a.whl: 0.0/20.0 MB');
    expect(lines.at(-2)).toBe('a.whl: 20.0/20.0 MB');
    expect(lines.at(-1)).toBe('b.whl: 5.0/10.0 MB');
  });
});
