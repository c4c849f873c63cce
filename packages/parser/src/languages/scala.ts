import type { EntityKind } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanBlockDoc, commentsAbove } from './comments.js';
import { hollowBlockComments } from './scala-comments.js';

const ANNOTATIONS = new Set(['annotation']);
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;
/** The scope name of an anonymous class body (`new Runnable { … }`), as in Java. */
const ANONYMOUS_CLASS = '<anonymous>';

/**
 * Objects are classes: a singleton that extends traits and overrides members, and a companion
 * object is its class's static side (`Foo.apply` sits with `Foo`'s methods). Package objects are
 * namespaces: modules.
 */
const CLASS_KINDS: Readonly<Record<string, EntityKind>> = {
  class_definition: 'class',
  object_definition: 'class',
  trait_definition: 'trait',
  enum_definition: 'enum',
};

/**
 * Where a `val`/`var`/`type` is a unit: at top level (Scala 3), in an object or a package object
 * or a package block, the places of static members. In classes and traits they are instance
 * members (left to the class's unit, like Java's fields); in functions, locals.
 */
const STATIC_OWNERS = new Set(['object_definition', 'package_object', 'package_clause']);

function inStaticScope(node: SyntaxNode): boolean {
  const parent = node.parent;
  if (!parent) return false;
  const type = parent.type;
  if (type === 'compilation_unit') return true;
  if (type !== 'template_body') return false;
  const owner = parent.parent?.type;
  return owner !== undefined && STATIC_OWNERS.has(owner);
}

function isLong(value: SyntaxNode | null): boolean {
  return (
    value !== null &&
    (value.endIndex - value.startIndex > SHORT_VALUE || value.startPosition.row !== value.endPosition.row)
  );
}

/** `val x = …`, `var (a, b) = …` (no unit: a pattern), `val a, b = …` (named after `a`). */
function valueName(node: SyntaxNode): string {
  const pattern = node.childForFieldName('pattern');
  if (pattern?.type === 'identifier') return pattern.text;
  if (pattern?.type === 'identifiers') return pattern.firstNamedChild?.text ?? '';
  return '';
}

/** Type nodes that name a type: `Foo`, `a.b.Foo`. */
const NAMED_TYPES = new Set(['type_identifier', 'stable_type_identifier']);

/**
 * `extension [A](xs: List[A])` → `List`: the extended type names the scope, like a Rust impl's.
 * Another type (`T | Null`, a tuple, a function) names none: the methods stay the enclosing
 * scope's (`Predef.nn`), as the compiler sees them.
 */
function extendedTypeName(node: SyntaxNode): string {
  let type = node.childForFieldName('parameters')?.firstNamedChild?.childForFieldName('type');
  if (type?.type === 'generic_type') type = type.childForFieldName('type');
  // `scala.collection.Seq` → `Seq`: names are not qualified by their package elsewhere either.
  return type && NAMED_TYPES.has(type.type) ? type.text.slice(type.text.lastIndexOf('.') + 1) : '';
}

/**
 * An anonymous given (`given Ordering[Int] with …`) is named after its type as written,
 * `Ordering[Int]` (the compiler's `given_Ordering_Int` is not on the declaration's line).
 */
function givenName(node: SyntaxNode): string {
  const name = node.childForFieldName('name') ?? node.childForFieldName('return_type');
  return name ? name.text.replace(/\s+/g, ' ') : '';
}

function describeGiven(node: SyntaxNode): Definition | undefined {
  const name = givenName(node);
  const body = node.childForFieldName('body');
  // `given Show[Int] with { … }`: an instance with members, like an object.
  if (body?.type === 'with_template_body' || body?.type === 'template_body')
    return { role: 'class', kind: 'class', name, body };
  // An alias with parameters is a function (`given listOrd[T](using Ordering[T]): … = …`),
  // without, a value.
  if (node.childForFieldName('parameters') || node.childForFieldName('type_parameters'))
    return { role: 'function', name, body };
  return { role: 'scope', kind: 'constant', name, classLike: false, ...(isLong(body) ? { body } : {}) };
}

const COMMENTS = new Set(['comment', 'block_comment']);

/** The cleaned text of a Scaladoc block, read from the source (the parsed text has it blanked). */
function docText(comment: SyntaxNode, source: string): string | undefined {
  const text = source.slice(comment.startIndex, comment.endIndex);
  if (!text.startsWith('/**') || text.startsWith('/**/')) return undefined;
  return cleanBlockDoc(text) || undefined;
}

/**
 * tree-sitter-scala puts the comments between two definitions at the end of the first one's
 * body (after a braceless body even at column 0): the last of them, when it is right above
 * `node` and not trailing code on its line, is where `node`'s doc comment and attached lines are.
 */
function commentBefore(node: SyntaxNode): SyntaxNode | undefined {
  const previous = node.previousSibling;
  const row = node.startPosition.row;
  if (!previous || previous.endPosition.row < row - 1 || COMMENTS.has(previous.type)) return undefined;
  let last = previous.lastChild;
  while (last && !COMMENTS.has(last.type)) last = last.lastChild;
  if (!last || last.endPosition.row !== row - 1) return undefined;
  const before = last.previousSibling;
  if (before && !COMMENTS.has(before.type) && before.endPosition.row === last.startPosition.row)
    return undefined;
  return last;
}

/** Scaladoc: the `/** … *\/` block directly above (or `anchor` itself, found by `commentBefore`). */
function scaladoc(anchor: SyntaxNode, source: string): string | undefined {
  if (COMMENTS.has(anchor.type)) return docText(anchor, source);
  const above = commentsAbove(anchor, ANNOTATIONS);
  const nearest = above[above.length - 1];
  return nearest ? docText(nearest, source) : undefined;
}

const SPACE = 32;
const TAB = 9;
const RETURN = 13;
const NEWLINE = 10;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === RETURN || c === NEWLINE;
}

/**
 * A definition ends at its last code: not at the blank lines an indented body holds after it,
 * nor at the comments the grammar puts there (see `commentBefore`); or after the `end Name`
 * marker that follows it (a sibling in the tree). Read from the text: asking the tree costs more.
 */
function definitionEnd(node: SyntaxNode, source: string): { row: number; index: number } {
  const start = node.startIndex;
  const nodeEnd = node.endIndex;
  let index = nodeEnd;
  for (;;) {
    while (index > start && isBlank(source.charCodeAt(index - 1))) index--;
    let commentStart = -1;
    if (source.endsWith('*/', index)) commentStart = source.lastIndexOf('/*', index - 2);
    else {
      let first = source.lastIndexOf('\n', index - 1) + 1;
      while (first < index && isBlank(source.charCodeAt(first))) first++;
      if (source.startsWith('//', first)) commentStart = first;
    }
    // Only a comment on lines of its own; one after code on its line ends with that code.
    if (commentStart <= start) break;
    const commentLineStart = source.lastIndexOf('\n', commentStart - 1) + 1;
    let first = commentLineStart;
    while (first < commentStart && isBlank(source.charCodeAt(first))) first++;
    if (first !== commentStart) break;
    index = commentLineStart;
  }
  let row = node.endPosition.row;
  for (let i = source.indexOf('\n', index); i !== -1 && i < nodeEnd; i = source.indexOf('\n', i + 1)) row--;
  // `end Name` on a line of its own right after it.
  let next = nodeEnd;
  while (next < source.length && isBlank(source.charCodeAt(next))) next++;
  const after = source.charCodeAt(next + 3);
  if (source.startsWith('end', next) && (after === SPACE || after === TAB)) {
    const marker = node.nextSibling;
    const name = marker?.type === 'end' ? marker.nextSibling : null;
    if (name && marker && name.startPosition.row === marker.startPosition.row)
      return { row: name.endPosition.row, index: name.endIndex };
  }
  return { row, index };
}

export const scala: LanguageSpec = {
  language: 'scala',
  nodeTypes: [
    'class_definition',
    'object_definition',
    'trait_definition',
    'enum_definition',
    'package_object',
    'package_clause',
    'function_definition',
    'function_declaration',
    'given_definition',
    'extension_definition',
    'instance_expression',
    'val_definition',
    'var_definition',
    'type_definition',
  ],
  parseText: hollowBlockComments,
  definitionEnd,
  attachmentAnchor: (node) => commentBefore(node) ?? node,
  decoratorTypes: ANNOTATIONS,
  importTypes: new Set(['package_clause', 'import_declaration', 'export_declaration']),
  elision: '{ … }',
  describe(node) {
    const type = node.type;
    switch (type) {
      case 'function_definition':
      case 'function_declaration':
        return {
          role: 'function',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        };
      case 'val_definition':
      case 'var_definition': {
        if (!inStaticScope(node)) return undefined;
        const value = node.childForFieldName('value');
        return {
          role: 'scope',
          kind: type === 'val_definition' ? 'constant' : 'variable',
          name: valueName(node),
          classLike: false,
          ...(isLong(value) ? { body: value } : {}),
        };
      }
      case 'type_definition': {
        if (!inStaticScope(node)) return undefined;
        const value = node.childForFieldName('type');
        return {
          role: 'scope',
          kind: 'type',
          name: node.childForFieldName('name')?.text ?? '',
          classLike: false,
          ...(isLong(value) ? { body: value } : {}),
        };
      }
      case 'instance_expression':
        // `new T { … }`: the template body, when there is one, is the last child.
        return node.lastChild?.type === 'template_body'
          ? { role: 'scope', name: ANONYMOUS_CLASS, classLike: true }
          : undefined;
      case 'extension_definition':
        // Its own lines are code; the methods in it attach their comments as top-level ones.
        return { role: 'scope', name: extendedTypeName(node), classLike: true, chunked: true };
      case 'given_definition':
        return describeGiven(node);
      case 'package_clause': {
        // `package a.b` heading the file is an import-like line; `package a.b { … }` a module.
        const body = node.childForFieldName('body');
        if (!body) return undefined;
        return {
          role: 'scope',
          kind: 'module',
          name: node.childForFieldName('name')?.text ?? '',
          classLike: false,
          body,
        };
      }
      case 'package_object':
        return {
          role: 'scope',
          kind: 'module',
          name: node.childForFieldName('name')?.text ?? '',
          classLike: false,
          body: node.childForFieldName('body'),
        };
      default:
        return {
          role: 'class',
          kind: CLASS_KINDS[type] ?? 'class',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        };
    }
  },
  docstring: (_node, source, anchor) => scaladoc(anchor, source),
};
