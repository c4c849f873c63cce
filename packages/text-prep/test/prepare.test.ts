import type { CodeEntity } from '@codesearch/core';
import { TextPrepError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { createTextPreparator, DEFAULT_MAX_CHARS, MAX_WINDOWS, TEXT_FORMAT } from '../src/index.js';

const method: CodeEntity = {
  kind: 'method',
  name: 'parse_file',
  qualifiedName: 'Parser.parse_file',
  filePath: 'src/parser.py',
  lineNumber: 12,
  endLine: 15,
  language: 'python',
  parent: 'Parser',
  signature: 'def parse_file(self, path: str) -> list:',
  docstring: 'Parse one file.',
  decorators: ['@cached'],
  sourceCode: 'def parse_file(self, path: str) -> list:\n    """Parse one file."""\n    return []\n',
};

const klass: CodeEntity = {
  kind: 'class',
  name: 'Parser',
  qualifiedName: 'Parser',
  filePath: 'src/parser.py',
  lineNumber: 3,
  endLine: 15,
  language: 'python',
  signature: 'class Parser:',
  sourceCode: 'class Parser:\n    pass\n',
};

describe('DefaultTextPreparator', () => {
  it('lays out language, kind, qualified name, path, class context, signature, docstring, then code', () => {
    const prepared = createTextPreparator().prepareFunction(method);
    expect(prepared.text).toBe(
      [
        'python method Parser.parse_file',
        'path: src/parser.py',
        'class: Parser',
        'decorators: @cached',
        'signature: def parse_file(self, path: str) -> list:',
        'doc: Parse one file.',
        '',
        'def parse_file(self, path: str) -> list:',
        '    """Parse one file."""',
        '    return []',
      ].join('\n'),
    );
    expect(prepared.truncated).toBe(false);
    expect(prepared.originalLength).toBe(prepared.text.length);
  });

  it('prepares classes without class context lines', () => {
    const prepared = createTextPreparator().prepareClass(klass);
    expect(
      prepared.text.startsWith('python class Parser\npath: src/parser.py\nsignature: class Parser:\n\n'),
    ).toBe(true);
    expect(prepared.text).not.toContain('class: ');
  });

  it('is deterministic', () => {
    const preparator = createTextPreparator();
    expect(preparator.prepareFunction({ ...method })).toEqual(preparator.prepareFunction({ ...method }));
  });

  it('cuts long code at a line boundary within the budget and marks that the unit goes on', () => {
    const body = Array.from({ length: 400 }, (_, i) => `    total += ${i}  # step ${i}`).join('\n');
    const long: CodeEntity = { ...method, sourceCode: `def parse_file(self, path):\n${body}\n` };
    const prepared = createTextPreparator({ maxChars: 1000 }).prepareFunction(long);
    expect(prepared.truncated).toBe(true);
    expect(prepared.text.length).toBeLessThanOrEqual(1000);
    expect(prepared.originalLength).toBeGreaterThan(5000);
    const lines = prepared.text.split('\n');
    expect(lines[lines.length - 1]).toBe('…');
    // Every kept code line is whole.
    for (const line of lines.slice(8, -1)) expect(line).toMatch(/^ {4}total \+= \d+ {2}# step \d+$/);
    expect(prepared.text.startsWith('python method Parser.parse_file\npath: src/parser.py')).toBe(true);
  });

  it('cuts a single enormous line too', () => {
    const prepared = createTextPreparator({ maxChars: 500 }).prepareFunction({
      ...method,
      docstring: undefined,
      sourceCode: `const x = "${'a'.repeat(10_000)}";`,
    });
    expect(prepared.truncated).toBe(true);
    expect(prepared.text.length).toBeLessThanOrEqual(500);
  });

  it('keeps the budget even when the docstring alone exceeds it', () => {
    const prepared = createTextPreparator({ maxChars: 300 }).prepareFunction({
      ...method,
      docstring: 'word '.repeat(500),
    });
    expect(prepared.truncated).toBe(true);
    expect(prepared.text.length).toBeLessThanOrEqual(300);
  });

  it('keeps unicode names and docstrings intact', () => {
    const prepared = createTextPreparator().prepareFunction({
      ...method,
      name: 'größe',
      qualifiedName: 'Maß.größe',
      docstring: 'Berechnet die Größe 📏',
    });
    expect(prepared.text).toContain('python method Maß.größe');
    expect(prepared.text).toContain('doc: Berechnet die Größe 📏');
  });

  it('names the format and the budget in its version (part of the cache identity)', () => {
    expect(createTextPreparator().version).toBe(
      `${TEXT_FORMAT};maxChars=${DEFAULT_MAX_CHARS};maxWindows=${MAX_WINDOWS}`,
    );
    expect(createTextPreparator({ maxChars: 4000 }).version).not.toBe(createTextPreparator().version);
  });

  it('rejects invalid entities with an error naming the entity and the cause', () => {
    const preparator = createTextPreparator();
    expect(() => preparator.prepareFunction(null as unknown as CodeEntity)).toThrow(
      /invalid entity: expected an object, got null/,
    );
    const error = (() => {
      try {
        preparator.prepareFunction({ ...method, sourceCode: '' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(TextPrepError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      '[text-prep] Parser.parse_file at src/parser.py:12: missing sourceCode',
    );
    expect(() => preparator.prepareClass(method)).toThrow(/a method given to prepareClass/);
    expect(() => preparator.prepareFunction(klass)).toThrow(/a class given to prepareFunction/);
  });

  it('rejects a budget too small to hold anything', () => {
    expect(() => createTextPreparator({ maxChars: 10 })).toThrow(/at least 200/);
  });

  it('dispatches on kind with prepareEntity', () => {
    const preparator = createTextPreparator();
    expect(preparator.prepareEntity(klass).text).toBe(preparator.prepareClass(klass).text);
    expect(preparator.prepareEntity(method).text).toBe(preparator.prepareFunction(method).text);
  });
});
