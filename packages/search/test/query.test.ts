import { describe, expect, it } from 'vitest';
import { analyseQuery, splitForm, stem } from '../src/query.js';

describe('analyseQuery', () => {
  it('reads a bare identifier as a symbol query', () => {
    expect(analyseQuery('APIRouter')).toMatchObject({ type: 'symbol', identifiers: ['APIRouter'] });
    expect(analyseQuery('Session.send')).toMatchObject({ type: 'symbol', identifiers: ['Session.send'] });
    expect(analyseQuery('serde::de::Deserialize').identifiers).toEqual(['serde.de.Deserialize']);
    expect(analyseQuery('unmarshal')).toMatchObject({ type: 'symbol', identifiers: ['unmarshal'] });
    expect(analyseQuery('parse()').identifiers).toEqual(['parse']);
  });

  it('finds identifiers inside a sentence: backticks, camelCase, snake_case, dotted', () => {
    expect(analyseQuery('how does `Depends` resolve sub-dependencies')).toMatchObject({
      type: 'mixed',
      identifiers: ['Depends'],
    });
    expect(analyseQuery('where is writeFileAtomic called').identifiers).toEqual(['writeFileAtomic']);
    expect(analyseQuery('what calls solve_dependencies first').identifiers).toEqual(['solve_dependencies']);
    expect(analyseQuery('when is app.use invoked?').identifiers).toEqual(['app.use']);
  });

  it('reads plain words as a natural-language query, without stop words', () => {
    const analysis = analyseQuery('how are routes registered');
    expect(analysis).toMatchObject({ type: 'natural', identifiers: [], wantsTests: false });
    expect(analysis.words).toEqual(['routes', 'registered']);
  });

  it('notices a question about tests', () => {
    expect(analyseQuery('tests for the cookie parser').wantsTests).toBe(true);
    expect(analyseQuery('parse cookies').wantsTests).toBe(false);
  });
});

describe('identifier forms', () => {
  it('agrees across case styles', () => {
    expect(splitForm('parse_file')).toBe('parse file');
    expect(splitForm('parseFile')).toBe('parse file');
    expect(splitForm('HTTPServer')).toBe('http server');
  });
  it('stems words so that route, routes and routing meet', () => {
    expect(stem('routes')).toBe(stem('route'));
    expect(stem('routing')).toBe(stem('route'));
  });
});

describe('stem', () => {
  it('joins word forms and keeps different words apart', () => {
    expect(new Set(['registered', 'register', 'registry'].map(stem)).size).toBe(1);
    expect(new Set(['handle', 'handler', 'handling'].map(stem)).size).toBe(1);
    expect(stem('context')).not.toBe(stem('content'));
  });
});
