import { describe, expect, it } from 'vitest';
import { buildSearchText, identifierParts } from '../src/index.js';

describe('identifierParts', () => {
  it('splits camelCase, PascalCase, acronyms, snake_case and digits', () => {
    expect(identifierParts('parseHTTPResponse2xx')).toEqual(['parse', 'HTTP', 'Response', '2', 'xx']);
    expect(identifierParts('ParseURL')).toEqual(['Parse', 'URL']);
    expect(identifierParts('read_config_file')).toEqual(['read', 'config', 'file']);
    expect(identifierParts('Parser.parse_file')).toEqual(['Parser', 'parse', 'file']);
    expect(identifierParts('')).toEqual([]);
  });
});

describe('buildSearchText', () => {
  it('puts the qualified name words first, then the text, then split mixed-case identifiers once', () => {
    const text =
      'typescript function loadConfig\npath: src/config.ts\n\nfunction loadConfig() { return readJSONFile(p) ?? readJSONFile(q); }';
    expect(buildSearchText({ qualifiedName: 'loadConfig', text })).toBe(
      `load Config\n${text}\nload Config read JSON File`,
    );
  });

  it('adds nothing for identifiers the tokenizer already splits', () => {
    const text = 'def read_config(path):\n    return open(path)';
    expect(buildSearchText({ qualifiedName: 'read_config', text })).toBe(`read config\n${text}\n`);
  });
});
