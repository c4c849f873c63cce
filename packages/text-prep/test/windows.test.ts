import {
  CLASS_LIKE_KINDS,
  type CodeEntity,
  ENTITY_KINDS,
  FUNCTION_KINDS,
  type PreparedWindow,
  TextPrepError,
} from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { createTextPreparator, DEFAULT_MAX_CHARS, MAX_WINDOWS, TEXT_FORMAT } from '../src/index.js';
import { longFunctionEntity } from './long-function.js';

const preparator = createTextPreparator();

/** The code part of a window: after the header's blank line, without the continuation mark. */
function codeOf(window: PreparedWindow): string {
  const code = window.text.slice(window.text.indexOf('\n\n') + 2);
  return code.endsWith('\n…') ? code.slice(0, -2) : code;
}

/** The source lines `from`–`to` (file lines) of an entity. */
function fileLines(entity: CodeEntity, from: number, to: number): string {
  return entity.sourceCode
    .split('\n')
    .slice(from - entity.lineNumber, to - entity.lineNumber + 1)
    .join('\n');
}

function expectCovered(windows: PreparedWindow[], first: number, last: number) {
  const covered = new Set<number>();
  for (const window of windows)
    for (let line = window.startLine; line <= window.endLine; line++) covered.add(line);
  const missing = [];
  for (let line = first; line <= last; line++) if (!covered.has(line)) missing.push(line);
  expect(missing).toEqual([]);
}

describe('prepareWindows on a 600-line function (room for every window)', () => {
  const entity = longFunctionEntity(600);
  const roomy = createTextPreparator({ maxWindows: 64 });
  const windows = roomy.prepareWindows(entity);

  it('has a 600-line source (the fixture is what it claims)', () => {
    expect(entity.sourceCode.trimEnd().split('\n')).toHaveLength(600);
    expect(entity.endLine - entity.lineNumber + 1).toBe(600);
  });

  it('cuts it into several windows, each within the budget', () => {
    expect(windows.length).toBeGreaterThan(10);
    expect(windows.length).toBeLessThanOrEqual(64);
    for (const window of windows) {
      expect(window.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
      expect(window.truncated).toBe(true);
      expect(window.originalLength).toBeGreaterThan(20_000);
    }
  });

  it('window 0 is exactly the text prepareFunction and prepareEntity give', () => {
    expect(windows[0]!.text).toBe(preparator.prepareFunction(entity).text);
    expect(windows[0]!.text).toBe(preparator.prepareEntity(entity).text);
    expect(
      windows[0]!.text.startsWith(
        [
          'python function build_quarterly_report',
          'path: reports/quarterly.py',
          'signature: def build_quarterly_report(rows, options, log):',
          'doc: Build the quarterly sales report from exported rows.',
          '',
          'def build_quarterly_report(rows, options, log):',
        ].join('\n'),
      ),
    ).toBe(true);
    expect(windows[0]!.startLine).toBe(40);
  });

  it('later windows carry the short header: kind and name, path, signature (no doc)', () => {
    for (const window of windows.slice(1)) {
      expect(
        window.text.startsWith(
          'python function build_quarterly_report\npath: reports/quarterly.py\nsignature: def build_quarterly_report(rows, options, log):\n\n',
        ),
      ).toBe(true);
      expect(window.text).not.toContain('doc: ');
    }
  });

  it('each window holds exactly the file lines startLine–endLine, whole', () => {
    for (const window of windows) {
      expect(codeOf(window)).toBe(fileLines(entity, window.startLine, window.endLine));
    }
  });

  it('windows overlap by a few lines and together cover every line, the last one included', () => {
    for (let index = 1; index < windows.length; index++) {
      const previous = windows[index - 1]!;
      const current = windows[index]!;
      expect(current.startLine).toBeGreaterThan(previous.startLine);
      expect(current.startLine).toBeLessThanOrEqual(previous.endLine); // at least one shared line
      expect(previous.endLine - current.startLine + 1).toBeLessThanOrEqual(
        Math.ceil((previous.endLine - previous.startLine + 1) / 2),
      );
    }
    expectCovered(windows, entity.lineNumber, entity.endLine);
    expect(windows.at(-1)!.endLine).toBe(entity.endLine);
    expect(windows.at(-1)!.text.endsWith('    return totals')).toBe(true);
    // Every window but the last says the unit goes on.
    for (const window of windows.slice(0, -1)) expect(window.text.endsWith('\n…')).toBe(true);
  });

  it('is deterministic', () => {
    expect(roomy.prepareWindows({ ...entity })).toEqual(windows);
  });
});

describe('prepareWindows: the default cap', () => {
  it(`embeds a 600-line function as ${MAX_WINDOWS} windows: its first lines, its last lines and between`, () => {
    const entity = longFunctionEntity(600);
    const windows = preparator.prepareWindows(entity);
    expect(windows).toHaveLength(MAX_WINDOWS);
    expect(windows[0]!.startLine).toBe(entity.lineNumber);
    expect(windows.at(-1)!.endLine).toBe(entity.endLine);
    const starts = windows.map((window) => window.startLine);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(starts[1]! - starts[0]!).toBeGreaterThan(100);
  });

  it('refuses a cap below 2', () => {
    expect(() => createTextPreparator({ maxWindows: 1 })).toThrow(
      'maxWindows must be an integer of at least 2',
    );
  });
});

describe('prepareWindows: limits', () => {
  it('a unit that fits is one window, its text the prepared text and its lines the unit', () => {
    const entity = longFunctionEntity(8, 3);
    const windows = preparator.prepareWindows(entity);
    expect(windows).toEqual([
      {
        text: preparator.prepareFunction(entity).text,
        truncated: false,
        originalLength: preparator.prepareFunction(entity).text.length,
        startLine: 3,
        endLine: 10,
      },
    ]);
  });

  it(`caps a 10,000-line unit at ${MAX_WINDOWS} windows spread over it, first and last lines included`, () => {
    const entity = longFunctionEntity(10_000);
    const windows = preparator.prepareWindows(entity);
    expect(windows).toHaveLength(MAX_WINDOWS);
    expect(windows[0]!.startLine).toBe(entity.lineNumber);
    expect(windows.at(-1)!.endLine).toBe(entity.endLine);
    for (const window of windows) {
      expect(window.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
      expect(codeOf(window)).toBe(fileLines(entity, window.startLine, window.endLine));
    }
    const starts = windows.map((window) => window.startLine);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(new Set(starts).size).toBe(MAX_WINDOWS);
  });

  it('cuts one enormous line inside it; the windows together hold all of it', () => {
    const line = `const table = [${Array.from({ length: 900 }, (_, i) => `"cell-${i}"`).join(', ')}];`;
    const entity: CodeEntity = {
      kind: 'variable',
      name: 'table',
      qualifiedName: 'table',
      filePath: 'src/table.ts',
      lineNumber: 7,
      endLine: 7,
      language: 'typescript',
      sourceCode: line,
    };
    const windows = createTextPreparator({ maxWindows: 64 }).prepareWindows(entity);
    expect(windows.length).toBeGreaterThan(5);
    for (const window of windows) {
      expect(window.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
      expect([window.startLine, window.endLine]).toEqual([7, 7]);
    }
    expect(windows.map(codeOf).join('')).toBe(line);
  });

  it('a docstring longer than the budget is cut in window 0, and every window keeps room for code', () => {
    const entity = { ...longFunctionEntity(60), docstring: 'Explains the report. '.repeat(200) };
    const windows = createTextPreparator({ maxWindows: 64 }).prepareWindows(entity);
    for (const window of windows) expect(window.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
    // The header takes at most half of window 0; the rest is code.
    expect(codeOf(windows[0]!).length).toBeGreaterThan(DEFAULT_MAX_CHARS / 3);
    expect(windows[0]!.text).toContain('doc: Explains the report.');
    expectCovered(windows, entity.lineNumber, entity.endLine);
  });

  it('respects a smaller maxChars and names it in the version', () => {
    const small = createTextPreparator({ maxChars: 300 });
    const windows = small.prepareWindows(longFunctionEntity(100));
    for (const window of windows) expect(window.text.length).toBeLessThanOrEqual(300);
    expect(small.version).toBe(`${TEXT_FORMAT};maxChars=300;maxWindows=${MAX_WINDOWS}`);
    expect(TEXT_FORMAT).toBe('codesearch-text/2');
  });
});

describe('kinds', () => {
  const base = longFunctionEntity(5, 1);
  const ofKind = (kind: CodeEntity['kind']): CodeEntity => ({
    ...base,
    kind,
    name: `a_${kind}`,
    qualifiedName: `a_${kind}`,
  });

  it('prepareFunction takes functions and methods and refuses every other kind', () => {
    for (const kind of ENTITY_KINDS) {
      const call = () => preparator.prepareFunction(ofKind(kind));
      if (FUNCTION_KINDS.has(kind)) expect(call).not.toThrow();
      else expect(call).toThrow(`a ${kind} given to prepareFunction`);
    }
  });

  it('prepareClass takes class, interface, struct, enum and trait and refuses every other kind', () => {
    expect([...CLASS_LIKE_KINDS].sort()).toEqual(['class', 'enum', 'interface', 'struct', 'trait']);
    for (const kind of ENTITY_KINDS) {
      const call = () => preparator.prepareClass(ofKind(kind));
      if (CLASS_LIKE_KINDS.has(kind)) expect(call).not.toThrow();
      else {
        const error = (() => {
          try {
            call();
          } catch (caught) {
            return caught;
          }
        })();
        expect(TextPrepError.isInstance(error) && error.code).toBe('WRONG_KIND');
      }
    }
  });

  it('prepareEntity and prepareWindows take every kind, naming it in the first header line', () => {
    for (const kind of ENTITY_KINDS) {
      const label = kind === 'code' ? 'code (top-level)' : kind;
      expect(preparator.prepareEntity(ofKind(kind)).text.split('\n')[0]).toBe(`python ${label} a_${kind}`);
      expect(preparator.prepareWindows(ofKind(kind))[0]!.text).toBe(
        preparator.prepareEntity(ofKind(kind)).text,
      );
    }
  });

  it('refuses an unknown kind as an invalid entity', () => {
    const entity = { ...base, kind: 'lambda' } as unknown as CodeEntity;
    expect(() => preparator.prepareEntity(entity)).toThrow(
      '[text-prep] build_quarterly_report at reports/quarterly.py:1: unknown kind "lambda"',
    );
    expect(() => preparator.prepareWindows(entity)).toThrow(/unknown kind/);
  });
});

describe('class-like units', () => {
  const sourceCode = [
    'class Inventory:',
    '    """Stock levels per warehouse."""',
    '    capacity: int = 100',
    '',
    '    def restock(self, sku, count):',
    '        self.levels[sku] = self.levels.get(sku, 0) + count',
    '        self.audit.append(("restock", sku, count))',
    '',
    '    def reserve(self, sku):',
    '        return self.levels.pop(sku)',
  ].join('\n');
  const outline = [
    'class Inventory:',
    '    """Stock levels per warehouse."""',
    '    capacity: int = 100',
    '    def restock(self, sku, count): ...',
    '    def reserve(self, sku): ...',
  ].join('\n');
  const inventory: CodeEntity = {
    kind: 'class',
    name: 'Inventory',
    qualifiedName: 'Inventory',
    filePath: 'shop/inventory.py',
    lineNumber: 5,
    endLine: 14,
    language: 'python',
    signature: 'class Inventory:',
    docstring: 'Stock levels per warehouse.',
    sourceCode,
    outline,
  };

  it('are the header, the docstring and the outline: member signatures without method bodies', () => {
    expect(preparator.prepareClass(inventory).text).toBe(
      [
        'python class Inventory',
        'path: shop/inventory.py',
        'signature: class Inventory:',
        'doc: Stock levels per warehouse.',
        '',
        outline,
      ].join('\n'),
    );
    expect(preparator.prepareClass(inventory).text).not.toContain('self.audit.append');
  });

  it('fall back to the source when the parser gave no outline', () => {
    const text = preparator.prepareClass({ ...inventory, outline: undefined }).text;
    expect(text.endsWith(sourceCode)).toBe(true);
  });

  it('windows of a long outline stand for the whole unit (an outline line is not a file line)', () => {
    const members = Array.from({ length: 200 }, (_, i) => `    def handler_${i}(self, event, context): ...`);
    const big = { ...inventory, endLine: 2000, outline: [outline, ...members].join('\n') };
    const windows = preparator.prepareWindows(big);
    expect(windows.length).toBeGreaterThan(1);
    for (const window of windows) {
      expect([window.startLine, window.endLine]).toEqual([5, 2000]);
      expect(window.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
    }
    expect(windows.at(-1)!.text).toContain('def handler_199(self, event, context): ...');
  });
});

describe('outlines of other kinds', () => {
  it('a module or code chunk with an outline is read through it, not its full source', () => {
    const chunk: CodeEntity = {
      kind: 'code',
      name: 'impl Parser',
      qualifiedName: 'impl Parser',
      filePath: 'src/parser.rs',
      lineNumber: 10,
      endLine: 40,
      language: 'rust',
      sourceCode:
        'impl Parser {\n    pub fn parse(&self) -> Tree {\n        let secret_body_detail = 1;\n    }\n}',
      outline: 'impl Parser {\n    pub fn parse(&self) -> Tree { … }\n}',
    };
    const text = preparator.prepareEntity(chunk).text;
    expect(text).toContain('pub fn parse(&self) -> Tree { … }');
    expect(text).not.toContain('secret_body_detail');
  });
});
