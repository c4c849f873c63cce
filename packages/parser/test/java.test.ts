import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

const DIR = 'src/main/java/com/example/shop';
let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('java');
});

describe('java fixture', () => {
  it('parses every file without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      [`${DIR}/OrderService.java`, 'java', []],
      [`${DIR}/Repository.java`, 'java', []],
      [`${DIR}/Scheduler.java`, 'java', []],
    ]);
  });

  it('extracts interfaces, classes, nested classes, enums, records, constructors and methods', () => {
    expect(outline(result.entities, `${DIR}/Repository.java`)).toEqual([
      'interface Repository 11-24',
      'method Repository.findById 13-13',
      'method Repository.findAll 15-15',
      'method Repository.count 21-23',
    ]);
    expect(outline(result.entities, `${DIR}/OrderService.java`)).toEqual([
      'class OrderService 11-83',
      'method OrderService.OrderService 16-18',
      'method OrderService.toString 22-24',
      'method OrderService.place 27-32',
      'method OrderService.clear 36-38',
      'class OrderService.Line 41-52',
      'method OrderService.Line.Line 44-46',
      'class OrderService.Line.Discount 49-51',
      'method OrderService.Line.Discount.percent 50-50',
      'enum OrderService.Status 55-67',
      // The body of the SHIPPED constant: its own scope.
      'method OrderService.Status.SHIPPED.isFinal 59-61',
      'method OrderService.Status.isFinal 64-66',
      'class OrderService.Money 70-78',
      'method OrderService.Money.Money 71-73',
      'method OrderService.Money.zero 75-77',
      'interface OrderService.Audited 80-82',
    ]);
  });

  it('attaches Javadoc above annotations, and no other comment', () => {
    const { entities } = result;
    expect(entity(entities, 'Repository').docstring).toBe(
      'Stores entities by id.\n\n@param <T> the entity type',
    );
    expect(entity(entities, 'Repository.findById').docstring).toBe('Finds one entity.');
    expect(entity(entities, 'Repository.findAll').docstring).toBeUndefined();
    expect(entity(entities, 'Repository.count').docstring).toBe('Counts the entities.\n@return how many');
    expect(entity(entities, 'OrderService').docstring).toBe('Places and tracks orders.');
    expect(entity(entities, 'OrderService.OrderService').docstring).toBe('Creates the service.');
    expect(entity(entities, 'OrderService.toString').docstring).toBeUndefined();
    expect(entity(entities, 'OrderService.place').docstring).toBeUndefined();
    expect(entity(entities, 'OrderService.clear').docstring).toBeUndefined();
    expect(entity(entities, 'OrderService.Line.Discount').docstring).toBe('Nested one level deeper.');
    expect(entity(entities, 'OrderService.Money').docstring).toBe(
      'A money amount — währung is the currency.',
    );
  });

  it('records annotations as decorators, not counting their lines', () => {
    const { entities } = result;
    expect(entity(entities, 'OrderService').decorators).toEqual([
      '@Service',
      '@Transactional(readOnly = false)',
    ]);
    expect(entity(entities, 'OrderService.OrderService').decorators).toEqual(['@Inject']);
    expect(entity(entities, 'OrderService.toString').decorators).toEqual(['@Override']);
    expect(entity(entities, 'OrderService.Line.Discount.percent').decorators).toEqual(['@Deprecated']);
    expect(entity(entities, 'OrderService.Status.SHIPPED.isFinal').decorators).toEqual(['@Override']);
    expect(entity(entities, 'OrderService.Status.isFinal').decorators).toBeUndefined();
    expect(entity(entities, 'OrderService.clear').decorators).toBeUndefined();
    expect(entity(entities, 'OrderService').sourceCode.startsWith('public class OrderService {')).toBe(true);
  });

  it('builds signatures without annotations', () => {
    const { entities } = result;
    expect(entity(entities, 'Repository').signature).toBe('public interface Repository<T>');
    expect(entity(entities, 'Repository.findById').signature).toBe('Optional<T> findById(String id)');
    expect(entity(entities, 'OrderService').signature).toBe('public class OrderService');
    expect(entity(entities, 'OrderService.OrderService').signature).toBe(
      'public OrderService(Repository<Order> repository)',
    );
    expect(entity(entities, 'OrderService.place').signature).toBe(
      'public synchronized <T extends Order> T place( T order, boolean express) throws IllegalStateException',
    );
    expect(entity(entities, 'OrderService.Line.Discount.percent').signature).toBe('double percent()');
    expect(entity(entities, 'OrderService.Money').signature).toBe(
      'public record Money(long cents, String währung)',
    );
    expect(entity(entities, 'OrderService.Money.Money').signature).toBe('public Money');
    expect(entity(entities, 'OrderService.Status').signature).toBe('public enum Status');
    expect(entity(entities, 'OrderService.Audited').signature).toBe('@interface Audited');
  });

  it('records parents', () => {
    const { entities } = result;
    expect(entity(entities, 'OrderService.Line.Discount.percent').parent).toBe('OrderService.Line.Discount');
    expect(entity(entities, 'OrderService.Money.zero').parent).toBe('OrderService.Money');
    expect(entity(entities, 'OrderService').parent).toBeUndefined();
    expect(entity(entities, 'OrderService.Status.SHIPPED.isFinal').parent).toBe(
      'OrderService.Status.SHIPPED',
    );
    expect(entity(entities, 'OrderService.Status.SHIPPED.isFinal').kind).toBe('method');
  });

  it('starts source code at the declaration, after annotations on its line', () => {
    const { entities } = result;
    expect(entity(entities, 'OrderService.Line.Discount.percent').sourceCode).toBe(
      'double percent() { return 0.0; }',
    );
  });
});

describe('anonymous and local classes, single-line records (Scheduler.java)', () => {
  it('extracts methods of anonymous classes as methods of an <anonymous> scope', () => {
    expect(outline(result.entities, `${DIR}/Scheduler.java`)).toEqual([
      'class Scheduler 6-34',
      'method Scheduler.<anonymous>.run 12-14',
      'method Scheduler.counter 17-24',
      'method Scheduler.counter.<anonymous>.call 20-22',
      'method Scheduler.start 26-31',
      'class Scheduler.start.Worker 27-29',
      'method Scheduler.start.Worker.work 28-28',
      'class Scheduler.Point 33-33',
      'method Scheduler.Point.Point 33-33',
    ]);
  });

  it('records their parent, doc and annotations', () => {
    const { entities } = result;
    const run = entity(entities, 'Scheduler.<anonymous>.run');
    expect([run.name, run.parent, run.kind]).toEqual(['run', 'Scheduler.<anonymous>', 'method']);
    expect(run.docstring).toBe('Ticks once.');
    expect(run.decorators).toEqual(['@Override']);
    const call = entity(entities, 'Scheduler.counter.<anonymous>.call');
    expect([call.parent, call.kind, call.signature]).toEqual([
      'Scheduler.counter.<anonymous>',
      'method',
      'public Integer call()',
    ]);
    expect(call.decorators).toEqual(['@Override']);
  });

  it('cuts source code at the declaration, not at the start of its line', () => {
    const { entities } = result;
    // The annotation before it on the line is left out; the body stays dedented.
    expect(entity(entities, 'Scheduler.counter.<anonymous>.call').sourceCode).toBe(
      'public Integer call() {\n    return count;\n}',
    );
    expect(entity(entities, 'Scheduler.Point').sourceCode).toBe(
      'record Point(int x, int y) { Point { if (x < 0) throw new IllegalArgumentException(); } }',
    );
    expect(entity(entities, 'Scheduler.Point.Point').sourceCode).toBe(
      'Point { if (x < 0) throw new IllegalArgumentException(); }',
    );
    expect(entity(entities, 'Scheduler.Point.Point').signature).toBe('Point');
  });
});
