import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

const DIR = 'Sources/Shop';
let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('swift');
});

describe('swift fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      [`${DIR}/Cart.swift`, 'swift', []],
      [`${DIR}/Extensions.swift`, 'swift', []],
      [`${DIR}/Models.swift`, 'swift', []],
    ]);
  });

  it('extracts protocols, structs, enums, initializers and computed properties', () => {
    expect(outline(result.entities, `${DIR}/Models.swift`)).toEqual([
      'interface Priced 6-11',
      // Property requirements are the protocol's, not units.
      'method Priced.discounted 9-9',
      'method Priced.init 10-10',
      'struct Product 16-38',
      // Stored properties are fields, but a `static let`.
      'constant Product.free 19-19',
      'method Product.init 21-23',
      'method Product.init 25-28',
      'method Product.isFree 31-33',
      'method Product.discounted 35-37',
      'enum OrderStatus 41-54',
      'method OrderStatus.isFinal 45-45',
      'method OrderStatus.next 48-53',
    ]);
    expect(codeChunks(result.entities, `${DIR}/Models.swift`)).toEqual(['imports 1-1']);
  });

  it('extracts classes, actors, nested types, deinit, subscripts and top-level declarations', () => {
    expect(outline(result.entities, `${DIR}/Cart.swift`)).toEqual([
      'type CartHandler 4-4',
      'constant maxItems 6-6',
      'variable cartCount 7-7',
      'class Cart 11-46',
      'struct Cart.Line 16-19',
      'method Cart.deinit 21-23',
      'method Cart.add 27-32',
      'method Cart.subscript 34-36',
      'method Cart.total 38-40',
      'method Cart.checkout 42-45',
      'function Cart.checkout.lineTotal 43-43',
      'class ReceiptStore 48-54',
      'method ReceiptStore.save 51-53',
      'struct Receipt 56-58',
    ]);
    expect(codeChunks(result.entities, `${DIR}/Cart.swift`)).toEqual(['imports 1-2', 'print 60-60']);
  });

  it('makes extension members methods of the extended type, like a Rust impl', () => {
    expect(outline(result.entities, `${DIR}/Extensions.swift`)).toEqual([
      'method Product.description 4-4',
      'method Product.parse 7-11',
      'method Array.totalPrice 17-19',
      'function formatCents 23-25',
    ]);
    // The extensions' own lines (their headers, braces and comments) are code, bodies elided.
    expect(codeChunks(result.entities, `${DIR}/Extensions.swift`)).toEqual(['Product 1-20']);
    expect(entity(result.entities, 'Product.parse').parent).toBe('Product');
  });

  it('reads /// lines and /** */ blocks directly above, attributes included in the declaration', () => {
    const { entities } = result;
    expect(entity(entities, 'Priced').docstring).toBe(
      'Something with a price.\n\n- Note: prices are in cents.',
    );
    expect(entity(entities, 'Priced.discounted').docstring).toBeUndefined();
    expect(entity(entities, 'Product').docstring).toBe('A product the shop sells.');
    expect(entity(entities, 'Product.isFree').docstring).toBe('Whether it costs nothing.');
    expect(entity(entities, 'Product.discounted').docstring).toBeUndefined();
    expect(entity(entities, 'OrderStatus').docstring).toBe('Where an order is.');
    expect(entity(entities, 'OrderStatus.next').docstring).toBe('The status after this one.');
    expect(entity(entities, 'Cart').docstring).toBe('A shopping cart.');
    expect(entity(entities, 'Cart.Line').docstring).toBe('An item and how many of it.');
    expect(entity(entities, 'Cart.add').docstring).toBe('Adds a product.');
    expect(entity(entities, 'Product.parse').docstring).toBe('Makes a product from a catalog line.');
    // A plain `//` comment is not documentation.
    expect(entity(entities, 'Array.totalPrice').docstring).toBe('The sum of the prices.');
    expect(entity(entities, 'formatCents').docstring).toBe('Formats cents as money.');
  });

  it('records attributes as decorators, not counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, 'Cart').decorators).toEqual(['@MainActor']);
    expect(entity(entities, 'Cart').lineNumber).toBe(11);
    expect(entity(entities, 'Cart').sourceCode.startsWith('final class Cart: ObservableObject {')).toBe(true);
    expect(entity(entities, 'Cart.add').decorators).toEqual(['@discardableResult']);
    expect(entity(entities, 'Cart.checkout').decorators).toBeUndefined();
  });

  it('builds signatures: the declaration up to its body, on one line', () => {
    const { entities } = result;
    expect(entity(entities, 'Priced').signature).toBe('public protocol Priced');
    expect(entity(entities, 'Priced.discounted').signature).toBe('func discounted(by percent: Int) -> Int');
    expect(entity(entities, 'Priced.init').signature).toBe('init(price: Int)');
    expect(entity(entities, 'Product').signature).toBe('public struct Product: Priced, Codable, Equatable');
    expect(entity(entities, 'Product.free').signature).toBe(
      'static let free = Product(sku: "FREE", price: 0)',
    );
    expect(entity(entities, 'Product.init', 25).signature).toBe('public init(sku: String, price: Int)');
    expect(entity(entities, 'Product.isFree').signature).toBe('var isFree: Bool');
    expect(entity(entities, 'OrderStatus').signature).toBe('enum OrderStatus: String, CaseIterable');
    expect(entity(entities, 'CartHandler').signature).toBe('typealias CartHandler = (Cart) -> Void');
    expect(entity(entities, 'maxItems').signature).toBe('let maxItems = 100');
    expect(entity(entities, 'cartCount').signature).toBe('var cartCount = 0');
    expect(entity(entities, 'Cart').signature).toBe('final class Cart: ObservableObject');
    expect(entity(entities, 'Cart.deinit').signature).toBe('deinit');
    expect(entity(entities, 'Cart.subscript').signature).toBe('subscript(index: Int) -> Product');
    expect(entity(entities, 'Cart.checkout').signature).toBe('func checkout() async throws -> Receipt');
    expect(entity(entities, 'ReceiptStore').signature).toBe('actor ReceiptStore');
    expect(entity(entities, 'Product.parse').signature).toBe('static func parse(_ line: String) -> Product?');
  });

  it('outlines types with bodies elided, stored properties kept', () => {
    expect(entity(result.entities, 'Product').outline).toBe(
      [
        '/**',
        ' * A product the shop sells.',
        ' */',
        'public struct Product: Priced, Codable, Equatable {',
        '  public let sku: String',
        '  public let price: Int',
        '  static let free = Product(sku: "FREE", price: 0)',
        '',
        '  public init(price: Int) { … }',
        '',
        '  public init(sku: String, price: Int) { … }',
        '',
        '  /// Whether it costs nothing.',
        '  var isFree: Bool { … }',
        '',
        '  public func discounted(by percent: Int) -> Int { … }',
        '}',
      ].join('\n'),
    );
  });

  it('leaves no line outside a unit', () => {
    for (const file of ['Cart.swift', 'Extensions.swift', 'Models.swift']) {
      const filePath = `${DIR}/${file}`;
      const source = readFileSync(path.join(fixtureRoot('swift'), filePath), 'utf8');
      const entities = result.entities.filter((candidate) => candidate.filePath === filePath);
      expect(uncoveredLines(source, entities), file).toEqual([]);
    }
  });
});

describe('swift bad input', () => {
  it('finds the functions before and after a syntax error, and names its line', () => {
    const source = [
      'import UIKit',
      '',
      'func before() -> Int { 1 }',
      '',
      'func broken() {',
      '  let x = (1 +',
      '}',
      '',
      'func after() -> Int { 2 }',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'swift', 'Broken.swift');
    expect(outline(parsed.entities, 'Broken.swift')).toEqual([
      'function before 3-3',
      'function broken 5-7',
      'function after 9-9',
    ]);
    expect(parsed.warnings).toEqual(['syntax errors near line 6; 3 definitions extracted from the rest']);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('reads the members of every #if branch inside a type; top-level directives are code', () => {
    const source = [
      'public class Logger {',
      '  #if DEBUG',
      '  private var minLevel = 0',
      '  #else',
      '  private var minLevel = 2',
      '  #endif',
      '',
      '  /// Logs at info level.',
      '  public func info(_ text: String) {}',
      '}',
      '',
      '#if os(iOS)',
      'func iosOnly() {}',
      '#endif',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'swift', 'Logger.swift');
    // tree-sitter-swift alone reads the class as an error: `info` lost its class.
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Logger.swift')).toEqual([
      'class Logger 1-10',
      'method Logger.info 9-9',
      'function iosOnly 13-13',
    ]);
    expect(entity(parsed.entities, 'Logger.info').docstring).toBe('Logs at info level.');
    // `#if os(iOS)` is named after its condition's name.
    expect(codeChunks(parsed.entities, 'Logger.swift')).toEqual(['iOS 12-12', '<top-level> 14-14']);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('keeps function-like text in multi-line and raw strings out of the definitions', () => {
    const source = [
      'let template = """',
      '  func notAFunction() {}',
      '  """',
      'let pattern = #"^\\d+ func"#',
      'func real() {}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'swift', 'Strings.swift');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Strings.swift')).toEqual([
      'constant template 1-3',
      'constant pattern 4-4',
      'function real 5-5',
    ]);
  });

  it('parses a generated file of 3,000 documented functions; above 1 MiB the walk skips it', async () => {
    const functions = Array.from(
      { length: 3000 },
      (_, i) => `/// Returns ${i}.\nfunc value${i}(_ x: Int) -> Int {\n  x + ${i}\n}\n`,
    ).join('\n');
    const body = `import Foundation\n\n${functions}`;
    const parsed = parseSource(body, 'swift', 'Values.swift');
    expect(parsed.warnings).toEqual([]);
    const found = parsed.entities.filter((e) => e.kind === 'function');
    expect(found).toHaveLength(3000);
    expect(found[2999]).toMatchObject({
      name: 'value2999',
      lineNumber: 3 + 5 * 2999 + 1,
      endLine: 3 + 5 * 2999 + 3,
      docstring: 'Returns 2999.',
      signature: 'func value2999(_ x: Int) -> Int',
    });
    expect(uncoveredLines(body, parsed.entities)).toEqual([]);

    const padding = '// padding\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 11) + 1);
    expect(await parseBesideOversized(['Values.swift', body], ['Huge.swift', `${body}${padding}`])).toEqual({
      parsed: [['Values.swift', parsed.entities.length]],
      skipped: [['Huge.swift', 'too large']],
    });
  });
});

// expo-modules-core 2.2.3 (npm): the Swift side of Expo's native module API, its `ios/` directory
// (167 Swift files; the Objective-C ones are not Swift).
describe('swift real code: expo-modules-core', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('swift-expo-modules-core');
    parsed = await parseDirectory(root, { concurrency: 1, languages: ['swift'] });
  }, 180_000);

  it('parses every file without errors; twelve hold syntax tree-sitter-swift misreads', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(167);
    // Checked by hand: result builders' parameter attributes (`@ObjectDefinitionBuilder
    // @_implicitSelfCapture _ body`), custom prefix operators (`[~A0.self]`), `return ()`, …
    expect(parsed.files.filter((file) => file.warnings.length > 0)).toHaveLength(12);
  });

  it('finds the definitions and chunks the rest (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      code: 214,
      struct: 64,
      method: 764,
      interface: 46,
      function: 143,
      variable: 2,
      class: 170,
      type: 51,
      constant: 29,
      enum: 13,
    });
  });

  it('reads exact entities as written', () => {
    const inFile = (file: string) => parsed.entities.filter((e) => e.filePath === file);
    const module = inFile('Core/Modules/Module.swift');
    expect(entity(module, 'BaseModule')).toMatchObject({
      kind: 'class',
      lineNumber: 8,
      endLine: 24,
      signature: 'open class BaseModule',
    });
    expect(entity(module, 'BaseModule').docstring!.split('\n')[0]).toBe(
      '`BaseModule` is just a stub class that fulfils `AnyModule` protocol requirement of public default initializer,',
    );
    expect(entity(module, 'BaseModule.sendEvent')).toMatchObject({
      kind: 'method',
      lineNumber: 21,
      endLine: 23,
      signature: 'public func sendEvent(_ eventName: String, _ body: [String: Any?] = [:])',
      docstring: 'Sends an event with given name and body to JavaScript.',
    });
    const errors = inFile('Core/Exceptions/CodedError.swift');
    expect(entity(errors, 'CodedError')).toMatchObject({
      kind: 'interface',
      lineNumber: 6,
      signature: 'public protocol CodedError: Error, CustomStringConvertible',
    });
    // A protocol extension's computed property: a method of the protocol.
    expect(entity(errors, 'CodedError.description')).toMatchObject({
      kind: 'method',
      lineNumber: 26,
      endLine: 28,
      signature: 'var description: String',
      docstring: "The description falls back to object's localized description.",
    });
    expect(entity(errors, 'SimpleCodedError').docstring).toBe(
      'Basic implementation of `CodedError` protocol,\nwhere the code and the description are provided in the initializer.',
    );
    // `#if DEBUG … #endif` around a property no longer hides the class.
    expect(entity(inFile('Core/Logging/Logger.swift'), 'Logger.trace')).toMatchObject({
      kind: 'method',
      lineNumber: 36,
      signature: 'public func trace(_ items: Any...)',
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
