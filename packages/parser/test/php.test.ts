import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureLines, outline, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';
import { tempDir, writeTree } from './tree.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('php');
});

describe('php fixture', () => {
  it('parses every file without errors or warnings, HTML around <?php included', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['src/Logger.php', 'php', []],
      ['src/legacy.php', 'php', []],
      ['templates/page.php', 'php', []],
    ]);
  });

  it('names declarations after `namespace X;` and inside `namespace X { }`', () => {
    expect(outline(result.entities, 'src/Logger.php')).toEqual([
      'constant Acme\\Log.MAX_MESSAGE 12-12',
      'interface Acme\\Log.Writer 17-21',
      'method Acme\\Log.Writer.write 20-20',
      'trait Acme\\Log.Timestamps 26-34',
      'method Acme\\Log.Timestamps.now 30-33',
      'enum Acme\\Log.Level 36-46',
      'method Acme\\Log.Level.isUrgent 42-45',
      // The line of `final class`, after the attributes.
      'class Acme\\Log.FileLogger 55-92',
      'constant Acme\\Log.FileLogger.DEFAULT_FORMAT 59-59',
      'constant Acme\\Log.FileLogger.LEVELS 60-63',
      'method Acme\\Log.FileLogger.__construct 68-72',
      'method Acme\\Log.FileLogger.log 81-84',
      'method Acme\\Log.FileLogger.create 86-89',
      'method Acme\\Log.FileLogger.flush 91-91',
      'function Acme\\Log.format_context 97-100',
      'method Acme\\Log.<anonymous>.write 103-106',
    ]);
    expect(outline(result.entities, 'src/legacy.php')).toEqual([
      'module Acme\\Legacy 2-13',
      'function Acme\\Legacy.legacy_log 4-7',
      'class Acme\\Legacy.Registry 9-12',
      // The global `namespace { }` names nothing.
      'function acme_boot 19-22',
    ]);
    expect(outline(result.entities, 'templates/page.php')).toEqual(['function item 7-10']);
  });

  it('reads PHPDoc blocks directly above, attributes in between', () => {
    const { entities } = result;
    expect(entity(entities, 'Acme\\Log.FileLogger').docstring).toBe(
      'A logger writing to a {@see Writer}.\n\n@author Jane Doe',
    );
    expect(entity(entities, 'Acme\\Log.FileLogger.log').docstring).toBe(
      'Logs with an arbitrary level.\n\n@param mixed $level\n@param string|\\Stringable $message',
    );
    expect(entity(entities, 'Acme\\Log.Writer.write').docstring).toBe('Writes one formatted line.');
    expect(entity(entities, 'Acme\\Log.MAX_MESSAGE').docstring).toBe('Maximum length of one message.');
    expect(entity(entities, 'Acme\\Log.Level.isUrgent').docstring).toBe(
      'Whether records of this level wake someone up.',
    );
    expect(entity(entities, 'acme_boot').docstring).toBe('Global entry point.');
    expect(entity(entities, 'item').docstring).toBe('Renders one list item.');
    // `//` is not PHPDoc.
    expect(entity(entities, 'Acme\\Legacy.legacy_log').docstring).toBeUndefined();
    expect(entity(entities, 'Acme\\Log.FileLogger.create').docstring).toBeUndefined();
  });

  it('records attributes as decorators, one per #[…] list', () => {
    const { entities } = result;
    expect(entity(entities, 'Acme\\Log.FileLogger').decorators).toEqual([
      "#[\\Attribute]\n#[Deprecated(reason: 'use Monolog')]",
    ]);
    expect(entity(entities, 'Acme\\Log.FileLogger.log').decorators).toEqual(['#[\\Override]']);
    expect(entity(entities, 'Acme\\Log.FileLogger.create').decorators).toBeUndefined();
  });

  it('builds signatures up to the body, without attributes', () => {
    const { entities } = result;
    expect(entity(entities, 'Acme\\Log.FileLogger').signature).toBe(
      'final class FileLogger extends AbstractLogger implements LoggerInterface',
    );
    expect(entity(entities, 'Acme\\Log.FileLogger.log').signature).toBe(
      'public function log($level, string|\\Stringable $message, array $context = []): void',
    );
    expect(entity(entities, 'Acme\\Log.FileLogger.flush').signature).toBe(
      'abstract protected function flush(): int',
    );
    expect(entity(entities, 'Acme\\Log.Writer.write').signature).toBe(
      'public function write(string $line): void',
    );
    expect(entity(entities, 'Acme\\Log.Level').signature).toBe('enum Level: string');
    expect(entity(entities, 'Acme\\Log.FileLogger.DEFAULT_FORMAT').signature).toBe(
      "public const DEFAULT_FORMAT = '[%s] %s: %s'",
    );
    expect(entity(entities, 'Acme\\Log.FileLogger.LEVELS').signature).toBe('private const LEVELS');
    expect(entity(entities, 'Acme\\Legacy').signature).toBe('namespace Acme\\Legacy');
    expect(entity(entities, 'Acme\\Log.FileLogger.log').parent).toBe('Acme\\Log.FileLogger');
    expect(entity(entities, 'Acme\\Log.format_context').parent).toBe('Acme\\Log');
  });

  it('outlines a class with its use, constants and properties, method bodies elided', () => {
    expect(entity(result.entities, 'Acme\\Log.Timestamps').outline).toBe(
      [
        '/**',
        ' * Adds a timestamp to every record.',
        ' */',
        'trait Timestamps',
        '{',
        '    private ?\\DateTimeImmutable $clock = null;',
        '',
        '    public function now(): string',
        '    { … }',
        '}',
      ].join('\n'),
    );
    const logger = entity(result.entities, 'Acme\\Log.FileLogger').outline!;
    expect(logger).toContain('    use Timestamps;\n');
    expect(logger).toContain('    private array $buffer = [];\n');
    expect(logger).toContain(
      '    #[\\Override]\n    public function log($level, string|\\Stringable $message, array $context = []): void\n    { … }\n',
    );
    expect(logger).toContain('    abstract protected function flush(): int;\n}');
  });

  it('makes code chunks of the imports, the HTML and top-level statements, and covers every line', () => {
    const { entities } = result;
    // `<?php`, `declare`, `namespace X;` and `use` lines are one chunk named imports.
    expect(codeChunks(entities, 'src/Logger.php')).toEqual(['imports 1-9', 'default 102-107']);
    // A chunk is named after the first name in it: in the global namespace block, the function's.
    expect(codeChunks(entities, 'src/legacy.php')).toEqual(['<top-level> 1-1', 'acme_boot 15-25']);
    // The HTML and the `<?= … ?>` / `foreach` template code around the function.
    expect(codeChunks(entities, 'templates/page.php')).toEqual(['htmlspecialchars 1-5', 'items 11-18']);
    const html = entities.find((e) => e.filePath === 'templates/page.php' && e.lineNumber === 11)!;
    expect(html.sourceCode).toContain('<?php foreach ($items as $label): ?>');
    for (const file of result.files) {
      const source = fixtureLines('php', file.filePath).join('\n');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('php bad input', () => {
  it('finds the definitions before and after a syntax error, and names its line', () => {
    const source = [
      '<?php',
      'class Before',
      '{',
      '    public function ok() {}',
      '}',
      '',
      'function broken($x {',
      '    return $x +* 2;',
      '}',
      '',
      '/** Still found. */',
      'function after(): int',
      '{',
      '    return 2;',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'php', 'broken.php');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? [^;]*\b[7-9]\b/);
    const names = parsed.entities
      .filter((e) => e.kind !== 'code')
      .map((e) => `${e.qualifiedName}:${e.lineNumber}`);
    expect(names).toContain('Before:2');
    expect(names).toContain('Before.ok:4');
    expect(names).toContain('after:12');
    expect(entity(parsed.entities, 'after').docstring).toBe('Still found.');
  });

  it('reads a file that is all HTML, and one whose PHP never closes', () => {
    const html = '<html>\n<body>\n<p>No PHP here.</p>\n</body>\n</html>\n';
    const onlyHtml = parseSource(html, 'php', 'static.php');
    expect(onlyHtml.warnings).toEqual([]);
    expect(codeChunks(onlyHtml.entities, 'static.php')).toEqual(['<top-level> 1-5']);
    const open = '<p>Head</p>\n<?php\nfunction tail() { return 1; }\n';
    const parsed = parseSource(open, 'php', 'open.php');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'open.php')).toEqual(['function tail 3-3']);
    expect(uncoveredLines(open, parsed.entities)).toEqual([]);
  });

  it('parses a generated file of 4,000 functions within the default limits, and skips one over 1 MiB', async () => {
    const functions = Array.from(
      { length: 4000 },
      (_, i) => `/** Doc ${i}. */\nfunction f${i}(int $a): int\n{\n    return $a + ${i};\n}\n`,
    );
    const big = `<?php\nnamespace Gen;\n\n${functions.join('\n')}`;
    expect(Buffer.byteLength(big)).toBeLessThan(1024 * 1024);
    const huge = `<?php\n${Array.from({ length: 30_000 }, (_, i) => `function generated_function_${i}() { return ${i}; }\n`).join('')}`;
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1024 * 1024);
    const root = await tempDir();
    await writeTree(root, { 'generated.php': big, 'huge.php': huge });
    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['huge.php', expect.stringMatching(/^too large \(1\.\d MiB, limit 1\.0 MiB\)$/)],
    ]);
    const found = parsed.entities.filter((e) => e.kind === 'function');
    expect(found).toHaveLength(4000);
    // Line 4 + 6 per function: doc, signature, {, return, }, blank.
    expect(found[3999]).toMatchObject({
      qualifiedName: 'Gen.f3999',
      lineNumber: 5 + 3999 * 6,
      docstring: 'Doc 3999.',
    });
    expect(uncoveredLines(big, parsed.entities)).toEqual([]);
  });
});

// Monolog 2.9.1 as Debian ships it (php-monolog, bookworm): usr/share/php/Monolog.
describe('php real code: monolog', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('php-monolog');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 120_000);

  it('parses every file without errors, with the pinned counts', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([]);
    // Debian's generated autoloader.
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['autoload.php', 'generated file (marker in its header)'],
    ]);
    expect(parsed.files).toHaveLength(115);
    const byKind: Record<string, number> = {};
    for (const e of parsed.entities) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    // Counted on the pinned version and checked with grep (declarations less `use function`/`use const`);
    // Logger.php checked entity by entity.
    expect(byKind).toEqual({ class: 104, interface: 8, trait: 3, method: 635, constant: 55, code: 115 });
  });

  it('finds exact entities, checked against the source', () => {
    const logger = parsed.entities.filter((e) => e.filePath === 'Logger.php');
    expect(entity(logger, 'Monolog.Logger')).toMatchObject({
      kind: 'class',
      lineNumber: 34,
      endLine: 761,
      signature: 'class Logger implements LoggerInterface, ResettableInterface',
    });
    expect(entity(logger, 'Monolog.Logger').docstring!.split('\n')[0]).toBe('Monolog log channel');
    expect(entity(logger, 'Monolog.Logger.DEBUG')).toMatchObject({
      kind: 'constant',
      lineNumber: 39,
      signature: 'public const DEBUG = 100',
      docstring: 'Detailed debug information',
    });
    expect(entity(logger, 'Monolog.Logger.pushHandler')).toMatchObject({
      kind: 'method',
      lineNumber: 225,
      signature: 'public function pushHandler(HandlerInterface $handler): self',
      docstring: 'Pushes a handler on to the stack.',
    });
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
