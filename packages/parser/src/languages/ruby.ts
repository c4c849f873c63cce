import type { LanguageSpec, SyntaxNode } from '../extract.js';

/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;
const NO_TYPES: ReadonlySet<string> = new Set();
/** Comment lines that are directives, not documentation (`# :nodoc:`, `# :nocov:` included). */
const DIRECTIVE =
  /^#\s*(?:frozen_string_literal:|rubocop:|typed:|-\*-|(?:en)?coding[:=]|warn_indent:|:[a-z_]+:\s*$)/;
/** `Struct.new(…) do … end`, `Class.new(Base) do … end`, `Data.define(…) do … end`: a class. */
const CLASS_FACTORIES = new Set(['Struct.new', 'Class.new', 'Data.define']);

/** Bodies whose leading comments are children of the node around them (`class`, `if`, `do`). */
const BODY_TYPES = new Set(['body_statement', 'then', 'block_body']);

/**
 * The comment lines directly above `anchor` (no blank line between), nearest last. The comments
 * before the first statement of a class or module body are children of the class itself, before
 * its `body_statement` (the same for `if … then` and blocks): those are looked at too.
 */
function commentsAbove(anchor: SyntaxNode): SyntaxNode[] {
  const comments: SyntaxNode[] = [];
  let nextRow = anchor.startPosition.row;
  let sibling = anchor.previousNamedSibling;
  const parent = anchor.parent;
  if (!sibling && parent && BODY_TYPES.has(parent.type)) sibling = parent.previousNamedSibling;
  while (sibling?.type === 'comment' && sibling.endPosition.row >= nextRow - 1) {
    // A comment trailing code on its line belongs to that code (`class Foo # :nodoc:`).
    const before = sibling.previousSibling;
    if (before && before.type !== 'comment' && before.endPosition.row === sibling.startPosition.row) break;
    comments.unshift(sibling);
    nextRow = sibling.startPosition.row;
    sibling = sibling.previousNamedSibling;
  }
  return comments;
}

/** RDoc / YARD: the `#` lines (or an `=begin … =end` block) directly above, without the markers. */
function rubyDoc(anchor: SyntaxNode): string | undefined {
  const lines: string[] = [];
  for (const comment of commentsAbove(anchor)) {
    const text = comment.text;
    if (text.startsWith('=begin')) {
      lines.push(...text.split(/\r?\n/).slice(1, -1));
      continue;
    }
    if (DIRECTIVE.test(text)) continue;
    // `##` alone opens an RDoc block; `# ` is the marker of every other line.
    if (/^##+\s*$/.test(text)) continue;
    lines.push(text.replace(/^#+ ?/, ''));
  }
  const doc = lines.map((line) => line.trimEnd()).join('\n');
  return doc.trim() === '' ? undefined : doc.replace(/^\n+|\n+$/g, '');
}

/** `Shop::Cart` → `['Shop', 'Cart']`; `::Cart` → `['', 'Cart']`. */
function scopePath(node: SyntaxNode): string[] {
  if (node.type !== 'scope_resolution') return [node.text];
  const scope = node.childForFieldName('scope');
  const name = node.childForFieldName('name')?.text ?? '';
  return scope ? [...scopePath(scope), name] : ['', name];
}

/** The qualified name of the classes and modules `node` is written in (`Shop.Cart`). */
function enclosingName(node: SyntaxNode): string {
  const names: string[] = [];
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.type === 'class' || parent.type === 'module') {
      const name = parent.childForFieldName('name');
      if (name) names.unshift(...scopePath(name).filter((part) => part !== ''));
    }
  }
  return names.join('.');
}

/**
 * The owner of `class Shop::Cart`: the enclosing scope joined with `Shop` (unless it already
 * ends with it, as Ruby finds `Shop` lexically), or `Shop` alone for a top-level `::Shop::Cart`.
 */
function ownerOfPath(node: SyntaxNode, path: string[]): string {
  const prefix = path.slice(0, -1);
  if (prefix[0] === '') return prefix.slice(1).join('.');
  const written = prefix.join('.');
  const enclosing = enclosingName(node);
  if (enclosing === '' || enclosing === written || enclosing.endsWith(`.${written}`))
    return enclosing === '' ? written : enclosing;
  return `${enclosing}.${written}`;
}

/** `Struct.new(:a, :b) do … end` → its `do` block, when it is a class factory with a block. */
function classFactoryBlock(value: SyntaxNode): SyntaxNode | undefined {
  if (value.type !== 'call') return undefined;
  const block = value.childForFieldName('block');
  const receiver = value.childForFieldName('receiver');
  const method = value.childForFieldName('method');
  if (!block || !receiver || !method) return undefined;
  return CLASS_FACTORIES.has(`${receiver.text}.${method.text}`) ? block : undefined;
}

/**
 * A method's body. An endless method (`def empty? = items.empty?`) is its own signature when
 * short; a long one's signature stops before its `=`.
 */
function methodBody(node: SyntaxNode): SyntaxNode | null {
  const body = node.childForFieldName('body');
  if (!body || body.type === 'body_statement') return body;
  const short =
    body.endIndex - body.startIndex <= SHORT_VALUE && body.startPosition.row === body.endPosition.row;
  if (short) return null;
  const equals = body.previousSibling;
  return equals?.type === '=' ? equals : body;
}

/** Files `require`, `require_relative`, `load` or `autoload` read: Ruby's imports, calls without a receiver. */
const IMPORT_METHODS = new Set(['require', 'require_relative', 'load', 'autoload']);

/**
 * A constant whose value opens heredocs (`SQL = <<~SQL`) ends with them: tree-sitter-ruby puts
 * a heredoc's lines after the statement, as siblings.
 */
function heredocEnd(node: SyntaxNode): { row: number; index: number } | undefined {
  if (node.type !== 'assignment') return undefined;
  let last: SyntaxNode | undefined;
  for (let next = node.nextNamedSibling; next?.type === 'heredoc_body'; next = next.nextNamedSibling)
    last = next;
  return last && { row: last.endPosition.row, index: last.endIndex };
}

export const ruby: LanguageSpec = {
  language: 'ruby',
  nodeTypes: ['class', 'module', 'singleton_class', 'method', 'singleton_method', 'assignment'],
  decoratorTypes: NO_TYPES,
  importTypes: NO_TYPES,
  isImport: (node) =>
    node.type === 'call' &&
    node.childForFieldName('receiver') === null &&
    IMPORT_METHODS.has(node.childForFieldName('method')?.text ?? ''),
  definitionEnd: heredocEnd,
  // `def add(item)\n  ...\nend`: Ruby has no braces.
  elision: '...',
  describe(node) {
    switch (node.type) {
      case 'method': {
        const definition = {
          role: 'function' as const,
          name: node.childForFieldName('name')?.text ?? '',
          body: methodBody(node),
        };
        // A method of `class << self` is a singleton method: its signature says so.
        return node.parent?.parent?.type === 'singleton_class'
          ? { ...definition, signaturePrefix: 'class << self;' }
          : definition;
      }
      case 'singleton_method': {
        // `def self.build` is a method of the enclosing class; `def Cart.build` of `Cart`.
        const object = node.childForFieldName('object');
        const definition = {
          role: 'function' as const,
          name: node.childForFieldName('name')?.text ?? '',
          body: methodBody(node),
          method: true,
        };
        if (object && (object.type === 'constant' || object.type === 'scope_resolution'))
          return { ...definition, ownerName: ownerOfPath(node, [...scopePath(object), '']) };
        return definition;
      }
      case 'singleton_class':
        // `class << self`: its methods are the class's singleton methods, named like `def self.x`.
        return undefined;
      case 'class':
      case 'module': {
        const nameNode = node.childForFieldName('name');
        if (!nameNode) return undefined;
        const path = scopePath(nameNode);
        const kind = node.type === 'module' ? 'module' : 'class';
        const definition = {
          role: 'class' as const,
          kind,
          name: path[path.length - 1]!,
          classLike: true,
          body: node.childForFieldName('body'),
        } as const;
        return path.length > 1 ? { ...definition, ownerName: ownerOfPath(node, path) } : definition;
      }
      default: {
        // `NAME = value`: a constant; `Point = Struct.new(:x, :y) do … end` a class.
        const left = node.firstChild;
        if (left?.type !== 'constant') return undefined;
        const value = node.childForFieldName('right');
        if (!value) return undefined;
        const block = classFactoryBlock(value);
        if (block) return { role: 'class', name: left.text, classLike: true, body: block };
        const long =
          value.endIndex - value.startIndex > SHORT_VALUE ||
          value.startPosition.row !== value.endPosition.row;
        return {
          role: 'scope',
          kind: 'constant',
          name: left.text,
          classLike: false,
          ...(long ? { body: value } : {}),
        };
      }
    }
  },
  docstring: (_node, _source, anchor) => rubyDoc(anchor),
};
