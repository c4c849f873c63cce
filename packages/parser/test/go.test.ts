import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('go');
});

describe('go fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['container/source.go', 'go', []],
      ['container/stack.go', 'go', []],
      ['server/server.go', 'go', []],
    ]);
  });

  it('extracts struct and interface types, functions, and methods named after their receiver', () => {
    expect(outline(result.entities, 'server/server.go')).toEqual([
      'interface Handler 11-14',
      'method Handler.ServeHTTP 12-12',
      'method Handler.Name 13-13',
      'struct Server 17-20',
      'struct Options 24-24',
      'type Middleware 28-28',
      'struct route 31-33',
      'function NewServer 37-39',
      'method Server.Handle 42-44',
      'method Server.Run 49-52',
      'function helper 57-57',
      'method Server.Close 62-62',
    ]);
    expect(outline(result.entities, 'container/stack.go')).toEqual([
      'struct Stack 4-6',
      'method Stack.Push 9-11',
      'method Stack.Pop 14-22',
      'struct Pair 25-28',
      'method Pair.Swap 31-31',
      'function Map 34-40',
      'function Länge 43-43',
      'struct Zähler 46-46',
      'method Zähler.Inc 49-49',
    ]);
  });

  it('reads the // lines or the block comment directly above as the doc', () => {
    const { entities } = result;
    expect(entity(entities, 'Handler').docstring).toBe(
      'Handler answers one kind of request.\nIt must be safe for concurrent use.',
    );
    expect(entity(entities, 'Server').docstring).toBe('Server wraps an http.Server.');
    expect(entity(entities, 'Options').docstring).toBeUndefined(); // blank line in between
    expect(entity(entities, 'route').docstring).toBe('route is one registered path.');
    expect(entity(entities, 'Server.Handle').docstring).toBe('Handle registers h under path.');
    expect(entity(entities, 'Server.Run').docstring).toBe('Run starts serving until ctx is done.');
    expect(entity(entities, 'helper').docstring).toBe(
      'helper is a plain function.\n\nIt has two paragraphs.',
    );
    expect(entity(entities, 'Stack').docstring).toBe('Stack is a generic LIFO stack.');
    // The //go:noinline directive is not documentation.
    expect(entity(entities, 'Server.Close').docstring).toBe('Close stops the server.');
    expect(entity(entities, 'Zähler').docstring).toBe('Zähler counts — the type name is not ASCII either.');
  });

  it('builds signatures up to the body', () => {
    const { entities } = result;
    expect(entity(entities, 'Handler').signature).toBe('type Handler interface');
    expect(entity(entities, 'Server').signature).toBe('type Server struct');
    expect(entity(entities, 'Options').signature).toBe('type Options struct');
    expect(entity(entities, 'Stack').signature).toBe('type Stack[T any] struct');
    // In a grouped `type ( … )` declaration the `type` keyword is added.
    expect(entity(entities, 'route').signature).toBe('type route struct');
    expect(entity(entities, 'Handler.ServeHTTP').signature).toBe(
      'ServeHTTP(w http.ResponseWriter, r *http.Request)',
    );
    expect(entity(entities, 'NewServer').signature).toBe('func NewServer(addr string) *Server');
    expect(entity(entities, 'Stack.Push').signature).toBe('func (s *Stack[T]) Push(v T)');
    expect(entity(entities, 'Pair.Swap').signature).toBe('func (p Pair[K, V]) Swap() Pair[V, K]');
    expect(entity(entities, 'Map').signature).toBe('func Map[T, U any](items []T, f func(T) U) []U');
  });

  it('records the receiver type as the parent, pointer or not, generic or not', () => {
    const { entities } = result;
    expect(entity(entities, 'Server.Handle').parent).toBe('Server');
    expect(entity(entities, 'Server.Run').parent).toBe('Server');
    expect(entity(entities, 'Stack.Pop').parent).toBe('Stack');
    expect(entity(entities, 'Pair.Swap').parent).toBe('Pair');
    expect(entity(entities, 'Zähler.Inc').parent).toBe('Zähler');
    expect(entity(entities, 'Zähler.Inc').name).toBe('Inc');
    expect(entity(entities, 'Map').parent).toBeUndefined();
    expect(entity(entities, 'Server').sourceCode).toBe(
      'type Server struct {\n\taddr     string\n\thandlers map[string]Handler\n}',
    );
  });

  it('takes the source of a grouped type from its own spec', () => {
    const { entities } = result;
    expect(entity(entities, 'route').sourceCode).toBe('route struct {\n\tpath string\n}');
    expect(entity(entities, 'Options').sourceCode).toBe('type Options struct{ Verbose bool }');
  });
});

describe('go interfaces (container/source.go)', () => {
  it('extracts the method elements of named interfaces as their methods', () => {
    expect(outline(result.entities, 'container/source.go')).toEqual([
      'interface Source 6-14',
      'method Source.Next 9-9',
      'method Source.Close 11-11',
      'method Source.Len 12-12',
      'interface Sink 18-21',
      'method Sink.Put 20-20',
      'struct counter 23-23',
      // The interface of Drain's parameter is not a named type: its `Next` is not extracted.
      'function Drain 27-30',
    ]);
  });

  it('documents interface methods with the comments directly above them', () => {
    const { entities } = result;
    expect(entity(entities, 'Source').docstring).toBe('Source yields items one at a time.');
    expect(entity(entities, 'Source.Next').docstring).toBe(
      'Next returns the next item,\nor false at the end.',
    );
    expect(entity(entities, 'Source.Close').docstring).toBeUndefined();
    // The comment above is Close's trailing comment.
    expect(entity(entities, 'Source.Len').docstring).toBeUndefined();
    expect(entity(entities, 'Sink').docstring).toBe('Sink consumes items.');
    expect(entity(entities, 'Sink.Put').docstring).toBe('Put stores one item.');
  });

  it('builds signatures, parents and source', () => {
    const { entities } = result;
    expect(entity(entities, 'Source').signature).toBe('type Source[T any] interface');
    expect(entity(entities, 'Source.Next').signature).toBe('Next() (T, bool)');
    expect(entity(entities, 'Source.Next').parent).toBe('Source');
    expect(entity(entities, 'Source.Next').name).toBe('Next');
    expect(entity(entities, 'Sink').signature).toBe('type Sink interface');
    expect(entity(entities, 'Sink.Put').signature).toBe('Put(item int) error');
    expect(entity(entities, 'Sink.Put').parent).toBe('Sink');
    expect(entity(entities, 'counter').signature).toBe('type counter struct');
    expect(entity(entities, 'counter').sourceCode).toBe('counter struct{ n int }');
    expect(entity(entities, 'Sink').sourceCode).toBe(
      'Sink interface {\n\t/* Put stores one item. */\n\tPut(item int) error\n}',
    );
  });
});
