import { CLASS_LIKE_KINDS, type CodeEntity, type EntityKind, type Language } from '@codesearch/core';
import type Parser from 'tree-sitter';
import { collapseWhitespace, dedentBlock, lineStartIndex } from './text-utils.js';

export type SyntaxNode = Parser.SyntaxNode;

/**
 * How a language spec sees one captured node.
 * - `function` / `class`: an entity; `method` is decided by the enclosing scope.
 * - `scope`: names a scope; an entity too when it has a `kind` (a namespace, a `const api = {…}`),
 *   not without one (a Rust `impl`).
 */
export interface Definition {
  role: 'function' | 'class' | 'scope';
  name: string;
  /** The entity's kind when not `function`/`method`/`class` (`interface`, `constant`, `module`, …). */
  kind?: EntityKind;
  /** Scopes whose functions are methods (classes, impls, traits). Default: true for classes. */
  classLike?: boolean;
  /**
   * Overrides the enclosing scope for the qualified name (a Go method's receiver type, the `Foo`
   * of `Foo.prototype.bar = …`); `''` for none. A function with an owner is a method by default.
   */
  ownerName?: string;
  /** Overrides whether a function is a method (`obj.handler = () => …` has an owner but is not). */
  method?: boolean;
  /**
   * Where the declaration's body starts; the signature is the text before it. A function's or a
   * class's body is what an outline leaves out.
   */
  body?: SyntaxNode | null;
  /**
   * Where the signature starts when before the node (the `const` of `const f = () => …`).
   * Default: the declaration itself, after its decorators.
   */
  signatureStart?: number;
  /** Words put before the signature that are not next to the declaration (Go's grouped `type`). */
  signaturePrefix?: string;
  /**
   * Where the source code starts when before the declaration (`export const`). Ignored unless on
   * the declaration's line, so the source always spans the entity's lines.
   */
  sourceStart?: number;
  /**
   * A scope without `kind` whose own lines go to code chunks (a C++ namespace, its body listed in
   * the spec's `chunkThroughTypes`): the definitions in it attach their comments as top-level
   * ones do, since no unit covers those lines.
   */
  chunked?: boolean;
  /**
   * The body runs from `body` to the definition's end, past the body node (Haskell: a function's
   * later equations, after the first one, are elided with it in outlines).
   */
  bodyToEnd?: boolean;
}

export interface LanguageSpec {
  language: Language;
  /** Node types of candidate definitions; `describe` may still turn a candidate down. */
  nodeTypes: readonly string[];
  /**
   * Python: a block's trailing comments belong to the tree-sitter node, but CPython ends a
   * definition at its last statement. When set, the end line is that of the last code token.
   */
  endAtLastCode?: boolean;
  /**
   * Where a definition ends when not where its node does (Scala 3: an indented body holds the
   * blank lines after it, and the `end Foo` marker after it is a sibling); undefined for the
   * default. `row` is 0-based, `index` the offset in the source.
   */
  definitionEnd?(node: SyntaxNode, source: string): { row: number; index: number } | undefined;
  describe(node: SyntaxNode, source: string): Definition | undefined;
  /**
   * The text tree-sitter reads, when the grammar needs help: the source with some characters
   * replaced by spaces (same length, same line breaks), such as C's export macros
   * (`LUA_API int f(void);` reads as a declaration of `int` otherwise). Names are read from the
   * tree; signatures, source code and docstrings from the source as written.
   */
  parseText?(source: string): string;
  /** The node whose leading siblings hold the documentation comment and decorators. */
  attachmentAnchor?(node: SyntaxNode): SyntaxNode;
  docstring(node: SyntaxNode, source: string, anchor: SyntaxNode, definition: Definition): string | undefined;
  /** Node types that precede a declaration as decorators/annotations (collected, not counted). */
  decoratorTypes: ReadonlySet<string>;
  /**
   * Which of the `decoratorTypes` siblings above a declaration are recorded as its decorators; the
   * others are stepped over, still attached to it (Elixir: `@spec` and `@impl` are decorators,
   * the `@doc` between them and the `def` is not). Default: all of them.
   */
  isDecorator?(node: SyntaxNode): boolean;
  /**
   * A node type holding decorators followed by the definition as its last child (Python's
   * `decorated_definition`). When set, decorators are read from it, never from siblings.
   */
  decoratorWrapper?: string;
  /**
   * Candidates the node types cannot name cheaply, found among the top-level nodes only (Python's
   * `MAX_SIZE = 10`: asking for every assignment of a file would cost more than it finds).
   */
  topLevelCandidate?(node: SyntaxNode): boolean;
  /** Top-level node types that are imports (a code chunk made only of them is named `imports`). */
  importTypes: ReadonlySet<string>;
  /**
   * Top-level nodes that are imports though their type is not only used for imports (Ruby's
   * `require "json"`, a call; Lua's `local json = require("json")`). Asked only while naming a
   * code chunk, for nodes whose type is not in `importTypes`.
   */
  isImport?(node: SyntaxNode, source: string): boolean;
  /**
   * Node types whose text names a code chunk (its first one), when not `identifier` and
   * `type_identifier` (PHP's `name`: `$default = new Logger()` is the chunk `default`).
   */
  chunkNameTypes?: ReadonlySet<string>;
  /**
   * Node types whose children the code chunks treat as top-level nodes (C's `#ifndef` guard
   * around a header, a C++ namespace's body): their own lines (`#ifndef X`, `namespace a {`,
   * `#endif`) join the chunks of the code around them, instead of one chunk spanning the file
   * whose declarations (prototypes, macros: nothing to elide) would be read twice.
   */
  chunkThroughTypes?: ReadonlySet<string>;
  /** What replaces a body in outlines: `...` (Python) or `{ … }`. */
  elision: string;
  /**
   * Definitions tree-sitter sees only as tokens (Rust's `cfg_feature! { pub fn f() {} }`): the
   * source with everything but those tokens blanked out (line breaks kept, so offsets and lines
   * stay those of the file), to be parsed again; undefined when there are none.
   */
  itemsInMacros?(tree: Parser.Tree, source: string): string | undefined;
}

/** An entity and the source ranges the coverage and outline passes need. */
export interface ExtractedUnit {
  entity: CodeEntity;
  /** Where the entity's text starts, its attached doc comment and decorators included. */
  attachedStart: number;
  /** The row `attachedStart` is on. */
  attachedRow: number;
  end: number;
  /** The body an outline leaves out (functions and classes only). */
  body?: { start: number; end: number };
}

interface OpenScope {
  end: number;
  qualifiedName: string;
  classLike: boolean;
  chunked: boolean;
}

/** A cursor on `node` (`shared`, moved there, when it can be). */
function cursorAt(
  shared: Parser.TreeCursor,
  node: SyntaxNode,
  start: number,
  end: number,
): Parser.TreeCursor {
  // tree-sitter 0.25.1's `reset(node)` takes the node last handed to native code, not its
  // argument: reading a property of `node` hands it over. Checked, in case that ever changes.
  if (node.startIndex === start) shared.reset(node);
  if (shared.startIndex === start && shared.endIndex === end) return shared;
  return node.walk();
}

/** Leading decorator children (TS class decorators, Java annotations) inside the node itself. */
function innerDecorators(
  at: Parser.TreeCursor,
  cursor: Parser.TreeCursor,
  nodeStart: number,
  spec: LanguageSpec,
  source: string,
): { start: number; texts: string[] } {
  // A cursor, not `node.children`: it reads types and offsets without making a JS object per child.
  const texts: string[] = [];
  cursor.resetTo(at);
  if (!cursor.gotoFirstChild()) return { start: nodeStart, texts };
  do {
    const type = cursor.nodeType;
    if (spec.decoratorTypes.has(type)) {
      texts.push(source.slice(cursor.startIndex, cursor.endIndex));
      continue;
    }
    if (type === 'modifiers') {
      // Java: annotations live inside `modifiers`; the declaration starts at the first keyword.
      let keywordStart: number | undefined;
      if (cursor.gotoFirstChild()) {
        do {
          if (spec.decoratorTypes.has(cursor.nodeType))
            texts.push(source.slice(cursor.startIndex, cursor.endIndex));
          else if (keywordStart === undefined) keywordStart = cursor.startIndex;
        } while (cursor.gotoNextSibling());
        cursor.gotoParent();
      }
      if (keywordStart !== undefined) return { start: keywordStart, texts };
      continue;
    }
    if (COMMENT_TYPES.has(type)) continue;
    return { start: cursor.startIndex, texts };
  } while (cursor.gotoNextSibling());
  return { start: nodeStart, texts };
}

/**
 * Decorators written outside the node: siblings before the anchor (TS method decorators, Rust
 * attributes), children of the anchor itself (`@Injectable() export class …`), or those of the
 * wrapper the node is the definition of (Python's `decorated_definition`).
 */
function outerDecorators(
  node: SyntaxNode,
  anchor: SyntaxNode,
  spec: LanguageSpec,
  wrapper: SyntaxNode | undefined,
): string[] {
  const texts: string[] = [];
  if (wrapper) {
    for (const child of wrapper.namedChildren)
      if (spec.decoratorTypes.has(child.type)) texts.push(child.text);
    return texts;
  }
  // With a wrapper type, decorators are never siblings; without decorator types, nothing is.
  if (spec.decoratorWrapper !== undefined || spec.decoratorTypes.size === 0) return texts;
  let sibling = anchor.previousNamedSibling;
  while (sibling && spec.decoratorTypes.has(sibling.type)) {
    if (!spec.isDecorator || spec.isDecorator(sibling)) texts.unshift(sibling.text);
    sibling = sibling.previousNamedSibling;
  }
  if (anchor !== node) {
    for (const child of anchor.namedChildren) {
      if (child.startIndex >= node.startIndex) break;
      if (spec.decoratorTypes.has(child.type)) texts.push(child.text);
    }
  }
  return texts;
}

/** Extracts the definitions of one parsed file, in source order, with their ranges. */
export function extractUnits(
  tree: Parser.Tree,
  spec: LanguageSpec,
  source: string,
  filePath: string,
): ExtractedUnit[] {
  // Pre-order (outer before inner, in source order), found natively: much faster than a query.
  const wrapperType = spec.decoratorWrapper;
  const types = wrapperType === undefined ? spec.nodeTypes : [...spec.nodeTypes, wrapperType];
  const nodes = withTopLevelCandidates(tree, spec, tree.rootNode.descendantsOfType(types as string[]));
  // Every property read or node made through the binding costs microseconds; a cursor reads the
  // children of a node without making JS nodes for them. `home` is put on each candidate, and
  // `cursor` copies it for each walk.
  const home = tree.walk();
  const cursor = tree.walk();

  const units: ExtractedUnit[] = [];
  const scopes: OpenScope[] = [];
  let previousStart = -1;
  let previousEnd = -1;
  let wrapper: SyntaxNode | undefined;
  let wrapperEnd = -1;
  for (const node of nodes) {
    const start = node.startIndex;
    const end = node.endIndex;
    if (wrapperType !== undefined && node.type === wrapperType) {
      // Its definition, the last child, is the next candidate: decorators hold no definitions.
      wrapper = node;
      wrapperEnd = end;
      continue;
    }
    const decoratedBy = wrapper !== undefined && wrapperEnd === end ? wrapper : undefined;
    wrapper = undefined;
    if (previousStart === start && previousEnd === end) continue;
    previousStart = start;
    previousEnd = end;
    while (scopes.length > 0 && scopes[scopes.length - 1]!.end <= start) scopes.pop();
    const definition = spec.describe(node, source);
    if (!definition || definition.name === '') continue;

    const enclosing = scopes[scopes.length - 1];
    const ownerName = definition.ownerName ?? enclosing?.qualifiedName;
    const qualifiedName = ownerName ? `${ownerName}.${definition.name}` : definition.name;
    const classLike = definition.classLike ?? definition.role === 'class';
    scopes.push({ end, qualifiedName, classLike, chunked: definition.chunked === true });
    if (definition.role === 'scope' && definition.kind === undefined) continue;

    let kind: EntityKind = definition.kind ?? 'class';
    if (definition.role === 'function') {
      const method = definition.method ?? (definition.ownerName !== undefined || enclosing?.classLike);
      kind = method ? 'method' : 'function';
    }
    const anchor = decoratedBy ?? spec.attachmentAnchor?.(node) ?? node;
    const at = cursorAt(home, node, start, end);
    const inner = innerDecorators(at, cursor, start, spec, source);
    const decorators = [...outerDecorators(node, anchor, spec, decoratedBy), ...inner.texts];
    const declarationStart = inner.start;
    const startRow = rowOf(source, declarationStart, node, start);
    const last =
      spec.definitionEnd?.(node, source) ??
      (spec.endAtLastCode ? lastCodeEnd(at, cursor) : { row: node.endPosition.row, index: end });
    let signature = signatureText(
      source,
      node,
      definition.body,
      definition.signatureStart ?? declarationStart,
      at,
      cursor,
    );
    // A line continuation before the body (`#define F(x) \`) is not signature.
    if (signature.endsWith('\\')) signature = signature.slice(0, -1).trimEnd();
    if (definition.signaturePrefix) signature = `${definition.signaturePrefix} ${signature}`;
    // A value left out of a declaration's signature leaves its `=` behind: `const routes`.
    if (definition.role === 'scope') signature = shorten(signature.replace(/\s*(?:=|:=|:)$/, ''));
    const lineStart = lineStartIndex(source, declarationStart);
    const requestedStart = definition.sourceStart;
    const sourceStart =
      requestedStart !== undefined && requestedStart >= lineStart && requestedStart < declarationStart
        ? requestedStart
        : declarationStart;

    const entity: CodeEntity = {
      kind,
      name: definition.name,
      qualifiedName,
      filePath,
      lineNumber: startRow + 1,
      endLine: last.row + 1,
      language: spec.language,
      signature,
      sourceCode: sourceText(source, lineStart, sourceStart, last.index),
    };
    const docstring = spec.docstring(node, source, anchor, definition);
    if (docstring) entity.docstring = docstring;
    const parent = ownerName;
    if (parent) entity.parent = parent;
    if (decorators.length > 0) entity.decorators = decorators;
    // Attached comments matter where no enclosing unit covers them (coverage) and above a
    // class-like unit (its outline); looking for them costs calls into the binding.
    const attached =
      enclosing === undefined || enclosing.chunked || CLASS_LIKE_KINDS.has(kind) || kind === 'module'
        ? attachedStart(anchor, spec.decoratorTypes)
        : { index: sourceStart, row: startRow };
    const unit: ExtractedUnit = {
      entity,
      attachedStart: Math.min(attached.index, sourceStart),
      attachedRow: Math.min(attached.row, startRow),
      end: last.index,
    };
    const body = definition.body;
    if (body && kind !== 'constant' && kind !== 'variable' && kind !== 'type') {
      let bodyEnd = definition.bodyToEnd ? last.index : Math.min(body.endIndex, last.index);
      // An indented body (Scala 3) holds the line break and indentation of the line after it.
      while (bodyEnd > body.startIndex && isWhitespace(source.charCodeAt(bodyEnd - 1))) bodyEnd--;
      unit.body = { start: body.startIndex, end: bodyEnd };
    }
    units.push(unit);
  }
  return units;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** The candidates with the spec's top-level ones merged in, in source order. */
function withTopLevelCandidates(tree: Parser.Tree, spec: LanguageSpec, nodes: SyntaxNode[]): SyntaxNode[] {
  const accept = spec.topLevelCandidate;
  if (!accept) return nodes;
  const extra = tree.rootNode.namedChildren.filter((child) => accept(child));
  if (extra.length === 0) return nodes;
  const merged: SyntaxNode[] = [];
  let next = 0;
  for (const node of nodes) {
    const start = node.startIndex;
    while (next < extra.length && extra[next]!.startIndex <= start) merged.push(extra[next++]!);
    merged.push(node);
  }
  while (next < extra.length) merged.push(extra[next++]!);
  return merged;
}

/**
 * Where the comments and decorators written directly above `anchor` start (no blank line
 * between): the lines that belong to the definition that follows them.
 */
function attachedStart(
  anchor: SyntaxNode,
  decoratorTypes: ReadonlySet<string>,
): { index: number; row: number } {
  let index = anchor.startIndex;
  let row = anchor.startPosition.row;
  let sibling = anchor.previousNamedSibling;
  while (sibling && (COMMENT_TYPES.has(sibling.type) || decoratorTypes.has(sibling.type))) {
    const end = sibling.endPosition;
    const lastRow = end.column === 0 && end.row > sibling.startPosition.row ? end.row - 1 : end.row;
    if (lastRow < row - 1) break;
    // A comment trailing the previous statement on its line belongs to that statement.
    const before = sibling.previousSibling;
    if (before && !COMMENT_TYPES.has(before.type) && before.endPosition.row === sibling.startPosition.row)
      break;
    index = sibling.startIndex;
    row = sibling.startPosition.row;
    sibling = sibling.previousNamedSibling;
  }
  return { index, row };
}

export const COMMENT_TYPES: ReadonlySet<string> = new Set([
  'comment',
  'line_comment',
  'block_comment',
  'multiline_comment', // Swift's `/* … */`
  'haddock', // Haskell's `-- |` and `{- | -}`
]);

/** Where the last non-comment token of `node` ends (where the definition's code ends). */
function lastCodeEnd(at: Parser.TreeCursor, cursor: Parser.TreeCursor): { row: number; index: number } {
  cursor.resetTo(at);
  descend: while (cursor.gotoLastChild()) {
    while (COMMENT_TYPES.has(cursor.nodeType)) {
      if (!cursor.gotoPreviousSibling()) {
        cursor.gotoParent();
        break descend;
      }
    }
  }
  return { row: cursor.endPosition.row, index: cursor.endIndex };
}

/** The declaration up to its body, on one line. */
function signatureText(
  source: string,
  node: SyntaxNode,
  body: SyntaxNode | null | undefined,
  start: number,
  at: Parser.TreeCursor,
  cursor: Parser.TreeCursor,
): string {
  const bodyStart = body?.startIndex ?? -1;
  if (!body || bodyStart <= start) {
    // No body (an abstract method, a trait or interface method): the whole declaration, minus its `;`.
    return collapseWhitespace(source.slice(start, node.endIndex)).replace(/\s*;$/, '');
  }
  // Comments between the header and the body (Python's `def f():  # note`) are not signature,
  // nor the comma before a keyword-list body (Elixir's `def f(x), do: …`).
  const end = commentsBefore(body, bodyStart, at, cursor);
  return collapseWhitespace(source.slice(start, Math.max(end, start))).replace(/\s*,$/, '');
}

/** Where the comments right before `body` start (`bodyStart` when there are none). */
function commentsBefore(
  body: SyntaxNode,
  bodyStart: number,
  at: Parser.TreeCursor,
  cursor: Parser.TreeCursor,
): number {
  // Usually the body is a child of the node: found with the cursor, without making nodes.
  const bodyEnd = body.endIndex;
  const bodyType = body.type;
  cursor.resetTo(at);
  if (cursor.gotoFirstChild()) {
    let commentStart = -1;
    do {
      const childStart = cursor.startIndex;
      if (childStart > bodyStart) break;
      const type = cursor.nodeType;
      if (childStart === bodyStart && cursor.endIndex === bodyEnd && type === bodyType) {
        return commentStart === -1 ? bodyStart : commentStart;
      }
      if (!COMMENT_TYPES.has(type)) commentStart = -1;
      else if (commentStart === -1) commentStart = childStart;
    } while (cursor.gotoNextSibling());
  }
  let end = bodyStart;
  let before = body.previousSibling;
  while (before && COMMENT_TYPES.has(before.type)) {
    end = before.startIndex;
    before = before.previousSibling;
  }
  return end;
}

/**
 * The source from `start` (the declaration, not the start of its line) to `end`, dedented as a
 * block whose first line is indented by the declaration's column, so the body keeps its
 * indentation relative to the declaration even when other code comes first on the line.
 */
export function sourceText(source: string, lineStart: number, start: number, end: number): string {
  let indentEnd = lineStart; // the whitespace the line starts with, kept as written (tabs)
  while (indentEnd < start && (source[indentEnd] === ' ' || source[indentEnd] === '\t')) indentEnd++;
  return dedentBlock(source.slice(start, end), source.slice(lineStart, indentEnd), start - lineStart);
}

/** Declarations' signatures stay short: a long one-line value is cut. */
const MAX_DECLARATION_SIGNATURE = 160;

function shorten(signature: string): string {
  return signature.length > MAX_DECLARATION_SIGNATURE
    ? `${signature.slice(0, MAX_DECLARATION_SIGNATURE - 1)}…`
    : signature;
}

/** Row of an index inside `node`, counted from the node's own start row. */
function rowOf(source: string, index: number, node: SyntaxNode, nodeStart: number): number {
  let row = node.startPosition.row;
  for (let i = source.indexOf('\n', nodeStart); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) row++;
  return row;
}
