import { identifierParts, stem } from './query.js';

/**
 * Paths of code that is rarely the answer to a question about the code itself: tests, fixtures,
 * examples, benchmarks, docs, generated and vendored code.
 */
const SECONDARY_DIRECTORY =
  /(^|\/)(tests?|__tests__|__mocks__|spec|specs|testing|testdata|test_data|fixtures?|examples?|samples?|benchmarks?|bench|docs?|vendor|vendored|third[_-]party|node_modules|generated|gen|dist|build)(\/|$)/i;
const SECONDARY_FILE =
  /(^|\/)(test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.(test|spec|stories)\.[a-z]+|[^/]*Tests?\.java|[^/]*\.min\.js|[^/]*\.generated\.[a-z]+|[^/]*_pb2?\.[a-z]+|[^/]*\.pb\.go|conftest\.py)$/i;

export type PathRole = 'code' | 'secondary';

/** Whether a file is ordinary code or test/fixture/example/generated/vendored code. */
export function pathRole(filePath: string): PathRole {
  return SECONDARY_DIRECTORY.test(filePath) || SECONDARY_FILE.test(filePath) ? 'secondary' : 'code';
}

/** Stems of a path's words: directories, file name (extension dropped), identifier parts. */
export function pathStems(filePath: string): Set<string> {
  const stems = new Set<string>();
  const withoutExtension = filePath.replace(/\.[A-Za-z0-9]+$/, '');
  for (const segment of withoutExtension.split(/[/\\]/)) {
    for (const piece of segment.split(/[._\-\s]+/)) {
      for (const part of identifierParts(piece)) {
        if (part.length >= 3) stems.add(stem(part));
      }
    }
  }
  return stems;
}

/**
 * A unit that is a test by its name, wherever its file is: Rust's inline `mod tests`, Go's
 * `TestX`, Python's `test_x`, a JUnit `testX` method, a `describe` block.
 */
export function isTestUnit(unit: { name: string; qualifiedName: string }): boolean {
  if (/^(test_|tests?$|Test[A-Z_]|test[A-Z]|describe$|it$)/.test(unit.name)) return true;
  return unit.qualifiedName.split('.').some((part) => part === 'tests' || part === 'test');
}
