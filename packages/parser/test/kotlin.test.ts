import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';
import { tempDir, writeTree } from './tree.js';

const DIR = 'src/main/kotlin/com/example/shop';
let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('kotlin');
});

describe('kotlin fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['build.gradle.kts', 'kotlin', []],
      [`${DIR}/Cart.kt`, 'kotlin', []],
      [`${DIR}/Checkout.kt`, 'kotlin', []],
    ]);
  });

  it('extracts classes, objects, companions, enums, functions, extensions, properties and type aliases', () => {
    expect(outline(result.entities, `${DIR}/Cart.kt`)).toEqual([
      'constant MAX_LINES 9-9',
      'constant DEFAULT_CURRENCY 11-11',
      'variable lastCartId 13-13',
      'type LineFilter 15-15',
      'class Cart 24-58',
      'method Cart.constructor 30-30',
      // Properties with accessor bodies are method-like; `isEmpty` (a plain initializer) is not a unit.
      'method Cart.total 33-34',
      'method Cart.note 36-39',
      'method Cart.plus 44-44',
      'method Cart.filter 46-49',
      'function Cart.filter.kept 47-47',
      // An unnamed companion is no unit and no scope: its members are the class's, as Kotlin
      // calls them (`Cart.parse(csv)`); its lines are in the class's unit.
      'constant Cart.VERSION 52-52',
      'method Cart.parse 56-56',
      'class Line 61-68',
      'class Line.Parser 62-67',
      'method Line.Parser.parse 63-66',
      'class CheckoutResult 71-75',
      'class CheckoutResult.Paid 72-72',
      'class CheckoutResult.Cancelled 74-74',
      'enum Status 77-87',
      'method Status.OPEN.next 79-79',
      'method Status.PAID.next 82-82',
      'method Status.next 86-86',
      // Top-level extension functions are named after their receiver, and stay functions.
      'function BigDecimal.formatted 90-90',
      'function List.firstOfType 92-92',
      // A top-level property with a getter body is function-like; an extension one is named
      // after its receiver too.
      'function Cart.lineCount 95-96',
      'function Cart.add 99-99',
    ]);
    expect(outline(result.entities, `${DIR}/Checkout.kt`)).toEqual([
      'interface PaymentGateway 6-12',
      'method PaymentGateway.charge 8-8',
      'method PaymentGateway.name 10-11',
      'interface CheckoutListener 15-17',
      'method CheckoutListener.onDone 16-16',
      'interface Audited 20-20',
      'class Checkout 23-41',
      'method Checkout.run 27-34',
      'method Checkout.logging 36-40',
      'method Checkout.logging.<anonymous>.onDone 37-39',
      // Read by the grammar as an annotated expression (`public actual open` infix `class` …,
      // the body a lambda), taken for the class it is.
      'class ListNode 46-50',
      'method ListNode.isRemoved 47-47',
      'method ListNode.remove 49-49',
    ]);
    expect(outline(result.entities, 'build.gradle.kts')).toEqual(['function dependencyVersion 9-9']);
    const formatted = entity(result.entities, 'BigDecimal.formatted');
    expect([formatted.name, formatted.parent, formatted.kind]).toEqual([
      'formatted',
      'BigDecimal',
      'function',
    ]);
    expect(entity(result.entities, 'Cart.parse').parent).toBe('Cart');
    expect(entity(result.entities, 'Line.Parser.parse').parent).toBe('Line.Parser');
  });

  it('makes the package header, imports and file annotations one imports chunk; script statements code', () => {
    expect(codeChunks(result.entities, `${DIR}/Cart.kt`)).toEqual(['imports 1-6']);
    // `@Suppress("LeakingThis")` above ListNode is read as an expression statement (an annotated
    // parenthesized expression) by tree-sitter-kotlin: a chunk, not a decorator.
    expect(codeChunks(result.entities, `${DIR}/Checkout.kt`)).toEqual(['imports 1-3', 'Suppress 43-44']);
    expect(codeChunks(result.entities, 'build.gradle.kts')).toEqual(['plugins 1-7', 'dependencies 11-13']);
  });

  it('reads KDoc above annotations, and no other comment', () => {
    const doc = (name: string) => entity(result.entities, name).docstring;
    expect(doc('MAX_LINES')).toBe('How many lines a cart may hold.');
    expect(doc('Cart')).toBe(
      'A shopping cart.\n\n@property lines the lines, in the order they were added\n@constructor Creates a cart from [lines].',
    );
    expect(doc('Cart.constructor')).toBe('An empty cart.');
    expect(doc('Cart.total')).toBe('The total of all lines.');
    expect(doc('Cart.plus')).toBe('Adds a line, returning a new cart.');
    expect(doc('Cart.parse')).toBe('Parses a cart from CSV.');
    expect(doc('Line')).toBe('One line of a cart.');
    expect(doc('Status.next')).toBe('The status that follows this one.');
    expect(doc('BigDecimal.formatted')).toBe('Formats the amount with its currency.');
    expect(doc('PaymentGateway')).toBe('Something that takes payments.');
    expect(doc('PaymentGateway.charge')).toBe('Charges the amount; returns a receipt.');
    expect(doc('CheckoutListener')).toBe('Called when a checkout finishes.');
    expect(doc('Checkout')).toBeUndefined();
    expect(doc('Cart.note')).toBeUndefined();
    expect(doc('DEFAULT_CURRENCY')).toBeUndefined();
    expect(doc('Cart.lineCount')).toBe('The number of lines.');
    expect(doc('ListNode')).toBe("A node of the platform's list.");
  });

  it('records annotations as decorators, not counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, 'Cart').decorators).toEqual(['@Serializable']);
    expect(entity(entities, 'Cart.parse').decorators).toEqual(['@JvmStatic']);
    expect(entity(entities, 'Audited').decorators).toEqual(['@Target(AnnotationTarget.FUNCTION)']);
    expect(entity(entities, 'Checkout.run').decorators).toEqual(['@Audited']);
    expect(entity(entities, 'Checkout.logging').decorators).toBeUndefined();
    expect(entity(entities, 'ListNode').decorators).toEqual(['@InternalApi']);
    expect(entity(entities, 'Cart').sourceCode.startsWith('data class Cart(')).toBe(true);
  });

  it('builds signatures up to the body, on one line', () => {
    const signature = (name: string) => entity(result.entities, name).signature;
    expect(signature('MAX_LINES')).toBe('const val MAX_LINES = 100');
    expect(signature('DEFAULT_CURRENCY')).toBe('val DEFAULT_CURRENCY = "EUR"');
    expect(signature('lastCartId')).toBe('var lastCartId: Long = 0');
    expect(signature('LineFilter')).toBe('typealias LineFilter = (Line) -> Boolean');
    expect(signature('Cart')).toBe('data class Cart(val lines: List<Line>)');
    expect(signature('Cart.constructor')).toBe('constructor() : this(emptyList())');
    expect(signature('Cart.total')).toBe('val total: BigDecimal');
    expect(signature('Cart.note')).toBe('var note: String = ""');
    expect(signature('Cart.plus')).toBe('operator fun plus(line: Line): Cart');
    expect(signature('Cart.filter.kept')).toBe('fun kept(line: Line)');
    expect(signature('Cart.VERSION')).toBe('const val VERSION = 2');
    expect(signature('Line.Parser')).toBe('companion object Parser');
    expect(signature('CheckoutResult.Paid')).toBe('data class Paid(val receipt: String) : CheckoutResult()');
    expect(signature('CheckoutResult.Cancelled')).toBe('object Cancelled : CheckoutResult()');
    expect(signature('Status')).toBe('enum class Status(val label: String)');
    expect(signature('Status.next')).toBe('abstract fun next(): Status');
    expect(signature('BigDecimal.formatted')).toBe(
      'fun BigDecimal.formatted(currency: String = DEFAULT_CURRENCY): String',
    );
    expect(signature('List.firstOfType')).toBe('inline fun <reified T : Any> List<Line>.firstOfType(): T?');
    expect(signature('PaymentGateway.charge')).toBe('suspend fun charge(amount: String): String');
    expect(signature('CheckoutListener')).toBe('fun interface CheckoutListener');
    expect(signature('Audited')).toBe('annotation class Audited');
    expect(signature('Checkout')).toBe('object Checkout');
    expect(signature('Checkout.run')).toBe(
      'suspend fun run(cart: Cart, gateway: PaymentGateway): CheckoutResult',
    );
    expect(signature('Checkout.logging')).toBe('fun logging(): CheckoutListener');
    expect(signature('Cart.lineCount')).toBe('val Cart.lineCount: Int');
    expect(signature('ListNode')).toBe('public actual open class ListNode');
    expect(signature('Cart.add')).toBe('public fun Cart.add(line: Line): Cart');
  });

  it('gives objects an outline with function bodies elided', () => {
    expect(entity(result.entities, 'Checkout').outline).toBe(
      [
        '// Not KDoc: a plain comment.',
        'object Checkout {',
        '    private val listeners = mutableListOf<CheckoutListener>()',
        '',
        '    @Audited',
        '    suspend fun run(cart: Cart, gateway: PaymentGateway): CheckoutResult { … }',
        '',
        '    fun logging(): CheckoutListener …',
        '}',
      ].join('\n'),
    );
  });

  it('leaves no line outside a unit', () => {
    for (const file of ['build.gradle.kts', `${DIR}/Cart.kt`, `${DIR}/Checkout.kt`]) {
      const source = readFileSync(path.join(fixtureRoot('kotlin'), file), 'utf8');
      const entities = result.entities.filter((e) => e.filePath === file);
      expect([file, uncoveredLines(source, entities)]).toEqual([file, []]);
    }
  });
});

describe('kotlin comments among modifiers', () => {
  it('leaves a comment after an annotation out of the signature', () => {
    const source = [
      'interface Delay {',
      '    @Deprecated(',
      '        level = DeprecationLevel.ERROR',
      '    ) // Error since 1.6.0',
      '    public suspend fun delay(time: Long) {',
      '        return',
      '    }',
      '}',
    ].join('\n');
    const delay = entity(parseSource(source, 'kotlin', 'Delay.kt').entities, 'Delay.delay');
    expect(delay.signature).toBe('public suspend fun delay(time: Long)');
    expect(delay.decorators).toEqual(['@Deprecated(\n        level = DeprecationLevel.ERROR\n    )']);
    // The comment is inside the grammar's `modifiers` node: extract.ts starts the declaration
    // (its line) at the first child there that is not an annotation, the comment's line.
    expect([delay.lineNumber, delay.endLine]).toEqual([4, 7]);
  });
});

describe('kotlin bad input', () => {
  it('finds the definitions before a syntax error, and the top-level ones after the broken class', () => {
    const source = [
      'package shop',
      '',
      'class Cart {',
      '    fun before() = 1',
      '',
      '    fun broken(x: Int {',
      '        if (x > ) return',
      '    }',
      '',
      '    fun after() = 2',
      '}',
      '',
      'fun top() {}',
    ].join('\n');
    const parsed = parseSource(source, 'kotlin', 'Cart.kt');
    expect(parsed.warnings).toEqual(['syntax errors near line 3; 2 definitions extracted from the rest']);
    // The grammar's recovery turns the whole class into an error: `after` is lost with it.
    expect(outline(parsed.entities, 'Cart.kt')).toEqual(['function before 4-4', 'function top 13-13']);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('parses again the declarations after a point the grammar gives up on', () => {
    const source = [
      'package shop',
      '',
      'fun first() = 1',
      '',
      'class Pool(private val permits: Int) {',
      '    fun acquire(waiter: Int) = acquire(',
      '        waiter = waiter,',
      '        suspend = { w -> w > 0 },',
      '    )',
      '}',
      '',
      '/** Runs it. */',
      'fun second(): Int = 2',
      '',
      'class Later {',
      '    fun third() {}',
      '}',
    ].join('\n');
    const parsed = parseSource(source, 'kotlin', 'Pool.kt');
    expect(parsed.warnings).toEqual(['syntax errors near line 5; 4 definitions extracted from the rest']);
    expect(outline(parsed.entities, 'Pool.kt')).toEqual([
      'function first 3-3',
      'function second 13-13',
      'class Later 15-17',
      'method Later.third 16-16',
    ]);
    expect(entity(parsed.entities, 'second').docstring).toBe('Runs it.');
    expect(codeChunks(parsed.entities, 'Pool.kt')).toEqual(['imports 1-1', 'Pool 5-10']);
  });

  it('takes declarations the grammar reads as annotated expressions for what they are', () => {
    const source = [
      '@Suppress("LeakingThis")',
      '@Api',
      'public actual open class Node {',
      '    fun next(): Node? = null',
      '}',
      '',
      'fun after() {}',
      '',
      '/** Marks internal API. */',
      '@Target(',
      '    AnnotationTarget.FUNCTION,',
      '    AnnotationTarget.CLASS,',
      ')',
      '@OptionalExpectation',
      'internal expect annotation class Internal()',
    ].join('\n');
    const parsed = parseSource(source, 'kotlin', 'Node.kt');
    expect(parsed.warnings).toEqual([]);
    expect(outline(parsed.entities, 'Node.kt')).toEqual([
      'class Node 3-5',
      'method Node.next 4-4',
      'function after 7-7',
      'interface Internal 15-15',
    ]);
    expect(entity(parsed.entities, 'Node').decorators).toEqual(['@Suppress("LeakingThis")', '@Api']);
    expect(entity(parsed.entities, 'Node').signature).toBe('public actual open class Node');
    expect(entity(parsed.entities, 'Node').outline).toBe(
      '@Suppress("LeakingThis")\n@Api\npublic actual open class Node {\n    fun next(): Node? …\n}',
    );
    const internal = entity(parsed.entities, 'Internal');
    expect(internal.docstring).toBe('Marks internal API.');
    expect(internal.signature).toBe('internal expect annotation class Internal()');
    expect(internal.decorators).toEqual([
      '@Target(\n    AnnotationTarget.FUNCTION,\n    AnnotationTarget.CLASS,\n)',
      '@OptionalExpectation',
    ]);
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('parses a generated file of 3,000 functions within the default limits, and skips one over 1 MiB', async () => {
    const functions = (count: number) =>
      Array.from(
        { length: count },
        (_, i) => `/** Step ${i}. */\nfun step${i}(x: Int): Int {\n    return x + ${i}\n}\n`,
      ).join('\n');
    const big = `package gen\n\n${functions(3000)}`;
    const huge = `package gen\n\n${functions(25000)}`;
    expect(big.length).toBeLessThan(1024 * 1024);
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const root = await tempDir();
    await writeTree(root, { 'Steps.kt': big, 'Huge.kt': huge });
    const parsed = await parseDirectory(root, { concurrency: 1 });
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped.map((skip) => [skip.relativePath, skip.reason])).toEqual([
      ['Huge.kt', expect.stringMatching(/^too large \(\d\.\d MiB, limit 1\.0 MiB\)$/)],
    ]);
    const steps = parsed.entities.filter((e) => e.kind === 'function');
    expect(steps).toHaveLength(3000);
    expect(steps[2999]).toMatchObject({
      qualifiedName: 'step2999',
      lineNumber: 3 + 2999 * 5 + 1,
      docstring: 'Step 2999.',
      signature: 'fun step2999(x: Int): Int',
    });
    expect(uncoveredLines(big, parsed.entities)).toEqual([]);
  });
});

describe('kotlin real code: kotlinx-coroutines-core-jvm 1.9.0 (Maven Central sources jar)', () => {
  let root: string;
  let real: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('kotlin-kotlinx-coroutines');
    real = await parseDirectory(root, { languages: ['kotlin'], concurrency: 1 });
  }, 120_000);

  it('parses every file; two have syntax errors the grammar does not recover from', () => {
    expect(real.errors).toEqual([]);
    expect(real.skipped).toEqual([]);
    expect(real.files).toHaveLength(166);
    // An annotated primary constructor on its own line (`@PublishedApi internal constructor`) and
    // a named argument called `suspend`: beyond tree-sitter-kotlin 1.1.0.
    expect(real.files.filter((file) => file.warnings.length > 0).map((file) => file.filePath)).toEqual([
      'commonMain/channels/Channel.kt',
      'commonMain/sync/Semaphore.kt',
    ]);
  });

  it('finds the units by kind', () => {
    const counts: Record<string, number> = {};
    for (const e of real.entities) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    // Checked by hand against grep over the sources: 6 enum classes, 24 typealiases; 53
    // interfaces = 49 interfaces + 10 annotation classes - 6 annotation classes in Annotations.kt
    // that the grammar reads as one chain of expressions (a code chunk).
    expect(counts).toEqual({
      code: 239,
      class: 248,
      method: 1241,
      interface: 53,
      function: 552,
      constant: 204,
      type: 24,
      variable: 20,
      enum: 6,
    });
  });

  it('extracts entities as written (checked by hand)', () => {
    const { entities } = real;
    const delay = entity(entities, 'Delay');
    expect([delay.kind, delay.filePath, delay.lineNumber, delay.endLine, delay.signature]).toEqual([
      'interface',
      'commonMain/Delay.kt',
      18,
      54,
      'public interface Delay',
    ]);
    expect(delay.decorators).toEqual(['@InternalCoroutinesApi']);
    expect(delay.docstring?.split('\n')[0]).toBe(
      'This dispatcher _feature_ is implemented by [CoroutineDispatcher] implementations that natively support',
    );
    const schedule = entity(entities, 'Delay.scheduleResumeAfterDelay');
    expect([schedule.kind, schedule.lineNumber, schedule.signature]).toEqual([
      'method',
      45,
      'public fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>)',
    ]);
    const delayFunction = entity(entities, 'delay', 121);
    expect([delayFunction.kind, delayFunction.endLine, delayFunction.signature]).toEqual([
      'function',
      129,
      'public suspend fun delay(timeMillis: Long)',
    ]);
    // A top-level extension property with a getter: a function named after its receiver.
    const contextDelay = entity(entities, 'CoroutineContext.delay');
    expect([
      contextDelay.kind,
      contextDelay.lineNumber,
      contextDelay.signature,
      contextDelay.docstring,
    ]).toEqual([
      'function',
      149,
      'internal val CoroutineContext.delay: Delay',
      'Returns [Delay] implementation of the given context',
    ]);
    expect(entity(entities, 'Duration.toDelayMillis').signature).toBe(
      'internal fun Duration.toDelayMillis(): Long',
    );
    // After the point in Channel.kt where the grammar gives up: parsed again.
    const getOrElse = entity(entities, 'ChannelResult.getOrElse');
    expect([getOrElse.filePath, getOrElse.lineNumber, getOrElse.endLine, getOrElse.signature]).toEqual([
      'commonMain/channels/Channel.kt',
      511,
      517,
      'public inline fun <T> ChannelResult<T>.getOrElse(onFailure: (exception: Throwable?) -> T): T',
    ]);
    expect(getOrElse.docstring?.split('\n')[0]).toBe(
      'Returns the encapsulated value if this instance represents [success][ChannelResult.isSuccess] or the',
    );
    // A class the grammar reads as an annotated expression.
    const node = entity(entities, 'LockFreeLinkedListNode', 32);
    expect([node.kind, node.filePath, node.endLine, node.signature]).toEqual([
      'class',
      'concurrentMain/internal/LockFreeLinkedList.kt',
      259,
      'public actual open class LockFreeLinkedListNode',
    ]);
    expect(entity(entities, 'LockFreeLinkedListNode.removed', 37).kind).toBe('method');
  });

  it('leaves no line outside a unit but the closing braces of the class the grammar gave up in', () => {
    const uncovered: string[] = [];
    for (const file of real.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const lines = uncoveredLines(
        source,
        real.entities.filter((e) => e.filePath === file.filePath),
      );
      if (lines.length > 0) uncovered.push(`${file.filePath}: ${lines.join(', ')}`);
    }
    expect(uncovered).toEqual(['commonMain/channels/Channel.kt: 502, 503']);
  });
});
