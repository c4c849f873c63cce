import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

const DIR = 'src/main/scala/com/example/shop';
let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('scala');
});

describe('scala fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      [`${DIR}/Order.scala`, 'scala', []],
      [`${DIR}/Pricing.scala`, 'scala', []],
      [`${DIR}/package.scala`, 'scala', []],
    ]);
  });

  it('extracts classes, case classes, objects, traits and their members (Scala 2 syntax)', () => {
    expect(outline(result.entities, `${DIR}/Order.scala`)).toEqual([
      'class Line 13-22',
      'method Line.total 17-18',
      'method Line.toString 21-21',
      // The companion object: its members sit with the class's.
      'class Line 25-36',
      'constant Line.MaxLines 27-27',
      'variable Line.created 28-28',
      'constant Line.ordering 29-29',
      'type Line.Prices 30-30',
      'method Line.apply 32-35',
      'trait Status 39-41',
      'method Status.isFinal 40-40',
      'class Status 43-46',
      'class Status.Open 44-44',
      'method Status.Open.isFinal 44-44',
      'class Status.Shipped 45-45',
      'method Status.Shipped.isFinal 45-45',
      'trait Repository 51-56',
      'method Repository.find 52-52',
      'method Repository.get 55-55',
      // A class's vals are its fields (no units); a local def is a function of its method.
      'class Order 58-73',
      'method Order.total 61-64',
      'function Order.total.lineTotal 62-62',
      'method Order.<anonymous>.run 67-67',
      'class Order.Receipt 70-72',
      'method Order.Receipt.print 71-71',
    ]);
    expect(codeChunks(result.entities, `${DIR}/Order.scala`)).toEqual(['imports 1-5']);
  });

  it('extracts Scala 3 definitions: enums, givens, extensions, top-level defs, end markers', () => {
    expect(outline(result.entities, `${DIR}/Pricing.scala`)).toEqual([
      'type Percent 6-6',
      'constant DefaultDiscount 8-8',
      // `end Currency` ends the enum.
      'enum Currency 11-18',
      'method Currency.format 16-17',
      'trait Show 20-21',
      'method Show.show 21-21',
      // An anonymous given is named after its type.
      'class Show[Line] 24-25',
      'method Show[Line].show 25-25',
      'constant lineOrdering 27-27',
      // Extension methods are methods of the extended type, like a Rust impl's.
      'method BigDecimal.rounded 31-31',
      'method BigDecimal.cents 32-32',
      'class Pricing 34-42',
      'method Pricing.discount 35-38',
      'method Pricing.charm 41-41',
      'function run 44-45',
    ]);
    expect(codeChunks(result.entities, `${DIR}/Pricing.scala`)).toEqual([
      'imports 1-3',
      // The extension's own line, as a Rust impl's.
      'BigDecimal 29-29',
      'println 47-47',
    ]);
  });

  it('names an extension after its type when that is a named type, else keeps the enclosing scope', () => {
    const source = [
      'object Nulls:',
      '  extension [T](x: T | Null)',
      '    inline def nn: T = x.asInstanceOf[T]',
      '  extension (xs: scala.collection.Seq[Int])',
      '    def total: Int = xs.sum',
      '',
      'extension (f: Int => Int) def twice(x: Int): Int = f(f(x))',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'scala', 'Nulls.scala');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Nulls.scala')).toEqual([
      'class Nulls 1-5',
      'method Nulls.nn 3-3',
      'method Nulls.Seq.total 5-5',
      'function twice 7-7',
    ]);
  });

  it('makes package objects and package blocks modules', () => {
    expect(outline(result.entities, `${DIR}/package.scala`)).toEqual([
      'module shop 4-10',
      'type shop.Sku 5-5',
      'function shop.parseSku 8-9',
      'module legacy 12-14',
      'class legacy.OldOrder 13-13',
    ]);
    expect(codeChunks(result.entities, `${DIR}/package.scala`)).toEqual(['imports 1-1']);
  });

  it('reads Scaladoc directly above, annotations stepped over, and no other comment', () => {
    const { entities } = result;
    expect(entity(entities, 'Line', 13).docstring).toBe(
      'An order line: a product and how many.\n\n@param sku the product code\n@param quantity how many, at least one',
    );
    expect(entity(entities, 'Line.total').docstring).toBe("The line's total, in cents.");
    expect(entity(entities, 'Line.toString').docstring).toBeUndefined();
    expect(entity(entities, 'Line', 25).docstring).toBe('Lines and the money side of them.');
    expect(entity(entities, 'Line.MaxLines').docstring).toBe('The most lines one order may hold.');
    expect(entity(entities, 'Line.created').docstring).toBeUndefined();
    expect(entity(entities, 'Repository').docstring).toBe('Stores orders.');
    expect(entity(entities, 'Status', 39).docstring).toBe('What can happen to an order.');
    expect(entity(entities, 'Status', 43).docstring).toBeUndefined();
    expect(entity(entities, 'Percent').docstring).toBe('A discount, in percent.');
    expect(entity(entities, 'Currency').docstring).toBe('Currencies the shop sells in.');
    expect(entity(entities, 'Currency.format').docstring).toBe('Formats an amount.');
    expect(entity(entities, 'Show[Line]').docstring).toBe('Shows a line as text.');
    expect(entity(entities, 'BigDecimal.rounded').docstring).toBe('Rounds to whole cents.');
    expect(entity(entities, 'Pricing.charm').docstring).toBeUndefined();
    expect(entity(entities, 'shop').docstring).toBe('Shared helpers of the shop.');
    expect(entity(entities, 'shop.parseSku').docstring).toBe('Parses a SKU.');
  });

  it('records annotations as decorators, not counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, 'Line', 13).decorators).toEqual(['@SerialVersionUID(1L)']);
    expect(entity(entities, 'Line', 13).sourceCode.startsWith('final case class Line(')).toBe(true);
    expect(entity(entities, 'Repository.get').decorators).toEqual(['@deprecated("use find", "2.0")']);
    expect(entity(entities, 'run').decorators).toEqual(['@main']);
    expect(entity(entities, 'run').sourceCode.startsWith('def run(): Unit =')).toBe(true);
    expect(entity(entities, 'Repository.find').decorators).toBeUndefined();
  });

  it('builds signatures: the declaration up to its body, modifiers kept, annotations left out', () => {
    const { entities } = result;
    expect(entity(entities, 'Line', 13).signature).toBe('final case class Line(sku: String, quantity: Int)');
    expect(entity(entities, 'Line', 25).signature).toBe('object Line');
    expect(entity(entities, 'Line.total').signature).toBe('def total(prices: Map[String, Long]): Long =');
    expect(entity(entities, 'Line.toString').signature).toBe('override def toString: String =');
    expect(entity(entities, 'Line.MaxLines').signature).toBe('final val MaxLines = 100');
    expect(entity(entities, 'Line.ordering').signature).toBe(
      'implicit val ordering: Ordering[Line] = Ordering.by(_.sku)',
    );
    expect(entity(entities, 'Line.Prices').signature).toBe('type Prices = Map[String, Long]');
    expect(entity(entities, 'Status', 39).signature).toBe('sealed trait Status');
    expect(entity(entities, 'Status.Open').signature).toBe('case object Open extends Status');
    expect(entity(entities, 'Repository').signature).toBe('trait Repository[F[_]]');
    expect(entity(entities, 'Repository.find').signature).toBe('def find(id: Long): F[Option[Order]]');
    expect(entity(entities, 'Order').signature).toBe(
      'class Order(val id: Long, lines: Seq[Line])(implicit ec: ExecutionContext)',
    );
    expect(entity(entities, 'Percent').signature).toBe('opaque type Percent = Int');
    expect(entity(entities, 'DefaultDiscount').signature).toBe('val DefaultDiscount: Percent = 5');
    // The colon of a braceless body is not signature.
    expect(entity(entities, 'Currency').signature).toBe('enum Currency(val symbol: String)');
    expect(entity(entities, 'Show').signature).toBe('trait Show[A]');
    expect(entity(entities, 'Show[Line]').signature).toBe('given Show[Line] with');
    expect(entity(entities, 'lineOrdering').signature).toBe(
      'given lineOrdering: Ordering[Line] = Ordering.by(_.quantity)',
    );
    expect(entity(entities, 'BigDecimal.cents').signature).toBe('def cents: Long =');
    expect(entity(entities, 'Pricing').signature).toBe('object Pricing');
    expect(entity(entities, 'shop').signature).toBe('package object shop');
    expect(entity(entities, 'legacy').signature).toBe('package legacy');
  });

  it('records parents and kinds', () => {
    const { entities } = result;
    expect(entity(entities, 'Order.total.lineTotal').parent).toBe('Order.total');
    expect(entity(entities, 'Order.<anonymous>.run').parent).toBe('Order.<anonymous>');
    expect(entity(entities, 'BigDecimal.rounded').parent).toBe('BigDecimal');
    expect(entity(entities, 'shop.parseSku').kind).toBe('function');
    expect(entity(entities, 'Status.Open.isFinal').parent).toBe('Status.Open');
  });

  it('ends a braceless definition at its end marker, else at its last token', () => {
    const { entities } = result;
    expect(entity(entities, 'Pricing.discount').sourceCode).toBe(
      [
        'def discount(total: Long, percent: Percent): Long =',
        '  val off = total * percent / 100',
        '  total - off',
        'end discount',
      ].join('\n'),
    );
    expect(entity(entities, 'Currency').sourceCode.split('\n').at(-1)).toBe('end Currency');
    expect(entity(entities, 'Show').sourceCode).toBe('trait Show[A]:\n  def show(a: A): String');
  });

  it('outlines classes with method bodies elided', () => {
    const { entities } = result;
    expect(entity(entities, 'Line', 25).outline).toBe(
      [
        '/** Lines and the money side of them. */',
        'object Line {',
        '  /** The most lines one order may hold. */',
        '  final val MaxLines = 100',
        '  private var created = 0',
        '  implicit val ordering: Ordering[Line] = Ordering.by(_.sku)',
        '  type Prices = Map[String, Long]',
        '',
        '  def apply(sku: String): Line = { … }',
        '}',
      ].join('\n'),
    );
    expect(entity(entities, 'Pricing').outline).toBe(
      [
        'object Pricing:',
        '  def discount(total: Long, percent: Percent): Long =',
        '    …',
        '  end discount',
        '',
        '  // Prices ending in 99.',
        '  def charm(price: Long): Long = …',
        'end Pricing',
      ].join('\n'),
    );
  });

  it('leaves no line outside a unit', () => {
    for (const file of ['Order.scala', 'Pricing.scala', 'package.scala']) {
      const filePath = `${DIR}/${file}`;
      const source = readFileSync(path.join(fixtureRoot('scala'), filePath), 'utf8');
      const entities = result.entities.filter((candidate) => candidate.filePath === filePath);
      expect(uncoveredLines(source, entities), file).toEqual([]);
    }
  });
});

describe('scala bad input', () => {
  it('finds the definitions before and after a syntax error, and names its line', () => {
    const source = [
      'object Page {',
      '  def before(x: Int): Int = x',
      '',
      '  def broken(x: Int): Int = {',
      '    val y = (x +',
      '  }',
      '',
      '  def after(x: Int): Int = x * 2',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'scala', 'Page.scala');
    expect(outline(parsed.entities, 'Page.scala')).toEqual([
      'class Page 1-9',
      'method Page.before 2-2',
      'method Page.broken 4-6',
      'method Page.after 8-8',
    ]);
    expect(parsed.warnings).toEqual(['syntax errors near line 5; 4 definitions extracted from the rest']);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('reads past XML literals (Scala 2), whose braces are not blocks', () => {
    const source = [
      'object Html {',
      '  def page(title: String) = <html><body>{title}</body></html>',
      '  def after = 2',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'scala', 'Html.scala');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Html.scala')).toEqual([
      'class Html 1-4',
      'method Html.page 2-2',
      'method Html.after 3-3',
    ]);
  });

  it('reads the code around comment-like text in strings and nested comments', () => {
    // The grammar parses a text whose block comments are blanked: strings are not comments.
    const source = [
      'object Paths {',
      '  val Glob = "src/*"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Scala's interpolation, not JavaScript's
      '  val Spliced = s"${"/*"} and ${Close.length}"',
      "  val Quote = '\"'",
      '  def a = 1',
      '  val Close = "*/"',
      '  /** Outer /* nested */ still the doc. */',
      '  def b = """/* not a comment"""',
      '  val Triple = """""" + "//"',
      '  def c = 3',
      '}',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'scala', 'Paths.scala');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Paths.scala')).toEqual([
      'class Paths 1-11',
      'constant Paths.Glob 2-2',
      'constant Paths.Spliced 3-3',
      'constant Paths.Quote 4-4',
      'method Paths.a 5-5',
      'constant Paths.Close 6-6',
      'method Paths.b 8-8',
      'constant Paths.Triple 9-9',
      'method Paths.c 10-10',
    ]);
    // Read from the source as written, not from the blanked text.
    expect(entity(parsed.entities, 'Paths.b').docstring).toBe('Outer /* nested */ still the doc.');
    expect(entity(parsed.entities, 'Paths').sourceCode).toBe(source.trimEnd());
  });

  it('parses a generated object of 3,000 documented defs; above 1 MiB the walk skips it', async () => {
    const defs = Array.from(
      { length: 3000 },
      (_, i) => `  /** Returns ${i}. */\n  def value${i}(x: Int): Int =\n    x + ${i}\n`,
    ).join('\n');
    const body = `package generated\n\nobject Values {\n${defs}}\n`;
    const parsed = parseSource(body, 'scala', 'Values.scala');
    expect(parsed.warnings).toEqual([]);
    const methods = parsed.entities.filter((e) => e.kind === 'method');
    expect(methods).toHaveLength(3000);
    expect(methods[2999]).toMatchObject({
      qualifiedName: 'Values.value2999',
      lineNumber: 4 + 4 * 2999 + 1,
      endLine: 4 + 4 * 2999 + 2,
      docstring: 'Returns 2999.',
      signature: 'def value2999(x: Int): Int =',
    });
    expect(uncoveredLines(body, parsed.entities)).toEqual([]);

    const padding = '// padding\n'.repeat(Math.ceil((1024 * 1024 - body.length) / 11) + 1);
    expect(await parseBesideOversized(['Values.scala', body], ['Huge.scala', `${body}${padding}`])).toEqual({
      parsed: [['Values.scala', parsed.entities.length]],
      skipped: [['Huge.scala', 'too large']],
    });
  });
});

// cats-core 2.13.0 for Scala 3 (Maven Central sources jar): the Typelevel functional library,
// mostly Scala 2 syntax with braces, 245 files.
describe('scala real code: cats-core', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('scala-cats-core');
    parsed = await parseDirectory(root, { concurrency: 1 });
  }, 180_000);

  it('parses every file without errors; five files hold syntax tree-sitter-scala misreads', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files).toHaveLength(245);
    expect(parsed.files.every((file) => file.language === 'scala')).toBe(true);
    // Checked by hand: a value named `end` (`end match {`), a return type on its own line
    // (`: Traverse[Tuple1] with …`), `type ⊥ = Nothing`, …
    expect(parsed.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([
      'data/AndThen.scala',
      'instances/NTupleUnorderedFoldableInstances.scala',
      'instances/option.scala',
      'instances/stream.scala',
      'package.scala',
    ]);
  });

  it('finds the definitions and chunks the rest (counts checked on a sample of files by hand)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      code: 253,
      trait: 628,
      method: 6257,
      class: 867,
      function: 148,
      constant: 77,
      type: 54,
      module: 7,
    });
  });

  it('reads exact entities as written', () => {
    const find = (qualifiedName: string, lineNumber: number) =>
      entity(
        parsed.entities.filter((e) => e.filePath === 'data/NonEmptyList.scala'),
        qualifiedName,
        lineNumber,
      );
    expect(find('NonEmptyList', 37)).toMatchObject({
      kind: 'class',
      endLine: 719,
      signature:
        'final case class NonEmptyList[+A](head: A, tail: List[A]) extends NonEmptyCollection[A, List, NonEmptyList]',
      docstring:
        'A data type which represents a non empty list of A, with\nsingle element (head) and optional structure (tail).',
    });
    expect(find('NonEmptyList', 721)).toMatchObject({
      kind: 'class',
      signature: 'object NonEmptyList extends NonEmptyListInstances',
    });
    expect(find('NonEmptyList.fromList', 741)).toMatchObject({
      kind: 'method',
      endLine: 745,
      signature: 'def fromList[A](l: List[A]): Option[NonEmptyList[A]] =',
    });
    expect(find('NonEmptyList.fromList', 741).docstring!.split('\n')[0]).toBe(
      'Create a `NonEmptyList` from a `List`.',
    );
    expect(find('NonEmptyList.concat', 118)).toMatchObject({
      signature: 'private[data] def concat[AA >: A](other: NonEmptyList[AA]): NonEmptyList[AA] =',
      decorators: ['@deprecated("Use concatNel", since = "1.0.0-RC1")'],
    });
    const functor = entity(
      parsed.entities.filter((e) => e.filePath === 'Functor.scala'),
      'Functor',
      31,
    );
    expect(functor).toMatchObject({
      kind: 'trait',
      endLine: 231,
      signature: 'trait Functor[F[_]] extends Invariant[F]',
    });
    expect(functor.docstring!.split('\n')[0]).toBe('Functor.');
  });

  it('leaves no line outside a unit', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
