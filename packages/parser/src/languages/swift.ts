import type { EntityKind } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanBlockDoc, cleanLineDocs, commentsAbove } from './comments.js';

const ATTRIBUTES = new Set(['attribute']);
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;
/** `class_declaration` covers classes, structs, enums, actors and extensions. */
const CLASS_KINDS: Readonly<Record<string, EntityKind>> = {
  class: 'class',
  struct: 'struct',
  enum: 'enum',
  actor: 'class',
};
const NONE = new Set<string>();

function isLong(value: SyntaxNode | null): boolean {
  return (
    value !== null &&
    (value.endIndex - value.startIndex > SHORT_VALUE || value.startPosition.row !== value.endPosition.row)
  );
}

/**
 * A block's lines after the first without their common indentation: DocC blocks are often
 * written without `*` (`/**` then ` Text…` lines).
 */
function dedentRest(text: string): string {
  const lines = text.split('\n');
  let indent = Number.POSITIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() !== '') indent = Math.min(indent, line.length - line.trimStart().length);
  }
  if (indent === 0 || indent === Number.POSITIVE_INFINITY) return text;
  return lines.map((line, i) => (i === 0 ? line : line.slice(indent))).join('\n');
}

/**
 * Swift doc comments (as DocC reads them): the `///` lines or the `/** … *\/` block directly above
 * the declaration, whose attributes are part of it.
 */
function swiftDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, NONE);
  const lines: string[] = [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const text = comments[i]!.text;
    if (comments[i]!.type === 'multiline_comment') {
      // One block, nearest the declaration, and only when nothing was read below it.
      if (lines.length > 0 || !text.startsWith('/**') || text.startsWith('/**/')) break;
      return dedentRest(cleanBlockDoc(text)) || undefined;
    }
    if (!text.startsWith('///') || text.startsWith('////')) break;
    lines.unshift(text);
  }
  return cleanLineDocs(lines, /^\/\/\//) || undefined;
}

/** `extension Array<Int> where …` → `Array`; `extension Foo.Bar` → `Foo.Bar`. */
function extendedTypeName(node: SyntaxNode): string {
  const name = node.childForFieldName('name');
  return name ? name.text.replace(/<[\s\S]*$/, '').replace(/\s+/g, '') : '';
}

/** A property's first bound name: `let x = …`, `static var shared: T`; not `let (a, b) = …`. */
function propertyName(node: SyntaxNode): string {
  const pattern = node.childForFieldName('name');
  const bound = pattern?.childForFieldName('bound_identifier');
  return bound?.text ?? '';
}

/** Whether the declaration's modifiers include `static` or `class` (a type's own member). */
function isTypeMember(node: SyntaxNode): boolean {
  const modifiers = node.firstNamedChild;
  if (modifiers?.type !== 'modifiers') return false;
  const text = modifiers.text;
  return /\b(?:static|class)\b/.test(text);
}

function describeProperty(node: SyntaxNode): Definition | undefined {
  const computed = node.childForFieldName('computed_value');
  // `var area: Double { … }`: a getter, code worth finding: a function (a method in a type).
  if (computed) return { role: 'function', name: propertyName(node), body: computed };
  const parent = node.parent?.type;
  const topLevel = parent === 'source_file';
  // Stored properties of a type are its fields (in its unit), but for its `static let` constants.
  const constant = node.childForFieldName('value') !== null && /^let\b/.test(bindingKeyword(node));
  if (!topLevel && !(constant && isTypeMember(node) && parent === 'class_body')) return undefined;
  const value = node.childForFieldName('value');
  return {
    role: 'scope',
    kind: constant ? 'constant' : 'variable',
    name: propertyName(node),
    classLike: false,
    ...(isLong(value) ? { body: value } : {}),
  };
}

/** `let` or `var`. */
function bindingKeyword(node: SyntaxNode): string {
  for (let child = node.firstNamedChild; child; child = child.nextNamedSibling)
    if (child.type === 'value_binding_pattern') return child.text;
  return '';
}

/** An indented `#if` / `#elseif` / `#else` / `#endif` line: a directive inside a declaration. */
const NESTED_DIRECTIVE = /^[ \t]+#(?:if|elseif|else|endif)\b[^\n\r]*/gm;

/**
 * The text tree-sitter reads: tree-sitter-swift reads `#if` only around statements and top-level
 * declarations, and a class whose members it wraps (`#if DEBUG` around a property) becomes an
 * error, its methods losing their class. Indented directives are blanked (same offsets, lines):
 * the members of every branch are read, as the code is written. Top-level ones (column 0) are
 * left to the grammar, so their lines stay in a code chunk.
 */
function blankNestedDirectives(source: string): string {
  if (!source.includes('#')) return source;
  return source.replace(NESTED_DIRECTIVE, (line) => ' '.repeat(line.length));
}

export const swift: LanguageSpec = {
  language: 'swift',
  nodeTypes: [
    'class_declaration',
    'protocol_declaration',
    'function_declaration',
    'protocol_function_declaration',
    'init_declaration',
    'deinit_declaration',
    'subscript_declaration',
    'typealias_declaration',
    'property_declaration',
  ],
  parseText: blankNestedDirectives,
  decoratorTypes: ATTRIBUTES,
  importTypes: new Set(['import_declaration']),
  elision: '{ … }',
  describe(node) {
    switch (node.type) {
      case 'class_declaration': {
        const kind = node.childForFieldName('declaration_kind')?.type ?? 'class';
        const body = node.childForFieldName('body');
        // `extension Foo { func bar() }`: `Foo.bar`, like a Rust impl (a scope, no unit).
        // Its own lines are code; the members in it attach their comments as top-level ones.
        if (kind === 'extension')
          return { role: 'scope', name: extendedTypeName(node), classLike: true, chunked: true, body };
        return {
          role: 'class',
          kind: CLASS_KINDS[kind] ?? 'class',
          name: node.childForFieldName('name')?.text ?? '',
          body,
        };
      }
      case 'protocol_declaration':
        return {
          role: 'class',
          kind: 'interface',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        };
      case 'function_declaration':
      case 'protocol_function_declaration':
        return {
          role: 'function',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        };
      case 'init_declaration':
        return { role: 'function', name: 'init', body: node.childForFieldName('body') };
      case 'deinit_declaration':
        return { role: 'function', name: 'deinit', body: node.childForFieldName('body') };
      case 'subscript_declaration': {
        let body: SyntaxNode | null = node.lastNamedChild;
        if (body?.type !== 'computed_property') body = null;
        return { role: 'function', name: 'subscript', body };
      }
      case 'typealias_declaration': {
        // The first `name` is the alias, the last named child its value.
        const name = node.childForFieldName('name');
        const value = node.lastNamedChild;
        return {
          role: 'scope',
          kind: 'type',
          name: name?.text ?? '',
          classLike: false,
          ...(isLong(value) ? { body: value } : {}),
        };
      }
      case 'property_declaration':
        return describeProperty(node);
      default:
        return undefined;
    }
  },
  docstring: (_node, _source, anchor) => swiftDoc(anchor),
};
