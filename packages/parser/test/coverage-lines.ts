import type { CodeEntity } from '@codesearch/core';

/**
 * Lines that may precede a definition as its doc comment, decorator or attribute (`--` for
 * Haskell's `-- |` and Lua's `---`, `{-` for Haskell's `{- | -}` and `{-# INLINE f #-}`,
 * `template <` for a C++ template header above the declaration it belongs to).
 */
const ATTACHMENT_START = /^\s*(?:#|\/\/|\/\*|\*|@|--|\{-|template\s*<)/;

/**
 * Lines (1-based) neither inside a unit's range nor part of a comment/decorator block directly
 * above (no blank line between) the start of a unit.
 */
export function uncoveredLines(source: string, entities: readonly CodeEntity[]): number[] {
  const lines = source.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const covered = new Uint8Array(lines.length + 2);
  const starts = new Set<number>();
  for (const entity of entities) {
    covered.fill(1, entity.lineNumber, entity.endLine + 1);
    starts.add(entity.lineNumber);
  }
  const missing: number[] = [];
  for (let line = 1; line <= lines.length; line++) {
    if (covered[line] || lines[line - 1]!.trim() === '') continue;
    // An attached block: it starts like a comment or decorator and runs, without a blank line
    // (but for those inside a `/* … */` comment or after a Java annotation, which is part of
    // the declaration), to a unit's first line.
    let next = line;
    let inBlockComment = false;
    let afterAnnotation = false;
    while (next <= lines.length && !covered[next]) {
      const text = lines[next - 1]!;
      if (text.trim() === '' && !inBlockComment && !afterAnnotation) break;
      if (text.includes('/*')) inBlockComment = true;
      if (text.includes('*/')) inBlockComment = false;
      if (text.trim() !== '') afterAnnotation = /^\s*@/.test(text);
      next++;
    }
    if (starts.has(next) && ATTACHMENT_START.test(lines[line - 1]!)) {
      line = next - 1;
      continue;
    }
    missing.push(line);
  }
  return missing;
}
