import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CodeEntity } from '@codesearch/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';
import { tempDir, writeTree } from './tree.js';

const DIR = 'src/Billing';
const NS = 'Acme.Billing';
const LEGACY = 'Acme.Billing.Legacy';

/**
 * `uncoveredLines`, with C# attribute lines (`[Serializable]`) above a declaration counted as
 * attached: the attributes are inside the declaration's node, whose line is that of the keyword.
 */
function uncoveredCsharpLines(source: string, entities: readonly CodeEntity[]): number[] {
  const lines = source.split(/\r?\n/);
  const starts = new Set(entities.map((e) => e.lineNumber));
  return uncoveredLines(source, entities).filter((line) => {
    let next = line;
    while (next <= lines.length && /^\s*(?:\[|\/\/)/.test(lines[next - 1]!)) next++;
    return !(next > line && starts.has(next));
  });
}

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('csharp');
});

describe('csharp fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['Program.cs', 'csharp', []],
      [`${DIR}/Invoice.cs`, 'csharp', []],
      [`${DIR}/Legacy.cs`, 'csharp', []],
    ]);
  });

  it('extracts types, members with code, constants and local functions in a file-scoped namespace', () => {
    expect(outline(result.entities, `${DIR}/Invoice.cs`)).toEqual([
      `class ${NS}.Invoice 12-80`,
      `constant ${NS}.Invoice.MaxLines 15-15`,
      `constant ${NS}.Invoice.Empty 17-17`,
      `method ${NS}.Invoice.Invoice 23-26`,
      // `Number { get; init; }` is an auto-property: it stays in the class's unit.
      `method ${NS}.Invoice.Total 31-39`,
      `method ${NS}.Invoice.IsEmpty 41-41`,
      `method ${NS}.Invoice.this 43-43`,
      `method ${NS}.Invoice.Add 50-61`,
      `function ${NS}.Invoice.Add.TryAppend 55-60`,
      `method ${NS}.Invoice.CompareTo 63-63`,
      `method ${NS}.Invoice.operator + 65-69`,
      `method ${NS}.Invoice.explicit operator long 71-71`,
      `enum ${NS}.Invoice.Status 74-79`,
      `class ${NS}.Line 85-85`,
      `struct ${NS}.Money 87-90`,
      `method ${NS}.Money.ToString 89-89`,
    ]);
  });

  it('extracts block namespaces as modules, nested ones too', () => {
    expect(outline(result.entities, `${DIR}/Legacy.cs`)).toEqual([
      `module ${LEGACY} 4-70`,
      `type ${LEGACY}.PaymentHandler 9-9`,
      `interface ${LEGACY}.IExporter 12-18`,
      `method ${LEGACY}.IExporter.Export 15-15`,
      `class ${LEGACY}.CsvExporter 22-47`,
      `method ${LEGACY}.CsvExporter.Paid 27-31`,
      `method ${LEGACY}.CsvExporter.Format 33-33`,
      `method ${LEGACY}.CsvExporter.Export 35-39`,
      `method ${LEGACY}.CsvExporter.Dispose 41-41`,
      `method ${LEGACY}.CsvExporter.~CsvExporter 43-46`,
      `struct ${LEGACY}.Point 50-60`,
      `method ${LEGACY}.Point.Point 55-59`,
      `module ${LEGACY}.Internal 62-69`,
      `class ${LEGACY}.Internal.Helpers 64-68`,
      `method ${LEGACY}.Internal.Helpers.Clamp 66-67`,
    ]);
    expect(entity(result.entities, `${LEGACY}.Internal`).parent).toBe(LEGACY);
    expect(entity(result.entities, LEGACY).parent).toBeUndefined();
  });

  it('extracts the local functions of top-level statements as functions', () => {
    expect(outline(result.entities, 'Program.cs')).toEqual(['function Describe 8-11']);
    expect(codeChunks(result.entities, 'Program.cs')).toEqual(['invoice 1-5']);
  });

  it('puts usings and the file-scoped namespace line in the imports chunk', () => {
    expect(codeChunks(result.entities, `${DIR}/Invoice.cs`)).toEqual(['imports 1-4']);
    expect(codeChunks(result.entities, `${DIR}/Legacy.cs`)).toEqual(['imports 1-2']);
  });

  it('reads XML doc comments (///) and /** */ blocks, cleaned of their tags', () => {
    const { entities } = result;
    expect(entity(entities, `${NS}.Invoice`).docstring).toBe(
      'An invoice: its Acme.Billing.Line items and totals.\n\nAmounts are in cents.',
    );
    expect(entity(entities, `${NS}.Invoice.MaxLines`).docstring).toBe('The most lines an invoice holds.');
    expect(entity(entities, `${NS}.Invoice.Invoice`).docstring).toBe(
      'Creates an invoice numbered number.\n@param number The invoice number.',
    );
    expect(entity(entities, `${NS}.Invoice.Total`).docstring).toBe('The total in cents.');
    expect(entity(entities, `${NS}.Invoice.Add`).docstring).toBe(
      [
        'Adds a line.',
        '@param line The line to add.',
        '@returns true when it was added; false when the invoice is full.',
        '@throws ArgumentNullException When line is null.',
      ].join('\n'),
    );
    expect(entity(entities, `${NS}.Invoice.Status`).docstring).toBe('Where an invoice is in its life.');
    expect(entity(entities, `${NS}.Line`).docstring).toBe(
      'One line of an invoice.\n@param Description What was sold.\n@param Amount Its price in cents.',
    );
    expect(entity(entities, `${LEGACY}.PaymentHandler`).docstring).toBe('Handles a payment.');
    expect(entity(entities, `${LEGACY}.IExporter`).docstring).toBe('Something that can be exported.');
    expect(entity(entities, `${LEGACY}.IExporter.Export`).docstring).toBe('Writes the data.');
    // A plain `//` comment is not documentation; `#region` is not either.
    expect(entity(entities, `${LEGACY}.CsvExporter.Paid`).docstring).toBeUndefined();
    expect(entity(entities, `${LEGACY}.CsvExporter`).docstring).toBeUndefined();
    expect(entity(entities, `${NS}.Invoice.IsEmpty`).docstring).toBeUndefined();
  });

  it('records attributes as decorators, not counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, `${NS}.Invoice`).decorators).toEqual([
      '[Serializable]',
      '[DebuggerDisplay("{Number}")]',
    ]);
    expect(entity(entities, `${NS}.Invoice.Add`).decorators).toEqual([
      '[MethodImpl(MethodImplOptions.AggressiveInlining)]',
    ]);
    expect(entity(entities, `${LEGACY}.CsvExporter`).decorators).toEqual([
      '[Obsolete("Use the new exporter")]',
    ]);
    expect(entity(entities, `${NS}.Invoice.Total`).decorators).toBeUndefined();
    expect(
      entity(entities, `${NS}.Invoice`).sourceCode.startsWith('public sealed partial class Invoice'),
    ).toBe(true);
  });

  it('builds signatures up to the body, on one line', () => {
    const signature = (name: string) => entity(result.entities, name).signature;
    expect(signature(`${NS}.Invoice`)).toBe('public sealed partial class Invoice : IComparable<Invoice>');
    expect(signature(`${NS}.Invoice.MaxLines`)).toBe('public const int MaxLines = 200');
    expect(signature(`${NS}.Invoice.Empty`)).toBe(
      'public static readonly Invoice Empty = new Invoice("none")',
    );
    expect(signature(`${NS}.Invoice.Invoice`)).toBe('public Invoice(string number) : base()');
    expect(signature(`${NS}.Invoice.Total`)).toBe('public long Total');
    expect(signature(`${NS}.Invoice.IsEmpty`)).toBe('public bool IsEmpty');
    expect(signature(`${NS}.Invoice.this`)).toBe('public Line this[int index]');
    expect(signature(`${NS}.Invoice.Add`)).toBe('public bool Add(Line line)');
    expect(signature(`${NS}.Invoice.Add.TryAppend`)).toBe('bool TryAppend(Line item)');
    expect(signature(`${NS}.Invoice.CompareTo`)).toBe('public int CompareTo(Invoice? other)');
    expect(signature(`${NS}.Invoice.operator +`)).toBe(
      'public static Invoice operator +(Invoice left, Line right)',
    );
    expect(signature(`${NS}.Invoice.explicit operator long`)).toBe(
      'public static explicit operator long(Invoice invoice)',
    );
    expect(signature(`${NS}.Invoice.Status`)).toBe('public enum Status');
    expect(signature(`${NS}.Line`)).toBe('public record Line(string Description, long Amount)');
    expect(signature(`${NS}.Money`)).toBe('public readonly record struct Money(long Cents, string Currency)');
    expect(signature(LEGACY)).toBe('namespace Acme.Billing.Legacy');
    expect(signature(`${LEGACY}.PaymentHandler`)).toBe(
      'public delegate void PaymentHandler(object sender, decimal amount)',
    );
    expect(signature(`${LEGACY}.IExporter.Export`)).toBe('void Export(Stream output)');
    expect(signature(`${LEGACY}.CsvExporter.Paid`)).toBe('public event PaymentHandler Paid');
    expect(signature(`${LEGACY}.CsvExporter.Dispose`)).toBe('void IDisposable.Dispose()');
    expect(signature(`${LEGACY}.CsvExporter.~CsvExporter`)).toBe('~CsvExporter()');
    expect(signature(`${LEGACY}.Internal.Helpers.Clamp`)).toBe(
      'internal static T Clamp<T>(T value, T min, T max) where T : IComparable<T>',
    );
    expect(signature('Describe')).toBe('static string Describe(Invoice invoice)');
  });

  it('gives classes an outline with member bodies elided', () => {
    expect(entity(result.entities, `${LEGACY}.CsvExporter`).outline).toBe(
      [
        '[Obsolete("Use the new exporter")]',
        'internal class CsvExporter : IExporter, IDisposable',
        '{',
        '    private event PaymentHandler? _paid;',
        '',
        '    // The handlers, added and removed under a lock.',
        '    public event PaymentHandler Paid',
        '    { … }',
        '',
        '    public string Format …;',
        '',
        '    public void Export(Stream output)',
        '    { … }',
        '',
        '    void IDisposable.Dispose() { … }',
        '',
        '    ~CsvExporter()',
        '    { … }',
        '}',
      ].join('\n'),
    );
  });

  it('leaves no line outside a unit', () => {
    for (const file of ['Program.cs', `${DIR}/Invoice.cs`, `${DIR}/Legacy.cs`]) {
      const source = readFileSync(path.join(fixtureRoot('csharp'), file), 'utf8');
      const entities = result.entities.filter((e) => e.filePath === file);
      expect([file, uncoveredCsharpLines(source, entities)]).toEqual([file, []]);
    }
  });
});

describe('csharp XML doc cleaning', () => {
  it('keeps the text of paragraphs, references, entities and code; an <inheritdoc/> alone is no docstring', () => {
    const source = [
      'class A',
      '{',
      '    /// <summary>',
      '    /// Returns <see langword="null"/> when empty.',
      '    /// <para>Compares with &lt;= and uses <c>List&lt;T&gt;</c>.</para>',
      '    /// </summary>',
      '    /// <typeparam name="T">The item type.</typeparam>',
      '    /// <example>',
      '    /// <code>',
      '    /// var x = A.M&lt;int&gt;();',
      '    /// </code>',
      '    /// </example>',
      '    public T M<T>() => default;',
      '',
      '    /// <inheritdoc/>',
      '    public override string ToString() => "";',
      '}',
    ].join('\n');
    const { entities } = parseSource(source, 'csharp', 'A.cs');
    expect(entity(entities, 'A.M').docstring).toBe(
      [
        'Returns null when empty.',
        '',
        'Compares with <= and uses List<T>.',
        '@typeparam T The item type.',
        '',
        'var x = A.M<int>();',
      ].join('\n'),
    );
    expect(entity(entities, 'A.ToString').docstring).toBeUndefined();
  });
});

describe('csharp bad input', () => {
  it('finds the definitions before and after a syntax error, and names its line', () => {
    const source = [
      'namespace Shop',
      '{',
      '    public class Cart',
      '    {',
      '        public void Before() { }',
      '',
      '        public void Broken(int x {',
      '            if (x > ) { return; }',
      '        }',
      '',
      '        public void After() { }',
      '    }',
      '',
      '    public class Next',
      '    {',
      '        public int Count() => 1;',
      '    }',
      '}',
    ].join('\n');
    const parsed = parseSource(source, 'csharp', 'Bad.cs');
    expect(parsed.warnings).toEqual(['syntax errors near line 7; 7 definitions extracted from the rest']);
    expect(outline(parsed.entities, 'Bad.cs')).toEqual([
      'module Shop 1-18',
      'class Shop.Cart 3-12',
      'method Shop.Cart.Before 5-5',
      'method Shop.Cart.Broken 7-9',
      'method Shop.Cart.After 11-11',
      'class Shop.Next 14-17',
      'method Shop.Next.Count 16-16',
    ]);
  });

  it('survives a class header split by #if / #else (the grammar sees one header, the rest is an error)', () => {
    const source = [
      'namespace Shop;',
      '',
      '#if NET6_0_OR_GREATER',
      'public sealed class Pool : IAsyncDisposable',
      '#else',
      'public sealed class Pool : IDisposable',
      '#endif',
      '{',
      '    public void Rent() { }',
      '}',
      '',
      'public class After',
      '{',
      '    public void Run() { }',
      '}',
    ].join('\n');
    const parsed = parseSource(source, 'csharp', 'Pool.cs');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? 4\b/);
    const definitions = outline(parsed.entities, 'Pool.cs');
    // The unclosed `#if` wraps the rest of the file: its declarations stay in the namespace.
    expect(definitions).toContain('class Shop.Pool 4-10');
    expect(definitions).toContain('method Shop.Pool.Rent 9-9');
    expect(definitions).toContain('class Shop.After 12-15');
    expect(definitions).toContain('method Shop.After.Run 14-14');
    expect(uncoveredCsharpLines(source, parsed.entities)).toEqual([]);
  });

  it('parses a generated file of 3,000 methods within the default limits, and skips one over 1 MiB', async () => {
    const methods = (count: number) =>
      Array.from(
        { length: count },
        (_, i) =>
          `        /// <summary>Step ${i}.</summary>\n        public int Step${i}(int x)\n        {\n            return x + ${i};\n        }\n`,
      ).join('\n');
    const big = `namespace Gen\n{\n    public static class Steps\n    {\n${methods(3000)}    }\n}\n`;
    const huge = `namespace Gen\n{\n    public static class Huge\n    {\n${methods(12000)}    }\n}\n`;
    expect(big.length).toBeLessThan(1024 * 1024);
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const root = await tempDir();
    await writeTree(root, { 'Steps.cs': big, 'Huge.cs': huge });
    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['Huge.cs', expect.stringMatching(/^too large \(\d\.\d MiB, limit 1\.0 MiB\)$/)],
    ]);
    const steps = parsed.entities.filter((e) => e.kind === 'method');
    expect(steps).toHaveLength(3000);
    expect(steps[2999]).toMatchObject({
      qualifiedName: 'Gen.Steps.Step2999',
      lineNumber: 5 + 2999 * 6 + 1,
      docstring: 'Step 2999.',
      signature: 'public int Step2999(int x)',
    });
    expect(uncoveredCsharpLines(big, parsed.entities)).toEqual([]);
  });
});

describe('csharp real code: pythonnet 3.2.1 (PyPI sdist, src/runtime)', () => {
  let root: string;
  let real: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('csharp-pythonnet');
    real = await parseDirectory(root, { languages: ['csharp'], concurrency: 1 });
  }, 120_000);

  it('parses every file; the generated TypeOffset files are skipped; three files have grammar gaps', () => {
    expect(real.errors).toEqual([]);
    expect(real.files).toHaveLength(145);
    expect(real.skipped.map((skip) => skip.relativePath)).toEqual(
      ['311', '312', '313', '314', '315'].map((v) => `Native/TypeOffset${v}.cs`),
    );
    // `#if` inside argument lists (Finalizer.cs, PyObject.cs) and a `*(nint*)(…)` dereference
    // (Runtime.cs) are beyond tree-sitter-c-sharp 0.23; the rest of each file is extracted.
    expect(real.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([
      'Finalizer.cs',
      'PythonTypes/PyObject.cs',
      'Runtime.cs',
    ]);
  });

  it('finds the units by kind', () => {
    const counts: Record<string, number> = {};
    for (const e of real.entities) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    // Checked by hand against grep over the sources: 12 enums, 13 interfaces, 23 structs,
    // 18 delegates (`type`), 107 block namespaces (`module`; 37 files use `namespace X;`).
    expect(counts).toEqual({
      code: 129,
      module: 107,
      class: 165,
      constant: 117,
      method: 1724,
      interface: 13,
      function: 2,
      struct: 23,
      type: 18,
      enum: 12,
    });
  });

  it('extracts entities as written (checked by hand)', () => {
    const { entities } = real;
    const group = entity(entities, 'Python.Runtime.Codecs.EncoderGroup');
    expect([group.kind, group.filePath, group.lineNumber, group.signature]).toEqual([
      'class',
      'Codecs/EncoderGroup.cs',
      11,
      'public sealed class EncoderGroup: IPyObjectEncoder, IEnumerable<IPyObjectEncoder>, IDisposable',
    ]);
    expect(group.docstring).toBe(
      'Represents a group of IPyObjectDecoders. Useful to group them by priority.',
    );
    const add = entity(entities, 'Python.Runtime.Codecs.EncoderGroup.Add');
    expect([add.kind, add.lineNumber, add.endLine, add.docstring, add.signature]).toEqual([
      'method',
      18,
      22,
      'Add specified encoder to the group',
      'public void Add(IPyObjectEncoder item)',
    ]);
    // A file-scoped namespace: its types are qualified by it.
    const cache = entity(entities, 'Python.Runtime.ConcurrentLruCache');
    expect([cache.filePath, cache.lineNumber, cache.endLine, cache.signature]).toEqual([
      'Util/ConcurrentLruCache.cs',
      7,
      103,
      'internal sealed class ConcurrentLruCache<TKey, TValue> where TKey : notnull',
    ]);
    expect(entity(entities, 'Python.Runtime.ConcurrentLruCache.CacheItem').signature).toBe(
      'sealed record CacheItem(TKey Key, TValue Value)',
    );
    const count = entity(entities, 'Python.Runtime.ConcurrentLruCache.Count');
    expect([count.kind, count.lineNumber, count.signature]).toEqual(['method', 25, 'public int Count']);
    const initialize = entity(entities, 'Python.Runtime.Native.ABI.Initialize');
    expect([initialize.filePath, initialize.lineNumber, initialize.signature]).toEqual([
      'Native/ABI.cs',
      20,
      'internal static void Initialize(Version version)',
    ]);
  });

  it('leaves no line of any file outside a unit', () => {
    const uncovered: string[] = [];
    for (const file of real.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const lines = uncoveredCsharpLines(
        source,
        real.entities.filter((e) => e.filePath === file.filePath),
      );
      if (lines.length > 0) uncovered.push(`${file.filePath}: ${lines.join(', ')}`);
    }
    expect(uncovered).toEqual([]);
  });
});
