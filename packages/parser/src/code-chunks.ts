import type { CodeEntity } from '@codesearch/core';
import type Parser from 'tree-sitter';
import { elideBodies } from './elide.js';
import { COMMENT_TYPES, type ExtractedUnit, type LanguageSpec } from './extract.js';
import { collapseWhitespace } from './text-utils.js';

/** A chunk of top-level code grows to at most this many lines… */
export const MAX_CHUNK_LINES = 40;
/** …and characters, unless one top-level node alone is longer (it stays whole). */
export const MAX_CHUNK_CHARS = 1500;
const MAX_SIGNATURE_CHARS = 120;
// Property and field names (`{ port: 80 }`) say less than the names of variables and calls.
const NAME_TYPES = new Set(['identifier', 'type_identifier', 'simple_identifier' /* Swift */]);
/** How far into a chunk's first node a name is looked for. */
const MAX_NAME_STEPS = 200;

interface Chunk {
  firstRow: number;
  lastRow: number;
  chars: number;
  nodes: ChunkNode[];
}

interface ChunkNode {
  type: string;
  start: number;
  startRow: number;
  /** Not a name for the chunk: a token or the name/condition of a `chunkThroughTypes` node. */
  nameless?: boolean;
}

/** Fields of a chunked-through node that name it or its condition (`#ifdef X`, `namespace a`). */
const NAMELESS_FIELDS = new Set(['name', 'condition']);

/**
 * The `code` units of a file: every non-blank line no definition covers (with its attached doc
 * comment and decorators) lands in one, made of consecutive top-level nodes and cut only
 * between them. A top-level node holding definitions (a Rust `impl`, `if __name__ == …:` with
 * a `def`) gives its other lines, the definitions' bodies elided.
 */
export function codeChunks(
  tree: Parser.Tree,
  spec: LanguageSpec,
  source: string,
  filePath: string,
  units: readonly ExtractedUnit[],
): CodeEntity[] {
  const lineStarts = lineStartsOf(source);
  const rows = lineStarts.length;
  const covered = new Uint8Array(rows);
  for (const { attachedRow, entity } of units) covered.fill(1, attachedRow, entity.endLine);
  const blank = blankLines(source, lineStarts);
  const needed = (row: number): boolean => covered[row] === 0 && blank[row] === 0;

  const chunks: CodeEntity[] = [];
  let chunk: Chunk | undefined;
  const flush = (): void => {
    if (chunk) chunks.push(chunkEntity(chunk, tree, spec, source, filePath, units, lineStarts));
    chunk = undefined;
  };
  const cursor = tree.walk();
  if (!cursor.gotoFirstChild()) return chunks;
  const through = spec.chunkThroughTypes;
  let depth = 0; // how many chunked-through nodes the cursor is in
  for (;;) {
    const startRow = cursor.startPosition.row;
    const end = cursor.endPosition;
    // A Rust `//` comment ends at column 0 of the next line.
    const endRow = end.column === 0 && end.row > startRow ? end.row - 1 : end.row;
    if (through?.has(cursor.nodeType) && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    if (!visit(startRow, endRow)) break;
  }
  flush();
  return chunks;

  /** Adds the node at the cursor to the chunks; moves to the next one, false when none is left. */
  function visit(startRow: number, endRow: number): boolean {
    let first = startRow;
    while (first <= endRow && !needed(first)) first++;
    if (first > endRow) {
      flush(); // a definition (or blank): chunks never run across it
      return next();
    }
    let last = endRow;
    while (!needed(last)) last--;
    if (chunk) {
      const lines = last - chunk.firstRow + 1;
      const chars = chunk.chars + charsOf(lineStarts, source, Math.max(first, chunk.lastRow + 1), last);
      if (lines > MAX_CHUNK_LINES || chars > MAX_CHUNK_CHARS) flush();
    }
    const node: ChunkNode = { type: cursor.nodeType, start: cursor.startIndex, startRow };
    if (depth > 0 && (!cursor.nodeIsNamed || NAMELESS_FIELDS.has(cursor.currentFieldName ?? '')))
      node.nameless = true;
    if (!chunk) {
      chunk = {
        firstRow: first,
        lastRow: last,
        chars: charsOf(lineStarts, source, first, last),
        nodes: [node],
      };
    } else {
      chunk.chars += charsOf(lineStarts, source, Math.max(first, chunk.lastRow + 1), last);
      chunk.lastRow = Math.max(chunk.lastRow, last);
      chunk.nodes.push(node);
    }
    return next();
  }

  /** The next sibling, else that of the chunked-through node the cursor leaves. */
  function next(): boolean {
    while (!cursor.gotoNextSibling()) {
      if (depth === 0 || !cursor.gotoParent()) return false;
      depth--;
    }
    return true;
  }
}

function chunkEntity(
  chunk: Chunk,
  tree: Parser.Tree,
  spec: LanguageSpec,
  source: string,
  filePath: string,
  units: readonly ExtractedUnit[],
  lineStarts: readonly number[],
): CodeEntity {
  const from = lineStarts[chunk.firstRow]!;
  const next = lineStarts[chunk.lastRow + 1];
  let to = next === undefined ? source.length : next;
  if (source[to - 1] === '\n') to--;
  if (source[to - 1] === '\r') to--;
  const name = chunkName(chunk, tree, spec, source);
  const entity: CodeEntity = {
    kind: 'code',
    name,
    qualifiedName: name,
    filePath,
    lineNumber: chunk.firstRow + 1,
    endLine: chunk.lastRow + 1,
    language: spec.language,
    sourceCode: source.slice(from, to),
  };
  // Definitions inside (a Rust `impl`'s methods) are units of their own: the outline leaves
  // their bodies out, for a model that should not read them twice.
  const elided = elideBodies(source, from, to, unitsFrom(units, from), spec.elision, () => true);
  if (elided.memberEnds.length > 0) entity.outline = elided.text;
  const signature = firstCodeLine(chunk, source, lineStarts);
  if (signature) entity.signature = signature;
  return entity;
}

/**
 * The first name declared or called in the chunk's statements (imports and nameless ones, such
 * as a module docstring, stepped over); `imports` when it holds imports and nothing named.
 */
function chunkName(chunk: Chunk, tree: Parser.Tree, spec: LanguageSpec, source: string): string {
  let imports = false;
  for (const node of chunk.nodes) {
    if (COMMENT_TYPES.has(node.type) || node.nameless) continue;
    if (spec.importTypes.has(node.type) || spec.isImport?.(nodeAt(tree, node.start), source)) {
      imports = true;
      continue;
    }
    const name = firstName(tree, node.start, node.type, spec, source);
    if (name !== undefined) return name;
  }
  return imports ? 'imports' : '<top-level>';
}

/** The top-level node starting at `start`. */
function nodeAt(tree: Parser.Tree, start: number): Parser.SyntaxNode {
  const cursor = tree.walk();
  cursor.gotoFirstChildForIndex(start);
  return cursor.currentNode;
}

/**
 * The name of the top-level node starting at `start`: the scope it names (a Rust `impl<S> Foo<S>`
 * is `Foo`), else its first identifier, looked for not too deep.
 */
function firstName(
  tree: Parser.Tree,
  start: number,
  type: string,
  spec: LanguageSpec,
  source: string,
): string | undefined {
  const cursor = tree.walk();
  // Down to the node itself, which may be inside a chunked-through one.
  while (cursor.gotoFirstChildForIndex(start))
    if (cursor.startIndex === start && cursor.nodeType === type) break;
  if (spec.nodeTypes.includes(cursor.nodeType)) {
    const name = spec.describe(cursor.currentNode, source)?.name;
    if (name) return name;
  }
  const stop = cursor.endIndex;
  for (let step = 0; step < MAX_NAME_STEPS; step++) {
    if ((spec.chunkNameTypes ?? NAME_TYPES).has(cursor.nodeType)) return cursor.nodeText;
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || cursor.endIndex >= stop) return undefined;
    }
    if (cursor.startIndex >= stop) return undefined;
  }
  return undefined;
}

/** The first line of the chunk's first statement (comments skipped), shortened. */
function firstCodeLine(chunk: Chunk, source: string, lineStarts: readonly number[]): string | undefined {
  const node = chunk.nodes.find((candidate) => !COMMENT_TYPES.has(candidate.type)) ?? chunk.nodes[0]!;
  const row = Math.max(node.startRow, chunk.firstRow);
  const next = lineStarts[row + 1];
  const line = collapseWhitespace(source.slice(lineStarts[row]!, next === undefined ? source.length : next));
  if (line === '') return undefined;
  return line.length > MAX_SIGNATURE_CHARS ? `${line.slice(0, MAX_SIGNATURE_CHARS - 1)}…` : line;
}

/** The units from the first one starting at or after `from` on (units are in source order). */
function unitsFrom(units: readonly ExtractedUnit[], from: number): readonly ExtractedUnit[] {
  let low = 0;
  let high = units.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (units[middle]!.attachedStart < from) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? units : units.slice(low);
}

function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1))
    starts.push(index + 1);
  // A final line break does not start a line.
  if (starts.length > 1 && starts[starts.length - 1] === source.length) starts.pop();
  return starts;
}

function blankLines(source: string, lineStarts: readonly number[]): Uint8Array {
  // Character codes, not slices: a file may have many thousand lines.
  const blank = new Uint8Array(lineStarts.length);
  for (let row = 0; row < lineStarts.length; row++) {
    const end = lineStarts[row + 1] ?? source.length;
    let index = lineStarts[row]!;
    while (index < end && isSpace(source.charCodeAt(index))) index++;
    if (index === end) blank[row] = 1;
  }
  return blank;
}

/** Space, tab, line feed, vertical tab, form feed, carriage return. */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function charsOf(lineStarts: readonly number[], source: string, first: number, last: number): number {
  if (last < first) return 0;
  const next = lineStarts[last + 1];
  return (next === undefined ? source.length : next) - lineStarts[first]!;
}
