import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryParseResult, parseDirectory, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { codeChunks, entity, fixtureRoot, outline, parseBesideOversized, parseFixture } from './helpers.js';
import { fetchRealCode } from './real-code.mjs';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('cpp');
});

describe('cpp fixture', () => {
  it('parses every file (a .h header by its content) without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['include/geo/shape.h', 'cpp', []],
      ['src/shape.cc', 'cpp', []],
    ]);
  });

  it('qualifies by namespace and class: classes, methods declared in them, nested structs, enums, aliases, templates, concepts', () => {
    expect(outline(result.entities, 'include/geo/shape.h')).toEqual([
      'constant geo.kEpsilon 12-12',
      'class geo.Shape 19-36',
      'method geo.Shape.~Shape 21-21',
      'method geo.Shape.area 24-24',
      'method geo.Shape.name 27-27',
      'method geo.Shape.operator< 29-29',
      'method geo.Shape.Shape 32-32',
      'class geo.Circle 39-52',
      'method geo.Circle.Circle 41-41',
      'method geo.Circle.area 42-42',
      'method geo.Circle.name 43-43',
      'struct geo.Circle.Builder 45-48',
      'method geo.Circle.Builder.build 47-47',
      'enum geo.Unit 54-54',
      'type geo.ShapePtr 56-56',
      'type geo.Label 57-57',
      // The unit is the declaration's lines; `template <typename T>` above is attached to it.
      'function geo.larger 61-63',
      'type geo.HasArea 66-66',
      'function geo.detail.next_id 69-69',
    ]);
  });

  it('makes out-of-class definitions methods of their class, in the namespaces around them', () => {
    expect(outline(result.entities, 'src/shape.cc')).toEqual([
      'constant geo.kPi 9-9', // in an anonymous namespace: no name of its own
      'method geo.Shape.operator< 13-13',
      'method geo.Circle.Circle 16-17',
      'method geo.Circle.area 19-21',
      'method geo.Circle.Builder.build 23-23',
      'function geo.detail.next_id 27-30',
      'function geo.larger 35-37', // an explicit specialization
      'function geo_unit_area 43-43', // in extern "C" { … }
      'variable unit_circle 46-46',
      'function main 48-50',
    ]);
    const { entities } = result;
    expect(entity(entities, 'geo.Circle.area', 19).parent).toBe('geo.Circle');
    expect(entity(entities, 'geo.Circle.Builder.build', 23).parent).toBe('geo.Circle.Builder');
    expect(entity(entities, 'geo.detail.next_id', 27).parent).toBe('geo.detail');
    expect(entity(entities, 'geo_unit_area').parent).toBeUndefined();
  });

  it('chunks the lines of namespaces, guards and extern "C" blocks around the definitions', () => {
    expect(codeChunks(result.entities, 'include/geo/shape.h')).toEqual([
      'GEO_SHAPE_H_ 1-9', // licence, guard, includes, `namespace geo {`
      '<top-level> 68-68', // namespace detail {
      '<top-level> 70-74', // the closing braces and #endif
    ]);
    expect(codeChunks(result.entities, 'src/shape.cc')).toEqual([
      'imports 1-6',
      '<top-level> 11-11',
      '<top-level> 25-25',
      '<top-level> 32-32',
      '<top-level> 39-41',
      '<top-level> 44-44',
    ]);
    for (const file of result.files) {
      const source = readFileSync(path.join(fixtureRoot('cpp'), file.filePath), 'utf8');
      const own = result.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });

  it('reads Doxygen comments above declarations and templates, and plain comments', () => {
    const { entities } = result;
    expect(entity(entities, 'geo.kEpsilon').docstring).toBe('Tolerance of every comparison.');
    expect(entity(entities, 'geo.Shape').docstring).toBe(
      'A closed shape in the plane.\n\nSubclasses implement area() and name().',
    );
    expect(entity(entities, 'geo.Shape.area').docstring).toBe('The area, in square units.');
    expect(entity(entities, 'geo.Shape.name').docstring).toBe('A name for display.');
    expect(entity(entities, 'geo.Circle').docstring).toBe('A circle of some radius.');
    expect(entity(entities, 'geo.larger', 61).docstring).toBe('The larger of two values.');
    expect(entity(entities, 'geo.kPi').docstring).toBe('Pi, to double precision.');
    expect(entity(entities, 'geo.Circle.Circle', 16).docstring).toBe(
      'Builds a circle; negative radii become zero.',
    );
    expect(entity(entities, 'geo_unit_area').docstring).toBe('C entry point: the area of a unit circle.');
    expect(entity(entities, 'geo.Circle.area', 42).docstring).toBeUndefined();
  });

  it('builds signatures with the template header, without [[attributes]] (kept as decorators)', () => {
    const { entities } = result;
    expect(entity(entities, 'geo.Shape').signature).toBe('class GEO_EXPORT Shape');
    expect(entity(entities, 'geo.Circle').signature).toBe('class Circle final : public Shape');
    expect(entity(entities, 'geo.Shape.area').signature).toBe('virtual double area() const = 0');
    expect(entity(entities, 'geo.Shape.area').decorators).toEqual(['[[nodiscard]]']);
    expect(entity(entities, 'geo.Shape.~Shape').signature).toBe('virtual ~Shape() = default');
    expect(entity(entities, 'geo.larger', 61).signature).toBe(
      'template <typename T> const T& larger(const T& a, const T& b)',
    );
    expect(entity(entities, 'geo.larger', 35).signature).toBe(
      'template <> const Circle& larger<Circle>(const Circle& a, const Circle& b)',
    );
    // A constructor's initializer list is left out, as the body is.
    expect(entity(entities, 'geo.Circle.Circle', 16).signature).toBe('Circle::Circle(double radius)');
    expect(entity(entities, 'geo.Unit').signature).toBe('enum class Unit : int');
    expect(entity(entities, 'geo.ShapePtr').signature).toBe('using ShapePtr = std::unique_ptr<Shape>');
    expect(entity(entities, 'geo.HasArea').signature).toBe(
      'template <typename T> concept HasArea = requires(const T& t) { t.area(); }',
    );
    expect(entity(entities, 'geo.larger', 61).sourceCode).toBe(
      'const T& larger(const T& a, const T& b) {\n  return a < b ? b : a;\n}',
    );
  });

  it('outlines a class: doc comment, members and declared methods, inline bodies elided', () => {
    expect(entity(result.entities, 'geo.Shape').outline).toBe(
      [
        '/**',
        ' * A closed shape in the plane.',
        ' *',
        ' * Subclasses implement area() and name().',
        ' */',
        'class GEO_EXPORT Shape {',
        ' public:',
        '  virtual ~Shape() = default;',
        '',
        '  /// The area, in square units.',
        '  [[nodiscard]] virtual double area() const = 0;',
        '',
        '  //! A name for display.',
        '  virtual std::string name() const { … }',
        '',
        '  bool operator<(const Shape& other) const;',
        '',
        ' protected:',
        '  Shape() = default;',
        '',
        ' private:',
        '  int id_ = 0;',
        '}',
      ].join('\n'),
    );
  });
});

describe('cpp bad input', () => {
  it('finds the definitions around a syntax error and names its line', () => {
    const source = [
      'namespace app {',
      '// Before.',
      'int before() { return 1; }',
      '',
      'int broken(int x) {',
      '  return x +* ;',
      '}',
      '',
      '// After.',
      'int after() { return 2; }',
      '}  // namespace app',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'cpp', 'broken.cc');
    expect(parsed.warnings).toEqual(['syntax errors near line 6; 3 definitions extracted from the rest']);
    expect(
      parsed.entities
        .filter((e) => e.kind !== 'code')
        .map((e) => `${e.qualifiedName} ${e.lineNumber}-${e.endLine}`),
    ).toEqual(['app.before 3-3', 'app.broken 5-7', 'app.after 10-10']);
    expect(entity(parsed.entities, 'app.after').docstring).toBe('After.');
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('reads classes and methods behind export and thread-safety annotation macros', () => {
    const source = [
      'class LEVELDB_EXPORT DB {',
      ' public:',
      '  void CompactMemTable() EXCLUSIVE_LOCKS_REQUIRED(mutex_);',
      '  Status Recover(VersionEdit* edit)',
      '      EXCLUSIVE_LOCKS_REQUIRED(mutex_);',
      '};',
      'class SCOPED_LOCKABLE MutexLock {',
      ' public:',
      '  ~MutexLock() UNLOCK_FUNCTION() { mu_->Unlock(); }',
      '};',
      'LEVELDB_EXPORT Status DestroyDB(const std::string& name);',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'cpp', 'db.h');
    expect(parsed.warnings).toEqual([]);
    // The same with CRLF line breaks (the annotation on its own line is still blanked).
    expect(parseSource(source.replace(/\n/g, '\r\n'), 'cpp', 'db.h').warnings).toEqual([]);
    expect(
      parsed.entities.map(
        (e) => `${e.kind} ${e.qualifiedName} ${e.lineNumber}-${e.endLine} | ${e.signature}`,
      ),
    ).toEqual([
      'class DB 1-6 | class LEVELDB_EXPORT DB',
      'method DB.CompactMemTable 3-3 | void CompactMemTable() EXCLUSIVE_LOCKS_REQUIRED(mutex_)',
      'method DB.Recover 4-5 | Status Recover(VersionEdit* edit) EXCLUSIVE_LOCKS_REQUIRED(mutex_)',
      'class MutexLock 7-10 | class SCOPED_LOCKABLE MutexLock',
      'method MutexLock.~MutexLock 9-9 | ~MutexLock() UNLOCK_FUNCTION()',
      'function DestroyDB 11-11 | Status DestroyDB(const std::string& name)',
    ]);
  });

  it('reads declarations after a macro alone on its line (namespace macros, member macros)', () => {
    const source = [
      'PYBIND11_NAMESPACE_BEGIN(PYBIND11_NAMESPACE)',
      'PYBIND11_NAMESPACE_BEGIN(detail)',
      '',
      '/// Holds a Python object.',
      'class object_api {',
      '  PYBIND11_OBJECT_DEFAULT(object_api, handle, PyObject_Type)',
      '  bool is_none() const { return ptr() == nullptr; }',
      '};',
      '',
      'PYBIND11_NAMESPACE_END(detail)',
      'PYBIND11_NAMESPACE_END(PYBIND11_NAMESPACE)',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'cpp', 'pytypes.h');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.entities.map((e) => `${e.kind} ${e.qualifiedName} ${e.lineNumber}-${e.endLine}`)).toEqual([
      'code <top-level> 1-2',
      'class object_api 5-8',
      'method object_api.is_none 7-7',
      'code <top-level> 10-11',
    ]);
    expect(entity(parsed.entities, 'object_api').docstring).toBe('Holds a Python object.');
    expect(uncoveredLines(source, parsed.entities)).toEqual([]);
  });

  it('names the tests of gtest-style macros by their arguments, not `TEST`', () => {
    const source = [
      'namespace leveldb {',
      'TEST(ArenaTest, Empty) { Arena arena; }',
      'TEST_F(DBTest, Get) {',
      '  ASSERT_OK(Put("foo", "v1"));',
      '}',
      '}  // namespace leveldb',
      '',
    ].join('\n');
    const parsed = parseSource(source, 'cpp', 'arena_test.cc');
    expect(parsed.warnings).toEqual([]);
    expect(
      parsed.entities
        .filter((e) => e.kind !== 'code')
        .map(
          (e) => `${e.kind} ${e.qualifiedName} ${e.lineNumber}-${e.endLine} | ${e.parent} | ${e.signature}`,
        ),
    ).toEqual([
      'function leveldb.ArenaTest.Empty 2-2 | leveldb.ArenaTest | TEST(ArenaTest, Empty)',
      'function leveldb.DBTest.Get 3-5 | leveldb.DBTest | TEST_F(DBTest, Get)',
    ]);
  });

  it('parses a generated file of 3,000 methods; above 1 MiB the walk skips it', async () => {
    const methods = (count: number) =>
      Array.from(
        { length: count },
        (_, i) => `/// Method ${i}.\nint Gen::m${i}(int x) const {\n  return x + ${i};\n}\n`,
      ).join('\n');
    const body = `namespace gen {\n\n${methods(3000)}\n}  // namespace gen\n`;
    const parsed = parseSource(body, 'cpp', 'generated.cc');
    const found = parsed.entities.filter((e) => e.kind === 'method');
    expect(found).toHaveLength(3000);
    expect(found[2999]).toMatchObject({
      qualifiedName: 'gen.Gen.m2999',
      parent: 'gen.Gen',
      lineNumber: 3 + 5 * 2999 + 1,
      docstring: 'Method 2999.',
      signature: 'int Gen::m2999(int x) const',
    });

    const huge = `namespace gen {\n${methods(16000)}}\n`;
    expect(await parseBesideOversized(['small.cc', body], ['huge.cc', huge])).toEqual({
      parsed: [['small.cc', parsed.entities.length]],
      skipped: [['huge.cc', 'too large']],
    });
  });
});

// leveldb 0.201 (PyPI sdist of py-leveldb): Google's leveldb (C++), snappy, and the Python
// binding's C++. Five headers hold no C++ and are read as C. The warnings are constructs the
// grammar cannot read (`new T*[n]`, `__attribute__` after a prototype inside `#if`, Python
// C-API macros, test macros); definitions around them are found.
describe('cpp real code: leveldb', () => {
  let root: string;
  let parsed: DirectoryParseResult;
  beforeAll(async () => {
    root = await fetchRealCode('cpp-leveldb');
    parsed = await parseDirectory(root, { concurrency: 1, languages: ['c', 'cpp'] });
  }, 180_000);

  it('parses every .cc and .h file without errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.files.filter((file) => file.language === 'cpp')).toHaveLength(128);
    expect(parsed.files.filter((file) => file.language === 'c').map((file) => file.filePath)).toEqual([
      'leveldb/include/leveldb/c.h',
      'leveldb/port/port.h',
      'leveldb/port/thread_annotations.h',
      'snappy/config.h',
      'snappy/snappy-c.h',
    ]);
    expect(parsed.files.filter((file) => file.warnings.length > 0)).toHaveLength(11);
  });

  it('finds the definitions by kind (status.h and db.h checked by hand against the source)', () => {
    const kinds: Record<string, number> = {};
    for (const e of parsed.entities.filter((e) => e.language === 'cpp'))
      kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      method: 1629,
      function: 677,
      code: 430,
      class: 164,
      constant: 87,
      macro: 92,
      struct: 72,
      variable: 72,
      type: 35,
      enum: 15,
    });
  });

  it('reads exact definitions as written', () => {
    const find = (filePath: string, qualifiedName: string) =>
      parsed.entities.filter((e) => e.filePath === filePath && e.qualifiedName === qualifiedName);
    expect(find('leveldb/db/db_impl.cc', 'leveldb.DBImpl.Get')).toEqual([
      expect.objectContaining({
        kind: 'method',
        lineNumber: 1109,
        endLine: 1154,
        parent: 'leveldb.DBImpl',
        signature: 'Status DBImpl::Get(const ReadOptions& options, const Slice& key, std::string* value)',
      }),
    ]);
    expect(find('leveldb/include/leveldb/db.h', 'leveldb.DB.Put')).toEqual([
      expect.objectContaining({
        kind: 'method',
        lineNumber: 61,
        endLine: 63,
        signature:
          'virtual Status Put(const WriteOptions& options, const Slice& key, const Slice& value) = 0',
      }),
    ]);
    expect(find('leveldb/include/leveldb/db.h', 'leveldb.DB.Put')[0]!.docstring!.split('\n')[0]).toBe(
      'Set the database entry for "key" to "value".  Returns OK on success,',
    );
    expect(find('leveldb/db/skiplist.h', 'leveldb.SkipList')).toEqual([
      expect.objectContaining({
        kind: 'class',
        lineNumber: 41,
        endLine: 143,
        signature: 'template<typename Key, class Comparator> class SkipList',
      }),
    ]);
    // `template<…> struct SkipList<Key,Comparator>::Node { … }`: a struct of SkipList.
    expect(find('leveldb/db/skiplist.h', 'leveldb.SkipList.Node')).toEqual([
      expect.objectContaining({ kind: 'struct', lineNumber: 147, endLine: 180, parent: 'leveldb.SkipList' }),
    ]);
    expect(find('leveldb/include/leveldb/status.h', 'leveldb.Status.Code')).toEqual([
      expect.objectContaining({ kind: 'enum', lineNumber: 81, endLine: 88 }),
    ]);
  });

  it('leaves no line outside a unit (template headers are attached to the declaration below)', () => {
    for (const file of parsed.files) {
      const source = readFileSync(path.join(root, file.filePath), 'utf8');
      const own = parsed.entities.filter((e) => e.filePath === file.filePath);
      expect(uncoveredLines(source, own), file.filePath).toEqual([]);
    }
  });
});
