import { readdirSync } from 'node:fs';
import type { CodeEntity } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../src/index.js';
import { FIXTURES, fixtureLines, parseFixture } from './helpers.js';

// Every fixture repository but `kinds` (single files for kinds.test.ts) is one language's.
const LANGUAGES = readdirSync(FIXTURES)
  .filter((name) => name !== 'kinds')
  .sort();

// Checks every entity of every fixture against the fixture's own text, so a wrong line
// number or a slice cut in the wrong place (multi-byte characters) shows up.
describe.each(LANGUAGES)('%s fixture: entities agree with the file text', (language) => {
  it('has POSIX root-relative paths, declaration lines that name the entity, and matching source spans', async () => {
    const result = await parseFixture(language);
    expect(result.entities.length).toBeGreaterThan(5);
    for (const entity of result.entities) {
      expect(entity.filePath).not.toMatch(/\\|^\/|^\.\.?\//);
      expect(entity.language).toBe(language);
      const lines = fixtureLines(language, entity.filePath);
      const where = `${entity.filePath}:${entity.lineNumber} ${entity.qualifiedName}`;
      // A code chunk's name may be `imports` or `<top-level>`; a definition's is on its line.
      if (entity.kind !== 'code') expect(lines[entity.lineNumber - 1], where).toContain(entity.name);
      expect(entity.endLine, where).toBeGreaterThanOrEqual(entity.lineNumber);

      const sourceLines = entity.sourceCode.split('\n');
      expect(sourceLines.length, where).toBe(entity.endLine - entity.lineNumber + 1);
      // The source starts at the declaration, which need not start its line (`run(); function f() {}`).
      expect(sourceLines[0], where).toBe(sourceLines[0]!.trimStart());
      expect(lines[entity.lineNumber - 1], where).toContain(sourceLines[0]!.trim());
      if (sourceLines.length > 1)
        expect(lines[entity.endLine - 1]!.trim().startsWith(sourceLines.at(-1)!.trim()), where).toBe(true);
      // Dedenting changes only leading whitespace: the source is a piece of the file.
      expect(collapse(lines.join('\n')), where).toContain(collapse(entity.sourceCode));

      const qualified = entity.parent ? `${entity.parent}.${entity.name}` : entity.name;
      expect(entity.qualifiedName, where).toBe(qualified);
      expect(entity.signature, where).not.toMatch(/\s{2}|\n/);
    }
  });
});

// Windows line endings must not change lines, docstrings or signatures.
// (Source code, outlines and decorators are raw text and keep the file's line endings.)
describe.each(LANGUAGES)('%s fixture with CRLF line endings', (language) => {
  it('gives the same entities', async () => {
    const result = await parseFixture(language);
    for (const file of result.files) {
      const text = fixtureLines(language, file.filePath).join('\n');
      const lf = parseSource(text, file.language, file.filePath);
      const crlf = parseSource(text.replace(/\n/g, '\r\n'), file.language, file.filePath);
      expect(crlf.warnings).toEqual([]);
      expect(crlf.entities.map(comparable)).toEqual(lf.entities.map(comparable));
      expect(crlf.entities.map((entity) => entity.sourceCode.replace(/\r\n/g, '\n'))).toEqual(
        lf.entities.map((entity) => entity.sourceCode),
      );
    }
  });
});

/** Everything but the raw text (source code, outlines and decorators keep the file's line endings). */
function comparable({ sourceCode: _sourceCode, decorators, outline, ...rest }: CodeEntity): object {
  return {
    ...rest,
    decorators: decorators?.map((text) => text.replace(/\r\n/g, '\n')),
    outline: outline?.replace(/\r\n/g, '\n'),
  };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ');
}
