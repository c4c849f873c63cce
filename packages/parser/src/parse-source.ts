import type { CodeEntity, Language } from '@codesearch/core';
import type Parser from 'tree-sitter';
import { codeChunks } from './code-chunks.js';
import { type ExtractedUnit, extractUnits } from './extract.js';
import { parserFor } from './grammars.js';
import { LANGUAGE_SPECS } from './languages/index.js';
import { addOutlines } from './outline.js';

/** The entities of one file and what the parser noticed while reading it. */
export interface ParsedFile {
  filePath: string;
  language: Language;
  entities: CodeEntity[];
  /** Lines in the file. */
  lines: number;
  /** Size of the source in bytes (UTF-8). */
  bytes: number;
  /** Non-fatal findings, e.g. syntax errors (entities outside them are still extracted). */
  warnings: string[];
  /** The file as read (set by `parseFile`, not `parseSource`): lets an index tell later whether it changed. */
  fingerprint?: FileFingerprint;
}

/** A file's size and times when it was read, and the digest of the bytes parsed. */
export interface FileFingerprint {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Hex sha256 of the bytes read. */
  sha256: string;
}

const MAX_REPORTED_ERROR_LINES = 5;

function syntaxErrorLines(tree: Parser.Tree): number[] {
  const lines = new Set<number>();
  const visit = (node: Parser.SyntaxNode, zeroWidth: boolean): void => {
    if (lines.size >= MAX_REPORTED_ERROR_LINES || !node.hasError) return;
    if (
      node.type === 'ERROR' ||
      node.isMissing ||
      (zeroWidth && node.childCount === 0 && node.startIndex === node.endIndex)
    ) {
      lines.add(node.startPosition.row + 1);
      return;
    }
    for (const child of node.children) visit(child, zeroWidth);
  };
  visit(tree.rootNode, false);
  // No ERROR node and no node flagged missing: a zero-width leaf holding the error is a missing
  // token the binding does not flag (tree-sitter-zig's nameless field in `struct {}`).
  if (lines.size === 0) visit(tree.rootNode, true);
  return [...lines].sort((a, b) => a - b);
}

function countLines(source: string): number {
  if (source.length === 0) return 0;
  let lines = 1;
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) lines++;
  return source.endsWith('\n') ? lines - 1 : lines;
}

/**
 * Parses source text already in memory. `filePath` is recorded on the entities as given
 * (pass a POSIX path relative to the repository root).
 */
export function parseSource(source: string, language: Language, filePath: string): ParsedFile {
  const spec = LANGUAGE_SPECS[language];
  const tree = parserFor(language).parse(spec.parseText?.(source) ?? source);
  const units = withUnitsInMacros(
    extractUnits(tree, spec, source, filePath),
    tree,
    language,
    source,
    filePath,
  );
  addOutlines(source, units, spec.elision);
  const definitions = units.map((unit) => unit.entity);
  const entities = mergeByLine(definitions, codeChunks(tree, spec, source, filePath, units));
  const warnings: string[] = [];
  if (tree.rootNode.hasError) {
    const lines = syntaxErrorLines(tree);
    warnings.push(
      `syntax errors near line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}; ` +
        `${definitions.length} definition${definitions.length === 1 ? '' : 's'} extracted from the rest`,
    );
  }
  return {
    filePath,
    language,
    entities,
    lines: countLines(source),
    bytes: Buffer.byteLength(source),
    warnings,
  };
}

/**
 * Adds the definitions written inside macro invocations (parsed again from a copy of the source
 * holding only those tokens, so their offsets and lines are the file's), in source order.
 */
function withUnitsInMacros(
  units: ExtractedUnit[],
  tree: Parser.Tree,
  language: Language,
  source: string,
  filePath: string,
): ExtractedUnit[] {
  const spec = LANGUAGE_SPECS[language];
  const masked = spec.itemsInMacros?.(tree, source);
  if (masked === undefined) return units;
  const inner = extractUnits(parserFor(language).parse(masked), spec, masked, filePath);
  if (inner.length === 0) return units;
  return [...units, ...inner].sort((a, b) => a.attachedStart - b.attachedStart || b.end - a.end);
}

/** Definitions (in source order) and code chunks (between them) as one list ordered by line. */
function mergeByLine(definitions: CodeEntity[], chunks: CodeEntity[]): CodeEntity[] {
  if (chunks.length === 0) return definitions;
  const merged: CodeEntity[] = [];
  let next = 0;
  for (const definition of definitions) {
    while (next < chunks.length && chunks[next]!.lineNumber < definition.lineNumber)
      merged.push(chunks[next++]!);
    merged.push(definition);
  }
  while (next < chunks.length) merged.push(chunks[next++]!);
  return merged;
}
