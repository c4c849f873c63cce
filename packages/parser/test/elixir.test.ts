import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('elixir');
});

describe('elixir fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['lib/my_app/size.ex', 'elixir', []],
      ['lib/my_app/stack.ex', 'elixir', []],
      ['scripts/seed.exs', 'elixir', []],
      ['test/stack_test.exs', 'elixir', []],
    ]);
  });

  it('extracts modules (nested ones qualified), one function per clause, macros and guards', () => {
    expect(outline(result.entities, 'lib/my_app/stack.ex')).toEqual([
      'module MyApp.Stack 1-50',
      'function MyApp.Stack.push 18-18',
      'function MyApp.Stack.pop 26-28',
      'function MyApp.Stack.pop 30-30',
      'function MyApp.Stack.count 33-33',
      'function MyApp.Stack.empty? 36-38',
      'function MyApp.Stack.is_stack 40-40',
      'module MyApp.Stack.Error 42-49',
      'function MyApp.Stack.Error.new 46-48',
    ]);
    // A protocol is an interface; an implementation is the module `Protocol.Type`.
    expect(outline(result.entities, 'lib/my_app/size.ex')).toEqual([
      'interface MyApp.Size 1-6',
      'method MyApp.Size.size 5-5',
      'method MyApp.Size.MyApp.Stack.size 9-9',
      'method MyApp.Size.List.size 15-15',
    ]);
    // ExUnit tests are functions named as written; `describe` is not a scope.
    expect(outline(result.entities, 'test/stack_test.exs')).toEqual([
      'module MyApp.StackTest 1-17',
      'function MyApp.StackTest.test "returns the top item" 6-9',
      'function MyApp.StackTest.test "fails on an empty stack" 11-13',
      'function MyApp.StackTest.stack_of 16-16',
    ]);
    expect(entity(result.entities, 'MyApp.StackTest.test "fails on an empty stack"').signature).toBe(
      'test "fails on an empty stack", %{}',
    );
    expect(outline(result.entities, 'scripts/seed.exs')).toEqual([
      'module Seed.Helpers 12-14',
      'function Seed.Helpers.banner 13-13',
    ]);
  });

  it('reads @moduledoc and @doc (heredocs dedented, @doc false none), else # comments above', () => {
    const { entities } = result;
    expect(entity(entities, 'MyApp.Stack').docstring).toBe(
      'A last-in, first-out stack.\n\nBacked by a list.',
    );
    expect(entity(entities, 'MyApp.Stack.push').docstring).toBe('Pushes `item` on top.');
    expect(entity(entities, 'MyApp.Stack.pop', 26).docstring).toBe(
      'Pops the top item.\n\nReturns `:error` when the stack is empty.',
    );
    expect(entity(entities, 'MyApp.Stack.pop', 30).docstring).toBeUndefined();
    expect(entity(entities, 'MyApp.Stack.count').docstring).toBe(
      'Counts the items; private, so documented with a comment.',
    );
    expect(entity(entities, 'MyApp.Stack.empty?').docstring).toBeUndefined();
    expect(entity(entities, 'MyApp.Stack.is_stack').docstring).toBeUndefined();
    expect(entity(entities, 'MyApp.Stack.Error').docstring).toBe('Raised on overflow.');
    expect(entity(entities, 'MyApp.Stack.Error.new').docstring).toBeUndefined();
    expect(entity(entities, 'MyApp.Size').docstring).toBe('Anything that has a size.');
    expect(entity(entities, 'MyApp.Size.size').docstring).toBe('The number of elements.');
    expect(entity(entities, 'MyApp.Size.List.size').docstring).toBeUndefined();
  });

  it('records @spec, @impl and @deprecated above a clause as decorators (not @doc or other attributes)', () => {
    const { entities } = result;
    expect(entity(entities, 'MyApp.Stack.push').decorators).toEqual(['@spec push(t, term) :: t']);
    expect(entity(entities, 'MyApp.Stack.pop', 26).decorators).toEqual([
      '@spec pop(t) :: {:ok, term, t} | :error',
    ]);
    expect(entity(entities, 'MyApp.Stack.pop', 30).decorators).toBeUndefined();
    expect(entity(entities, 'MyApp.Stack.empty?').decorators).toBeUndefined(); // `@doc false` only
    expect(entity(entities, 'MyApp.Size.List.size').decorators).toEqual(['@impl true']);
    expect(entity(entities, 'MyApp.Stack').decorators).toBeUndefined();
  });

  it('builds signatures: the head up to `do`, or up to `, do:` in a one-line clause', () => {
    const { entities } = result;
    expect(entity(entities, 'MyApp.Stack').signature).toBe('defmodule MyApp.Stack');
    expect(entity(entities, 'MyApp.Stack.Error').signature).toBe('defmodule Error');
    expect(entity(entities, 'MyApp.Stack.push').signature).toBe(
      'def push(%__MODULE__{items: items} = stack, item)',
    );
    expect(entity(entities, 'MyApp.Stack.pop', 26).signature).toBe(
      'def pop(%__MODULE__{items: [top | rest]} = stack)',
    );
    expect(entity(entities, 'MyApp.Stack.empty?').signature).toBe('defmacro empty?(stack)');
    expect(entity(entities, 'MyApp.Stack.is_stack').signature).toBe(
      'defguard is_stack(term) when is_struct(term, __MODULE__)',
    );
    expect(entity(entities, 'MyApp.Stack.Error.new').signature).toBe(
      'def new(limit) when is_integer(limit) and limit > 0',
    );
    expect(entity(entities, 'MyApp.Size').signature).toBe('defprotocol MyApp.Size');
    expect(entity(entities, 'MyApp.Size.size').signature).toBe('def size(data)');
    expect(entity(entities, 'MyApp.Size.List.size').signature).toBe('def size(list)');
    expect(entity(entities, 'MyApp.Stack.Error.new').parent).toBe('MyApp.Stack.Error');
    expect(entity(entities, 'MyApp.Size.List.size').parent).toBe('MyApp.Size.List');
  });

  it('outlines a nested module with its attributes and its functions bodies elided', () => {
    expect(entity(result.entities, 'MyApp.Stack.Error').outline).toBe(
      [
        'defmodule Error do',
        '  @moduledoc "Raised on overflow."',
        '  defexception message: "stack overflow"',
        '',
        '  def new(limit) when is_integer(limit) and limit > 0 …',
        'end',
      ].join('\n'),
    );
  });

  it('puts implementations and script code in code chunks, leaving no line uncovered', () => {
    const { entities } = result;
    expect(codeChunks(entities, 'lib/my_app/stack.ex')).toEqual([]);
    expect(codeChunks(entities, 'lib/my_app/size.ex')).toEqual(['MyApp.Size.MyApp.Stack 8-16']);
    expect(codeChunks(entities, 'scripts/seed.exs')).toEqual(['stack 1-10', 'banner 16-16']);
    for (const file of result.files) {
      const source = readFileSync(path.join(fixtureRoot('elixir'), file.filePath), 'utf8');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('elixir implementations', () => {
  it('names a defimpl without for: after the module it is written in', () => {
    const source = [
      'defmodule MyApp.Point do',
      '  defstruct [:x, :y]',
      '',
      '  defimpl String.Chars do',
      '    def to_string(point), do: "(#{point.x}, #{point.y})"',
      '  end',
      'end',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'elixir', 'point.ex');
    expect(parsed.entities.map((e) => `${e.kind} ${e.qualifiedName} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'module MyApp.Point 1-7',
      'method String.Chars.MyApp.Point.to_string 5-5',
    ]);
  });
});

describe('elixir bad input', () => {
  it('finds the functions before and after a syntax error, and names its line', () => {
    const source = [
      'defmodule Broken do',
      '  def before(x), do: x',
      '',
      '  def broken(x) do',
      '    x + * 2',
      '  end',
      '',
      '  @doc "Still documented."',
      '  def after_error(y), do: y',
      'end',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'elixir', 'broken.ex');
    const byName = new Map(parsed.entities.map((e) => [e.name, e]));
    expect(byName.get('before')).toMatchObject({
      kind: 'function',
      qualifiedName: 'Broken.before',
      lineNumber: 2,
    });
    expect(byName.get('after_error')).toMatchObject({
      qualifiedName: 'Broken.after_error',
      lineNumber: 9,
      docstring: 'Still documented.',
    });
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? 5\b/);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('does not read definitions in strings and sigils; those a quote injects belong to the macro', () => {
    const source = [
      'defmodule Gen do',
      '  @template """',
      '  def fake(x) do',
      '  end',
      '  """',
      '  @other ~S(def also_fake, do: 1)',
      '',
      '  defmacro __using__(_opts) do',
      '    quote do',
      '      def helper, do: :injected',
      '    end',
      '  end',
      'end',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'elixir', 'gen.ex');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.entities.map((e) => `${e.kind} ${e.qualifiedName} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'module Gen 1-13',
      'function Gen.__using__ 8-12',
      'function Gen.__using__.helper 10-10',
    ]);
  });

  it('parses a generated module of 3,000 functions; above 1 MiB the walk skips it', async () => {
    const functions = Array.from(
      { length: 3000 },
      (_, i) => `  @doc "Function ${i}."\n  def f${i}(x) do\n    x + ${i}\n  end\n`,
    ).join('\n');
    const body = `defmodule Generated do\n${functions}end\n`;
    const parsed = parseSource(body, 'elixir', 'generated.ex');
    const found = parsed.entities.filter((e) => e.kind === 'function');
    expect(found).toHaveLength(3000);
    expect(found[2999]).toMatchObject({
      qualifiedName: 'Generated.f2999',
      lineNumber: 5 * 2999 + 3,
      docstring: 'Function 2999.',
    });

    const padding = '# padding\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 10) + 1);
    expect(await parseBesideOversized(['small.ex', body], ['huge.ex', `${body}${padding}`])).toEqual({
      parsed: [['small.ex', 3001]],
      skipped: [['huge.ex', 'too large']],
    });
  });
});

// Elixir 1.14.0's standard library (lib/elixir/lib of Debian's elixir-lang source tarball).
describe('elixir real code: the Elixir 1.14.0 standard library', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('elixir-elixir');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 300_000);

  it('parses every file without errors or warnings', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(100);
    expect(parsed.files.filter((file) => file.warnings.length > 0)).toEqual([]);
  });

  it('finds the units by kind (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({ module: 146, function: 6036, method: 240, interface: 5, code: 40 });
  });

  it('reads exact entities as written', () => {
    const find = (qualifiedName: string, lineNumber?: number) =>
      parsed.entities.filter(
        (e) =>
          e.filePath === 'enum.ex' &&
          e.qualifiedName === qualifiedName &&
          (lineNumber === undefined || e.lineNumber === lineNumber),
      );
    expect(find('Enumerable')).toEqual([
      expect.objectContaining({
        kind: 'interface',
        lineNumber: 1,
        endLine: 231,
        signature: 'defprotocol Enumerable',
      }),
    ]);
    expect(find('Enumerable.count')).toEqual([
      expect.objectContaining({
        kind: 'method',
        lineNumber: 178,
        signature: 'def count(enumerable)',
        docstring: expect.stringMatching(/^Retrieves the number of elements in the `enumerable`\.\n/),
      }),
    ]);
    expect(find('Enum')[0]).toMatchObject({ kind: 'module', lineNumber: 233, endLine: 4737 });
    expect(find('Enum')[0]!.docstring!.split('\n')[0]).toBe(
      'Functions for working with collections (known as enumerables).',
    );
    // Four clauses of `all?`: the @doc is on the first clause of each arity.
    expect(find('Enum.all?').map((e) => [e.lineNumber, e.endLine, e.docstring?.split('\n')[0]])).toEqual([
      [334, 336, 'Returns `true` if all elements in `enumerable` are truthy.'],
      [338, 343, undefined],
      [370, 372, 'Returns `true` if `fun.(element)` is truthy for all elements in `enumerable`.'],
      [374, 379, undefined],
    ]);
    expect(find('Enum.all?', 334)[0]!.signature).toBe('def all?(enumerable) when is_list(enumerable)');
    expect(find('Enum.all?', 334)[0]!.decorators).toEqual(['@spec all?(t) :: boolean']);
    // `@doc false` and `@deprecated` above a one-line clause.
    expect(find('Enum.chunk', 476)).toEqual([
      expect.objectContaining({
        signature: 'def chunk(enumerable, count)',
      }),
    ]);
    expect(find('Enum.chunk', 476)[0]!.docstring).toBeUndefined();
    expect(find('Enum.skip')[0]).toMatchObject({ kind: 'function', signature: 'defmacrop skip(acc)' });
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
