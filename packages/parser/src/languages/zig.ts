import type { EntityKind } from '@codesearch/core';
import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanLineDocs, commentsAbove } from './comments.js';

const NONE = new Set<string>();
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;
/** Container types: `const Foo = struct { … }` is a class-like unit, its functions methods. */
const CONTAINER_KINDS: Readonly<Record<string, EntityKind>> = {
  struct_declaration: 'struct',
  union_declaration: 'struct',
  opaque_declaration: 'struct',
  enum_declaration: 'enum',
  // `error{ Oops, Bad }`: a set of named values.
  error_set_declaration: 'enum',
};
/** Where declarations are members (a file is a struct too). */
const CONTAINER_PARENTS = new Set(['source_file', ...Object.keys(CONTAINER_KINDS)]);
// `const T = u32;`, `const Handler = *const fn (u8) void;`.
const TYPE_VALUES = new Set(['builtin_type', 'pointer_type', 'nullable_type', 'array_type', 'slice_type']);

interface VariableParts {
  name: string;
  value: SyntaxNode | undefined;
  isVar: boolean;
}

/** A `variable_declaration`'s name, value and keyword, read with a cursor (it has no fields). */
function variableParts(node: SyntaxNode): VariableParts {
  const cursor = node.walk();
  let name = '';
  let value: SyntaxNode | undefined;
  let isVar = false;
  let afterEquals = false;
  if (cursor.gotoFirstChild()) {
    do {
      const type = cursor.nodeType;
      if (type === 'var') isVar = true;
      else if (type === 'identifier' && name === '' && !afterEquals) name = cursor.nodeText;
      else if (type === '=') afterEquals = true;
      else if (afterEquals && cursor.nodeIsNamed && !value) value = cursor.currentNode;
    } while (cursor.gotoNextSibling());
  }
  return { name, value, isVar };
}

/**
 * `@import("std")`, `@This()`, and `std.mem.Allocator` bound to `Allocator` (a path of names
 * ending in the declared name): imports and aliases, not declarations of their own.
 * `const mac_length = Hash.digest_length` is a constant.
 */
function isAlias(name: string, value: SyntaxNode | undefined, source: string): boolean {
  if (!value) return false;
  if (value.type === 'builtin_function') {
    const head = source.slice(value.startIndex, value.startIndex + 8);
    return head.startsWith('@import(') || head.startsWith('@This(');
  }
  if (value.type !== 'field_expression' || value.childForFieldName('member')?.text !== name) return false;
  let object = value.childForFieldName('object');
  while (object?.type === 'field_expression') object = object.childForFieldName('object');
  return object?.type === 'identifier';
}

/** The `{` opening a container's members: its signature stops there. */
function openingBrace(container: SyntaxNode): SyntaxNode | undefined {
  const cursor = container.walk();
  if (!cursor.gotoFirstChild()) return undefined;
  do {
    if (cursor.nodeType === '{') return cursor.currentNode;
  } while (cursor.gotoNextSibling());
  return undefined;
}

/** `///` lines directly above (not `////`, a plain comment; `//!` documents the container). */
function zigDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, NONE);
  const lines: string[] = [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const text = comments[i]!.text;
    if (!text.startsWith('///') || text.startsWith('////')) break;
    lines.unshift(text);
  }
  return cleanLineDocs(lines, /^\/\/\//) || undefined;
}

export const zig: LanguageSpec = {
  language: 'zig',
  nodeTypes: ['function_declaration', 'variable_declaration', 'test_declaration'],
  decoratorTypes: NONE,
  importTypes: NONE,
  isImport(node, source) {
    if (node.type !== 'variable_declaration') return false;
    const { name, value } = variableParts(node);
    return isAlias(name, value, source);
  },
  elision: '{ … }',
  describe(node, source) {
    const parentType = node.parent?.type ?? '';
    if (node.type === 'function_declaration') {
      const name = node.childForFieldName('name')?.text ?? '';
      // A function of a struct returned by a generic function (`fn List(T) type { return struct {…} }`)
      // is a method of it: qualified by the function, whose scope is not class-like.
      return {
        role: 'function',
        name,
        body: node.childForFieldName('body'),
        ...(parentType !== 'source_file' && CONTAINER_PARENTS.has(parentType) ? { method: true } : {}),
      };
    }
    if (node.type === 'test_declaration') {
      // `test "name" { … }`, `test decl { … }`, `test { … }`: named as written, apart from functions.
      const block = node.lastNamedChild;
      const end = block?.type === 'block' ? block.startIndex : node.endIndex;
      const name = source.slice(node.startIndex, end).trim().replace(/\s+/g, ' ');
      return { role: 'function', name, body: block, method: false };
    }
    // Container-level declarations only: a function's locals stay in its body.
    if (!CONTAINER_PARENTS.has(parentType)) return undefined;
    const { name, value, isVar } = variableParts(node);
    if (isAlias(name, value, source)) return undefined;
    const containerKind = value ? CONTAINER_KINDS[value.type] : undefined;
    if (value && containerKind)
      return { role: 'class', kind: containerKind, name, body: openingBrace(value) };
    const long =
      value !== undefined &&
      (value.endIndex - value.startIndex > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
    const kind: EntityKind = isVar ? 'variable' : value && TYPE_VALUES.has(value.type) ? 'type' : 'constant';
    return { role: 'scope', kind, name, classLike: false, ...(long ? { body: value } : {}) };
  },
  docstring: (_node, _source, anchor) => zigDoc(anchor),
};
