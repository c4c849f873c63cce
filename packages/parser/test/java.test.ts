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
    ]);
  });

  it('extracts interfaces, classes, nested classes, enums, records, constructors and methods', () => {
    expect(outline(result.entities, `${DIR}/Repository.java`)).toEqual([
      'class Repository 11-24',
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
      'class OrderService.Status 55-67',
      'method OrderService.Status.isFinal 59-61',
      'method OrderService.Status.isFinal 64-66',
      'class OrderService.Money 70-78',
      'method OrderService.Money.Money 71-73',
      'method OrderService.Money.zero 75-77',
      'class OrderService.Audited 80-82',
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
    expect(entity(entities, 'OrderService.Status.isFinal', 59).decorators).toEqual(['@Override']);
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
  });
});
