import type { LocationKey } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { analyseQuery } from '../src/query.js';
import { type CandidateLists, RANKING, rankCandidates } from '../src/rank.js';
import type { Candidate, RankingSignals } from '../src/types.js';

/** A candidate row: a unit of `file` at `line` (one window unless given). */
function unit(name: string, file: string, line: number, more: Partial<Candidate> = {}): Candidate {
  const endLine = more.endLine ?? line + 10;
  return {
    locationKey: `${file}:${line}` as LocationKey,
    window: 0,
    windowStart: line,
    windowEnd: endLine,
    filePath: file,
    lineNumber: line,
    endLine,
    kind: 'function',
    name,
    qualifiedName: name,
    language: 'python',
    score: 0.5,
    ...more,
  };
}

/** Lists with scores falling by position, as an index returns them (cosine, BM25). */
function scored(lists: CandidateLists): CandidateLists {
  const fall = (rows: readonly Candidate[] | undefined, top: number, step: number) =>
    rows?.map((row, index) => ({ ...row, score: top - step * index }));
  return {
    ...(lists.vector ? { vector: fall(lists.vector, 0.8, 0.05) } : {}),
    ...(lists.lexical ? { lexical: fall(lists.lexical, 10, 1.5) } : {}),
    ...(lists.named ? { named: lists.named } : {}),
  };
}

function order(query: string, lists: CandidateLists, signals?: Partial<RankingSignals>, k = 10): string[] {
  return rankCandidates(analyseQuery(query), scored(lists), {
    k,
    mode: 'ranked',
    ...(signals ? { signals } : {}),
  }).map((hit) => hit.qualifiedName);
}

/** Runs `test` with some ranking constants changed (signals that are off by default). */
function withConstants(changes: Partial<Record<keyof typeof RANKING, number>>, test: () => void): void {
  const saved = { ...RANKING };
  Object.assign(RANKING, changes);
  try {
    test();
  } finally {
    Object.assign(RANKING, saved);
  }
}

const off = (signal: keyof RankingSignals): Partial<RankingSignals> => ({ [signal]: false });

describe('rankCandidates: each signal changes the order', () => {
  it('query-type weights: a bare name leans on the lexical list, not on vector ×2', () => {
    const a = unit('vectorFavourite', 'a.py', 1);
    const b = unit('lexicalFavourite', 'b.py', 1);
    const lists = { vector: [a], lexical: [b] };
    expect(order('Widget', lists, off('queryTypeWeights'))[0]).toBe('vectorFavourite');
    expect(order('Widget', lists)[0]).toBe('lexicalFavourite');
  });

  it('exact name: the unit named as the query comes first, the class before its methods', () => {
    const method = unit('Router.add', 'r.py', 20, {
      name: 'add',
      qualifiedName: 'Router.add',
      kind: 'method',
    });
    const klass = unit('Router', 'r.py', 10, { kind: 'class', endLine: 400 });
    const lists = { vector: [method, klass], lexical: [method, klass], named: [klass] };
    expect(order('Router', lists, off('exactName'))[0]).toBe('Router.add');
    expect(order('Router', lists)[0]).toBe('Router');
  });

  it('exact name: case-sensitive before any case, any case before other case styles', () => {
    const lower = unit('router', 'a.py', 1);
    const exact = unit('Router', 'b.py', 1);
    const snake = unit('parse_file', 'c.py', 1);
    const lists = { vector: [snake, lower, exact], lexical: [snake, lower, exact], named: [lower, exact] };
    expect(order('Router', lists)).toEqual(['Router', 'router', 'parse_file']);
    const styles = { vector: [lower, snake], lexical: [lower, snake] };
    expect(order('parseFile', styles)[0]).toBe('parse_file');
    expect(order('parseFile', styles, off('exactName'))[0]).toBe('router');
  });

  it('exact name: a qualified name picks the method of that class', () => {
    const other = unit('Client.send', 'c.py', 5, {
      name: 'send',
      qualifiedName: 'Client.send',
      kind: 'method',
    });
    const wanted = unit('Session.send', 's.py', 5, {
      name: 'send',
      qualifiedName: 'Session.send',
      kind: 'method',
    });
    const lists = { vector: [other, wanted], lexical: [other, wanted], named: [other, wanted] };
    expect(order('Session.send', lists)[0]).toBe('Session.send');
  });

  it('name words: a worded question naming every part of an identifier lifts it', () => {
    const wanted = unit('writeFileAtomic', 'fs.ts', 1);
    const vectorOnly = Array.from({ length: 6 }, (_, i) => unit(`other${i}`, `o${i}.ts`, 1));
    const lists = { vector: [...vectorOnly.slice(0, 3), wanted], lexical: [wanted, vectorOnly[0]!] };
    const query = 'where are files written atomic';
    expect(order(query, lists, off('exactName'))[0]).not.toBe('writeFileAtomic');
    expect(order('write file atomic', lists)[0]).toBe('writeFileAtomic');
  });

  it('path terms: the query words in a file path lift its units', () => {
    const elsewhere = unit('register', 'app/helpers.py', 1);
    const routing = unit('add_api_route', 'app/routing.py', 1);
    const filler = unit('unrelated', 'app/misc.py', 1);
    const lists = { vector: [elsewhere, filler, routing], lexical: [routing, elsewhere] };
    expect(order('how are routes registered', lists, { ...off('pathTerms'), exactName: false })[0]).toBe(
      'register',
    );
    expect(order('how are routes registered', lists, off('exactName'))[0]).toBe('add_api_route');
  });

  it('test paths: test code steps down unless the question asks for tests', () => {
    const test = unit('test_upload', 'tests/test_upload.py', 1);
    const code = unit('save_upload', 'app/files.py', 1);
    const lists = { vector: [test, code], lexical: [test, code] };
    expect(order('file upload handling', lists, off('testPaths'))[0]).toBe('test_upload');
    expect(order('file upload handling', lists)[0]).toBe('save_upload');
    expect(order('tests for file upload', lists)[0]).toBe('test_upload');
  });

  it('thin units: a one-line declaration steps down on worded questions', () => {
    const abstract = unit('serialize', 'a/Ser.java', 3, { endLine: 3 });
    const body = unit('writeValue', 'a/Writer.java', 3, { endLine: 40 });
    const lists = { vector: [abstract, body], lexical: [abstract, body] };
    expect(order('how are values serialized', lists, off('thinUnits'))[0]).toBe('serialize');
    expect(order('how are values serialized', lists)[0]).toBe('writeValue');
  });

  it('thin units: a one-line function with its code on the line is not a bare declaration', () => {
    // Elixir `def f(x), do: …`, Kotlin `fun f() = …`, a JS arrow: the body follows the signature.
    const oneLiner = unit('to_fahrenheit', 'lib/temperature.ex', 9, {
      endLine: 9,
      signature: 'def to_fahrenheit(celsius)',
      sourcePreview: 'def to_fahrenheit(celsius), do: celsius * 9 / 5 + 32',
    });
    // A bare declaration with its signature and source still steps down.
    const declaration = unit('serialize', 'a/Ser.java', 3, {
      endLine: 3,
      kind: 'method',
      signature: 'void serialize(Object value)',
      sourcePreview: 'void serialize(Object value);',
    });
    const body = unit('writeValue', 'a/Writer.java', 3, { endLine: 40 });
    const other = unit('convert', 'lib/units.ex', 1, { endLine: 30 });
    const lists = { vector: [oneLiner, other], lexical: [oneLiner, other] };
    expect(order('convert celsius to fahrenheit', lists)[0]).toBe('to_fahrenheit');
    const declared = { vector: [declaration, body], lexical: [declaration, body] };
    expect(order('how are values serialized', declared)[0]).toBe('writeValue');
  });

  it('file coherence: a file with several strong candidates lifts its best unit', () => {
    const lone = unit('lone', 'one.py', 1);
    const best = unit('best', 'many.py', 1);
    const helpers = [unit('h1', 'many.py', 20), unit('h2', 'many.py', 40)];
    const lists = { vector: [lone, best, ...helpers], lexical: [lone, best, ...helpers] };
    // Off by default (it lowered NDCG on the evaluation's dev half); the mechanism, switched on:
    withConstants({ fileCoherence: 0.2 }, () => {
      expect(order('cache eviction policy', lists, off('fileCoherence'))[0]).toBe('lone');
      expect(order('cache eviction policy', lists)[0]).toBe('best');
    });
  });

  it('nested: a method inside a better-ranked class hit is folded into it', () => {
    const klass = unit('Cache', 'c.py', 1, { kind: 'class', endLine: 100 });
    const method = unit('Cache.get', 'c.py', 10, {
      name: 'get',
      qualifiedName: 'Cache.get',
      kind: 'method',
      endLine: 20,
    });
    const other = unit('evict', 'e.py', 1);
    const lists = { vector: [klass, method, other], lexical: [klass, method, other] };
    expect(order('cache lookup', lists, off('nested'))).toEqual(['Cache', 'Cache.get', 'evict']);
    const hits = rankCandidates(analyseQuery('cache lookup'), lists, { k: 10, mode: 'ranked' });
    expect(hits.map((hit) => hit.qualifiedName)).toEqual(['Cache', 'evict']);
    expect(hits[0]!.folded).toEqual([{ qualifiedName: 'Cache.get', lineNumber: 10, endLine: 20 }]);
  });

  it('file diversity: the third hit of one file steps below another file', () => {
    const same = [1, 20, 40].map((line) => unit(`f${line}`, 'big.py', line, { endLine: line + 5 }));
    const other = unit('other', 'small.py', 1);
    const lists = { vector: [...same, other], lexical: [...same, other] };
    const signals = { fileCoherence: false };
    // Off by default (factor 1: it lowered NDCG on the dev half); the mechanism, switched on:
    withConstants({ diversityFactor: 0.5 }, () => {
      expect(order('parse header', lists, { ...signals, fileDiversity: false })[2]).toBe('f40');
      expect(order('parse header', lists, signals)[2]).toBe('other');
    });
  });
});

describe('rankCandidates: windows, modes and explanations', () => {
  it('scores a unit by its best window and shows that window’s lines', () => {
    const first = unit('long', 'l.py', 1, { endLine: 600, windowStart: 1, windowEnd: 40 });
    const last = { ...first, window: 15, windowStart: 560, windowEnd: 600, score: 0.9 };
    const hits = rankCandidates(
      analyseQuery('close the socket'),
      { vector: [last, first] },
      { k: 10, mode: 'ranked' },
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ lineNumber: 1, endLine: 600, matchStart: 560, matchEnd: 600 });
  });

  it('keeps one list’s order in vector and lexical modes', () => {
    const a = unit('a', 'a.py', 1);
    const b = unit('b', 'b.py', 1);
    const lists = { vector: [a, b], lexical: [b, a] };
    const names = (mode: 'vector' | 'lexical') =>
      rankCandidates(analyseQuery('x y'), lists, { k: 10, mode }).map((hit) => hit.name);
    expect(names('vector')).toEqual(['a', 'b']);
    expect(names('lexical')).toEqual(['b', 'a']);
  });

  it('explains each hit: the lists it came from and every boost', () => {
    const klass = unit('Router', 'r.py', 10, { kind: 'class' });
    const [hit] = rankCandidates(
      analyseQuery('Router'),
      { lexical: [klass], named: [klass] },
      { k: 1, mode: 'ranked' },
    );
    const signals = hit!.explanation.map((note) => note.signal);
    expect(signals).toEqual(['lexical', 'exact name']);
    expect(hit!.explanation[1]!.effect).toBe('+1.100');
  });

  it('is deterministic', () => {
    const rows = Array.from({ length: 30 }, (_, i) => unit(`u${i}`, `f${i % 4}.py`, i + 1));
    const lists = { vector: rows, lexical: [...rows].reverse() };
    const once = order('some words here', lists);
    expect(order('some words here', lists)).toEqual(once);
  });
});

describe('test code by name', () => {
  it('an inline Rust test module steps down like a test file', () => {
    const test = unit('host_header', 'src/extract/host.rs', 90, { qualifiedName: 'tests.host_header' });
    const code = unit('from_request_parts', 'src/extract/host.rs', 30);
    const lists = { vector: [test, code], lexical: [test, code] };
    expect(order('get the host header', lists, off('testPaths'))[0]).toBe('tests.host_header');
    expect(order('get the host header', lists, off('exactName'))[0]).toBe('from_request_parts');
  });
});

describe('exact name: the definition over what merely carries the name', () => {
  it('a class before its constructor and before an impl block named after it', () => {
    const klass = unit('Elements', 'Elements.java', 30, { kind: 'class', endLine: 800 });
    const javaConstructor = unit('Elements.Elements', 'Elements.java', 34, {
      name: 'Elements',
      kind: 'method',
      parent: 'Elements',
      endLine: 36,
    });
    const impl = unit('Value', 'from.rs', 40, { kind: 'code' });
    const struct = unit('Value', 'mod.rs', 116, { kind: 'enum' });
    const lists = {
      vector: [javaConstructor, klass],
      lexical: [javaConstructor, klass],
      named: [javaConstructor, klass],
    };
    expect(order('Elements', lists)[0]).toBe('Elements');
    const rust = { vector: [impl, struct], lexical: [impl, struct], named: [impl, struct] };
    expect(rankCandidates(analyseQuery('Value'), scored(rust), { k: 2, mode: 'ranked' })[0]!.kind).toBe(
      'enum',
    );
  });

  it('reads a Rust macro call as the macro’s name', () => {
    expect(analyseQuery('json!')).toMatchObject({ type: 'symbol', identifiers: ['json'] });
  });
});

describe('explanations name only what changed the score', () => {
  it('signals that are off by default (coherence, diversity) add no notes', () => {
    const rows = [1, 20, 40].map((line) => unit(`f${line}`, 'big.py', line, { endLine: line + 5 }));
    const hits = rankCandidates(analyseQuery('parse header'), scored({ vector: rows, lexical: rows }), {
      k: 3,
      mode: 'ranked',
    });
    const signals = hits.flatMap((hit) => hit.explanation.map((note) => note.signal));
    expect(signals).not.toContain('file coherence');
    expect(signals).not.toContain('file diversity');
  });
});
