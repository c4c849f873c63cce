import { describe, expect, it } from 'vitest';
import { parseSource } from '../src/index.js';

function unit(source: string, language: Parameters<typeof parseSource>[1], name: string) {
  const found = parseSource(source, language, `file.${language}`).entities.find(
    (entity) => entity.qualifiedName === name,
  );
  if (!found) throw new Error(`no unit ${name}`);
  return found;
}

describe('class outlines', () => {
  it('python: a class with 3 methods keeps its docstring, fields, decorators and signatures', () => {
    const source = [
      'import json',
      '',
      '',
      '@dataclass',
      'class Cart:',
      '    """A shopping cart."""',
      '',
      '    currency = "EUR"',
      '',
      '    def add(self, item):',
      '        """Add an item."""',
      '        self.items.append(item)',
      '',
      '    @property',
      '    def total(self) -> int:',
      '        return sum(item.price for item in self.items)',
      '',
      '    def dump(self):',
      '        def encode(value):',
      '            return str(value)',
      '        return json.dumps(self.items, default=encode)',
      '',
    ].join('\n');
    const cart = unit(source, 'python', 'Cart');
    expect(cart.kind).toBe('class');
    expect(cart.outline).toBe(
      [
        '@dataclass',
        'class Cart:',
        '    """A shopping cart."""',
        '',
        '    currency = "EUR"',
        '',
        '    def add(self, item):',
        '        ...',
        '',
        '    @property',
        '    def total(self) -> int:',
        '        ...',
        '',
        '    def dump(self):',
        '        ...',
      ].join('\n'),
    );
    // The methods themselves are unchanged units.
    expect(unit(source, 'python', 'Cart.add').sourceCode).toContain('self.items.append(item)');
  });

  it('typescript: doc comment, fields and member signatures; bodies become { … }', () => {
    const source = [
      '/** Keeps sessions. */',
      'export class Store<T> {',
      '  private items = new Map<string, T>();',
      '',
      '  get(key: string): T | undefined {',
      '    return this.items.get(key);',
      '  }',
      '',
      '  set(key: string, value: T): void {',
      '    this.items.set(key, value);',
      '  }',
      '',
      '  clear = () => {',
      '    this.items.clear();',
      '  };',
      '}',
      '',
    ].join('\n');
    expect(unit(source, 'typescript', 'Store').outline).toBe(
      [
        '/** Keeps sessions. */',
        'export class Store<T> {',
        '  private items = new Map<string, T>();',
        '',
        '  get(key: string): T | undefined { … }',
        '',
        '  set(key: string, value: T): void { … }',
        '',
        '  clear = () => { … };',
        '}',
      ].join('\n'),
    );
  });

  it('java: a nested class keeps its header; every method body is elided', () => {
    const source = [
      'class Outer {',
      '    int count;',
      '    class Inner {',
      '        void run() {',
      '            count++;',
      '        }',
      '    }',
      '    Outer() {',
      '        count = 0;',
      '    }',
      '}',
      '',
    ].join('\n');
    expect(unit(source, 'java', 'Outer').outline).toBe(
      [
        'class Outer {',
        '    int count;',
        '    class Inner {',
        '        void run() { … }',
        '    }',
        '    Outer() { … }',
        '}',
      ].join('\n'),
    );
  });

  it('is cut at a member boundary, with a marker, when longer than 4,000 characters', () => {
    const methods = Array.from(
      { length: 200 },
      (_, i) => `    def method_${i}(self):\n        return ${i}\n`,
    );
    const source = `class Big:\n${methods.join('')}`;
    const outline = unit(source, 'python', 'Big').outline!;
    const lines = outline.split('\n');
    const marker = lines.pop()!;
    expect(lines.join('\n').length).toBeLessThanOrEqual(4000);
    // The kept part ends with a whole member: its signature and its elided body.
    expect(lines.at(-1)).toBe('        ...');
    expect(lines.at(-2)).toMatch(/^ {4}def method_\d+\(self\):$/);
    // The whole outline has the class line and two lines per method.
    const total = 1 + 200 * 2;
    expect(marker).toBe(`… (outline cut: ${total - lines.length} more lines)`);
  });

  it('functions have no outline; code chunks holding definitions have one without their bodies', () => {
    const source = 'if True:\n    def f():\n        return 1\n    print(f())\n';
    const entities = parseSource(source, 'python', 'main.py').entities;
    expect(entities.find((entity) => entity.kind === 'function')!.outline).toBeUndefined();
    const chunk = entities.find((entity) => entity.kind === 'code')!;
    expect([chunk.lineNumber, chunk.endLine]).toEqual([1, 4]);
    expect(chunk.sourceCode).toBe('if True:\n    def f():\n        return 1\n    print(f())');
    expect(chunk.outline).toBe('if True:\n    def f():\n        ...\n    print(f())');
  });
});
