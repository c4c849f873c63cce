import { describe, expect, it } from 'vitest';
import { parseSource } from '../src/index.js';

/** `name start-end` of each code chunk. */
function chunks(source: string, language: Parameters<typeof parseSource>[1] = 'python'): string[] {
  return parseSource(source, language, `file.${language}`)
    .entities.filter((entity) => entity.kind === 'code')
    .map((entity) => `${entity.name} ${entity.lineNumber}-${entity.endLine}`);
}

describe('code chunks', () => {
  it('are at most 40 lines, cut between top-level statements', () => {
    const source = Array.from({ length: 100 }, (_, i) => `value_${i} = ${i}\n`).join('');
    expect(chunks(source)).toEqual(['value_0 1-40', 'value_40 41-80', 'value_80 81-100']);
  });

  it('are at most 1,500 characters', () => {
    // 30 statements of 100 characters and a line break: 14 fit in 1,500 characters.
    const source = Array.from(
      { length: 30 },
      (_, i) => `v${String(i).padStart(2, '0')} = '${'x'.repeat(92)}'\n`,
    ).join('');
    expect(source.split('\n')[0]).toHaveLength(100);
    expect(chunks(source)).toEqual(['v00 1-14', 'v14 15-28', 'v28 29-30']);
  });

  it('keep a long statement whole', () => {
    const table = `table = {\n${Array.from({ length: 60 }, (_, i) => `    "k${i}": ${i},\n`).join('')}}\n`;
    const source = `import os\n${table}print(table)\n`;
    // The import joins nothing longer than the bound; the 62-line dict stays one chunk.
    expect(chunks(source)).toEqual(['imports 1-1', 'table 2-63', 'print 64-64']);
  });

  it('never run across a definition, and take blank lines and comments between statements', () => {
    const source = [
      '# Setup.', // 1
      'import sys', // 2
      '', // 3
      'sys.path.insert(0, ".")', // 4
      '', // 5
      'def main():', // 6
      '    return 0', // 7
      '', // 8
      '# Run it.', // 9
      '', // 10
      'main()', // 11
      '',
    ].join('\n');
    expect(chunks(source)).toEqual(['sys 1-4', 'main 9-11']);
  });

  it('cover a file without definitions, and a file of comments only', () => {
    expect(chunks('// config\nexport default { port: 80 };\n', 'javascript')).toEqual(['<top-level> 1-2']);
    expect(chunks('# just a note\n# and another\n')).toEqual(['<top-level> 1-2']);
    expect(chunks('\n\n')).toEqual([]);
  });

  it('have the first code line as signature and the lines as source', () => {
    const [chunk] = parseSource('# Start.\nrun(  1,\n  2)\n', 'python', 'run.py').entities;
    expect(chunk).toMatchObject({
      kind: 'code',
      name: 'run',
      qualifiedName: 'run',
      lineNumber: 1,
      endLine: 3,
      signature: 'run( 1,',
      sourceCode: '# Start.\nrun(  1,\n  2)',
    });
  });
});
