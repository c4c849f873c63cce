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
  result = await parseFixture('ruby');
});

describe('ruby fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['Rakefile', 'ruby', []],
      ['lib/shop/cart.rb', 'ruby', []],
      ['lib/shop/item.rb', 'ruby', []],
      ['spec/cart_spec.rb', 'ruby', []],
    ]);
  });

  it('extracts modules, classes, methods, singleton methods and constants in their scopes', () => {
    expect(outline(result.entities, 'lib/shop/cart.rb')).toEqual([
      'module Shop 6-76',
      'class Shop.UnknownItem 8-8',
      'constant Shop.DEFAULT_CURRENCY 11-11',
      'class Shop.Cart 18-75',
      'constant Shop.Cart.MAX_ITEMS 24-24',
      'method Shop.Cart.initialize 29-32',
      'method Shop.Cart.add 36-41',
      'method Shop.Cart.each 43-45',
      'method Shop.Cart.total 48-50',
      'method Shop.Cart.empty? 52-52',
      'method Shop.Cart.from_json 55-58',
      // `class << self` is no scope of its own: its methods are the class's, like `def self.x`.
      'method Shop.Cart.registry 62-64',
      // `def not_a_method` inside the heredoc of `summary` is text.
      'method Shop.Cart.summary 69-74',
    ]);
    expect(outline(result.entities, 'lib/shop/item.rb')).toEqual([
      'module Shop 1-24',
      'module Shop.Pricing 2-10',
      'method Shop.Pricing.round 5-7',
      'method Shop.Pricing.discount 9-9',
      // `Item = Struct.new(…) do … end` is a class; its block's defs are its methods.
      'class Shop.Item 13-17',
      'method Shop.Item.valid? 14-16',
      // `class Shop::Catalogue` inside `module Shop` is Shop::Catalogue, found lexically.
      'class Shop.Catalogue 19-23',
      'method Shop.Catalogue.lookup 20-22',
    ]);
    // A def in an rspec block is a plain function; the DSL calls are code.
    expect(outline(result.entities, 'spec/cart_spec.rb')).toEqual(['function helper_in_spec 13-15']);
    expect(outline(result.entities, 'Rakefile')).toEqual([]);
  });

  it('reads RDoc/YARD # comment blocks directly above, markers and directives removed', () => {
    const { entities } = result;
    expect(entity(entities, 'Shop.Cart').docstring).toBe(
      'A shopping cart holding line items.\n\n@example\n  cart = Shop::Cart.new\n  cart.add(item, 2)',
    );
    expect(entity(entities, 'Shop.Cart.initialize').docstring).toBe(
      'Builds an empty cart.\n\n@param currency [String] the ISO code',
    );
    expect(entity(entities, 'Shop.Cart.add').docstring).toBe(
      'Adds +quantity+ of +item+.\n@return [Cart] self, for chaining',
    );
    // The first statement of a body: its comment is a child of the class, not a sibling.
    expect(entity(entities, 'Shop.UnknownItem').docstring).toBe(
      'Raised when an item is not in the catalogue.',
    );
    expect(entity(entities, 'Shop.Pricing.round').docstring).toBe('Rounds a price to whole cents.'); // `##` opener
    expect(entity(entities, 'Shop.Cart.registry').docstring).toBe('Every cart made so far.');
    expect(entity(entities, 'Shop.DEFAULT_CURRENCY').docstring).toBe('Default currency for new carts.');
    expect(entity(entities, 'Shop.Item').docstring).toBe('One product of the catalogue.');
    expect(entity(entities, 'Shop.Cart.each').docstring).toBeUndefined();
    // `# frozen_string_literal: true` is a directive, and a blank line away.
    expect(entity(entities, 'Shop', 6).docstring).toBeUndefined();
  });

  it('builds signatures: singleton methods say so, endless methods are whole when short', () => {
    const { entities } = result;
    expect(entity(entities, 'Shop.Cart').signature).toBe('class Cart');
    expect(entity(entities, 'Shop.UnknownItem').signature).toBe('class UnknownItem < StandardError; end');
    expect(entity(entities, 'Shop.Cart.initialize').signature).toBe(
      'def initialize(currency = DEFAULT_CURRENCY)',
    );
    expect(entity(entities, 'Shop.Cart.total').signature).toBe('def total');
    expect(entity(entities, 'Shop.Cart.from_json').signature).toBe('def self.from_json(text)');
    expect(entity(entities, 'Shop.Cart.registry').signature).toBe('class << self; def registry');
    expect(entity(entities, 'Shop.Cart.empty?').signature).toBe('def empty? = @items.empty?');
    expect(entity(entities, 'Shop.Item').signature).toBe('Item = Struct.new(:sku, :price)');
    expect(entity(entities, 'Shop.Catalogue').signature).toBe('class Shop::Catalogue');
    expect(entity(entities, 'Shop.DEFAULT_CURRENCY').signature).toBe('DEFAULT_CURRENCY = "EUR"');
    expect(entity(entities, 'Shop.Cart.from_json').parent).toBe('Shop.Cart');
    expect(entity(entities, 'Shop.Catalogue').parent).toBe('Shop');
  });

  it('outlines a class with its attr lines, constants and method headers, bodies elided', () => {
    expect(entity(result.entities, 'Shop.Pricing').outline).toBe(
      [
        'module Pricing',
        '  ##',
        '  # Rounds a price to whole cents.',
        '  def self.round(value)',
        '    ...',
        '  end',
        '',
        '  def discount(rate) = price * (1 - rate)',
        'end',
      ].join('\n'),
    );
    const cart = entity(result.entities, 'Shop.Cart').outline!;
    expect(cart.split('\n').slice(0, 12)).toEqual([
      '# A shopping cart holding line items.',
      '#',
      '# @example',
      '#   cart = Shop::Cart.new',
      '#   cart.add(item, 2)',
      'class Cart',
      '  include Enumerable',
      '',
      '  attr_reader :items, :currency',
      '  attr_accessor :coupon',
      '',
      '  MAX_ITEMS = 100',
    ]);
    expect(cart).toContain(
      '  class << self\n    # Every cart made so far.\n    def registry\n      ...\n    end\n  end',
    );
    expect(cart).not.toContain('not_a_method');
  });

  it('makes code chunks of requires, DSL blocks and top-level statements, and covers every line', () => {
    const { entities } = result;
    expect(codeChunks(entities, 'lib/shop/cart.rb')).toEqual(['imports 1-4', 'registry 78-79']);
    // The require comes with the describe block it precedes: the chunk is named after the block.
    expect(codeChunks(entities, 'spec/cart_spec.rb')).toEqual(['describe 1-16']);
    expect(codeChunks(entities, 'Rakefile')).toEqual(['desc 1-9']);
    const spec = entities.find((e) => e.filePath === 'spec/cart_spec.rb' && e.kind === 'code')!;
    expect(spec.outline).toContain('  def helper_in_spec\n    ...\n  end');
    for (const file of result.files) {
      const source = fixtureLines('ruby', file.filePath).join('\n');
      const own = entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});

describe('ruby bad input', () => {
  it('finds the definitions before and after a syntax error, and names its line', () => {
    const source = [
      'class Before',
      '  def ok; end',
      'end',
      '',
      'def broken(x',
      '  x +* 2',
      'end',
      '',
      'class After',
      '  # Still found.',
      '  def fine',
      '    1',
      '  end',
      'end',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'ruby', 'broken.rb');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^syntax errors near lines? [^;]*\b[5-7]\b/);
    const names = parsed.entities
      .filter((e) => e.kind !== 'code')
      .map((e) => `${e.qualifiedName}:${e.lineNumber}`);
    expect(names).toContain('Before:1');
    expect(names).toContain('Before.ok:2');
    expect(names).toContain('After:9');
    expect(names).toContain('After.fine:11');
    expect(parsed.entities.find((e) => e.qualifiedName === 'After.fine')!.docstring).toBe('Still found.');
  });

  it('reads definitions inside heredocs as text; a constant holding heredocs ends with them', () => {
    const source = [
      'TEMPLATE = <<~RUBY',
      '  class Fake',
      '    def fake; end',
      '  end',
      'RUBY',
      '',
      'def render(name)',
      '  puts(<<-EOS, name)',
      '    def also_fake',
      '    EOS',
      'end',
      '',
      'PAIR = [<<~A, <<~B]',
      '  first',
      'A',
      '  second',
      'B',
      'puts PAIR',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'ruby', 'heredoc.rb');
    expect(parsed.warnings).toEqual([]);
    // tree-sitter-ruby puts a heredoc's lines after the statement that opens it, not inside.
    expect(outline(parsed.entities, 'heredoc.rb')).toEqual([
      'constant TEMPLATE 1-5',
      'function render 7-11',
      'constant PAIR 13-17',
    ]);
    expect(codeChunks(parsed.entities, 'heredoc.rb')).toEqual(['puts 18-18']);
    expect(entity(parsed.entities, 'TEMPLATE').signature).toBe('TEMPLATE = <<~RUBY');
    expect(entity(parsed.entities, 'TEMPLATE').sourceCode).toBe(source.split('\n').slice(0, 5).join('\n'));
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('parses a generated file of 4,000 methods within the default limits, and skips one over 1 MiB', async () => {
    const methods = Array.from(
      { length: 4000 },
      (_, i) => `  # Doc ${i}.\n  def m${i}(a)\n    a + ${i}\n  end\n`,
    );
    const big = `module Generated\n${methods.join('\n')}end\n`;
    expect(Buffer.byteLength(big)).toBeLessThan(1024 * 1024);
    const huge = `module Huge\n${Array.from({ length: 30_000 }, (_, i) => `  def generated_method_${i}(argument) = argument + ${i}\n`).join('')}end\n`;
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1024 * 1024);
    const root = await tempDir();
    await writeTree(root, { 'generated.rb': big, 'huge.rb': huge });
    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['huge.rb', expect.stringMatching(/^too large \(1\.\d MiB, limit 1\.0 MiB\)$/)],
    ]);
    const found = parsed.entities.filter((e) => e.kind === 'method');
    expect(found).toHaveLength(4000);
    expect(found[3999]).toMatchObject({
      qualifiedName: 'Generated.m3999',
      lineNumber: 3 + 3999 * 5,
      docstring: 'Doc 3999.',
    });
    expect(uncoveredLines(big, parsed.entities)).toEqual([]);
  });
});

// rspec-core 3.12.0 as Debian ships it (ruby-rspec-core, bookworm): lib/ and exe/rspec.
describe('ruby real code: rspec-core', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('ruby-rspec-core');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 120_000);

  it('parses every file without errors, with the pinned counts', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([]);
    const byKind: Record<string, number> = {};
    for (const e of parsed.entities) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    // Counted on the pinned version; a sample (example.rb, core.rb, formatters/) checked by hand.
    expect(parsed.files).toHaveLength(74);
    expect(byKind).toEqual({ module: 214, class: 120, method: 1056, function: 1, constant: 70, code: 44 });
  });

  it('finds exact entities, checked against the source', () => {
    const example = (name: string, line?: number) =>
      entity(
        parsed.entities.filter((e) => e.filePath === 'lib/rspec/core/example.rb'),
        name,
        line,
      );
    expect(example('RSpec.Core.Example')).toMatchObject({
      kind: 'class',
      lineNumber: 44,
      endLine: 647,
      signature: 'class Example',
    });
    expect(example('RSpec.Core.Example').docstring!.split('\n')[0]).toBe(
      'Wrapper for an instance of a subclass of {ExampleGroup}. An instance of',
    );
    expect(example('RSpec.Core.Example.delegate_to_metadata')).toMatchObject({
      kind: 'method',
      lineNumber: 48,
      signature: 'def self.delegate_to_metadata(key)',
      docstring: "@private\n\nUsed to define methods that delegate to this example's metadata.",
    });
    expect(example('RSpec.Core.Example.Procsy.call')).toMatchObject({
      kind: 'method',
      lineNumber: 350,
      signature: 'def call(*args, &block)',
      docstring: 'Calls the proc and notes that the example has been executed.',
    });
    // In an `if`: the comment above is a child of the `if`, before its `then`.
    // `# :nocov:` is a directive, left out.
    const constant = example(
      'RSpec.Core.Example.AllExceptionsExcludingDangerousOnesOnRubiesThatAllowIt',
      306,
    );
    expect(constant).toMatchObject({
      kind: 'constant',
      signature: 'AllExceptionsExcludingDangerousOnesOnRubiesThatAllowIt = Exception',
    });
    expect(constant.docstring!.split('\n')).toEqual([
      'For some reason, rescuing `Support::AllExceptionsExceptOnesWeMustNotRescue`',
      'in place of `Exception` above can cause the exit status to be the wrong',
      'thing. I have no idea why. See:',
      'https://github.com/rspec/rspec-core/pull/2063#discussion_r38284978',
      '@private',
    ]);
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
