import type { EntityKind } from '@codesearch/core';
import type Parser from 'tree-sitter';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';

const ANNOTATIONS = new Set(['annotation']);
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;
/** The scope name of an object expression (`object : Runnable { … }`), as in Java. */
const ANONYMOUS_OBJECT = '<anonymous>';
/** A `val` named like this at top level is a constant even without `const`. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;
const TYPE_NODES = new Set(['user_type', 'nullable_type', 'parenthesized_type', 'function_type']);

/** The class-like kind of a `class_declaration` and its body. */
function describeClass(node: SyntaxNode): Definition {
  const cursor = node.walk();
  let kind: EntityKind = 'class';
  let body: SyntaxNode | null = null;
  let annotationClass = false;
  if (cursor.gotoFirstChild()) {
    do {
      switch (cursor.nodeType) {
        case 'interface':
          kind = 'interface'; // also `fun interface`
          break;
        case 'enum_class_body':
          kind = 'enum';
          body = cursor.currentNode;
          break;
        case 'class_body':
          body = cursor.currentNode;
          break;
        case 'modifiers':
          annotationClass = hasModifierHere(cursor, 'annotation');
          break;
      }
    } while (cursor.gotoNextSibling());
  }
  // `annotation class Marker`: an interface, as Java's `@interface`.
  if (annotationClass) kind = 'interface';
  return { role: 'class', kind, name: node.childForFieldName('name')?.text ?? '', body };
}

/** Whether the `modifiers` node at the cursor holds `word` (the cursor is left where it was). */
function hasModifierHere(cursor: Parser.TreeCursor, word: string): boolean {
  if (!cursor.gotoFirstChild()) return false;
  let found = false;
  do {
    if (cursor.nodeType !== 'annotation' && cursor.nodeText === word) found = true;
  } while (!found && cursor.gotoNextSibling());
  cursor.gotoParent();
  return found;
}

/** An object's or companion object's body. */
function classBody(node: SyntaxNode): SyntaxNode | null {
  const last = node.lastChild;
  return last?.type === 'class_body' ? last : null;
}

/** `String.shout` of `fun String.shout()`: the receiver type without type arguments or `?`. */
function receiverName(node: SyntaxNode): string | undefined {
  const cursor = node.walk();
  if (!cursor.gotoFirstChild()) return undefined;
  let receiver: string | undefined;
  let previousType: string | undefined;
  do {
    if (cursor.currentFieldName === 'name') return receiver;
    const type = cursor.nodeType;
    if (type === '.' && previousType !== undefined) receiver = previousType;
    previousType = TYPE_NODES.has(type) ? cursor.nodeText : undefined;
  } while (cursor.gotoNextSibling());
  return undefined;
}

function plainType(text: string): string {
  return text
    .replace(/<[\s\S]*>/, '')
    .replace(/\?$/, '')
    .trim();
}

function describeFunction(node: SyntaxNode): Definition {
  const name = node.childForFieldName('name')?.text ?? '';
  const body = functionBody(node);
  const receiver = receiverName(node);
  // A top-level extension function is named after its receiver (`String.shout`), still a
  // function; a member extension keeps its class.
  if (receiver !== undefined && node.parent?.type === 'source_file')
    return { role: 'function', name, body, ownerName: plainType(receiver), method: false };
  return { role: 'function', name, body };
}

function functionBody(node: SyntaxNode): SyntaxNode | null {
  const last = node.lastChild;
  return last?.type === 'function_body' || last?.type === 'block' ? last : null;
}

/**
 * Top-level properties are constants (`const val`, or a `val` named in UPPER_CASE) or variables;
 * in a class or object, `const val` is a constant and a property with a getter or setter body a
 * method-like unit (the accessors its body), the others stay in their class's unit.
 */
function describeProperty(node: SyntaxNode): Definition | undefined {
  const cursor = node.walk();
  if (!cursor.gotoFirstChild()) return undefined;
  let name = '';
  let isVal = false;
  let isConst = false;
  let value: SyntaxNode | null = null;
  let accessors: SyntaxNode | null = null;
  let afterName = false;
  do {
    const type = cursor.nodeType;
    switch (type) {
      case 'modifiers':
        isConst = hasModifierHere(cursor, 'const');
        break;
      case 'val':
        isVal = true;
        break;
      case 'variable_declaration':
        name = cursor.currentNode.firstNamedChild?.text ?? '';
        afterName = true;
        break;
      case 'getter':
      case 'setter':
        accessors ??= cursor.currentNode;
        break;
      default:
        if (afterName && cursor.nodeIsNamed && value === null && !COMMENTS.has(type))
          value = cursor.currentNode;
    }
  } while (cursor.gotoNextSibling());
  if (name === '') return undefined;
  const topLevel = node.parent?.type === 'source_file';
  if (!topLevel && !isConst) {
    if (!accessors || !hasAccessorBody(node)) return undefined;
    return { role: 'function', name, body: accessors };
  }
  const kind: EntityKind = isConst || (isVal && CONSTANT_NAME.test(name)) ? 'constant' : 'variable';
  const long =
    value !== null && (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
  const body = accessors ?? (long ? value : null);
  return { role: 'scope', kind, name, classLike: false, ...(body ? { body } : {}) };
}

const COMMENTS = new Set(['line_comment', 'block_comment']);

/** Whether a getter or setter of the property has a body (`get() = …`, `set(v) { … }`). */
function hasAccessorBody(node: SyntaxNode): boolean {
  for (const child of node.namedChildren)
    if (
      (child.type === 'getter' || child.type === 'setter') &&
      child.lastNamedChild?.type === 'function_body'
    )
      return true;
  return false;
}

/**
 * `@Target(…)\nannotation class Audited` without parameters or other modifiers: the grammar
 * reads an annotated infix expression `annotation class Audited` (no syntax error). Its name.
 */
function misreadAnnotationClass(node: SyntaxNode): string | undefined {
  const expression = node.lastNamedChild;
  if (expression?.type !== 'infix_expression') return undefined;
  return /^annotation\s+class\s+([\p{L}_][\p{L}\p{N}_]*)$/u.exec(expression.text)?.[1];
}

export const kotlin: LanguageSpec = {
  language: 'kotlin',
  nodeTypes: [
    'class_declaration',
    'object_declaration',
    'companion_object',
    'object_literal',
    'enum_entry',
    'function_declaration',
    'secondary_constructor',
    'property_declaration',
    'type_alias',
  ],
  decoratorTypes: ANNOTATIONS,
  topLevelCandidate: (node) =>
    node.type === 'annotated_expression' && misreadAnnotationClass(node) !== undefined,
  importTypes: new Set(['package_header', 'import', 'import_list', 'file_annotation']),
  elision: '{ … }',
  describe(node) {
    switch (node.type) {
      case 'class_declaration':
        return describeClass(node);
      case 'object_declaration':
        return { role: 'class', name: node.childForFieldName('name')?.text ?? '', body: classBody(node) };
      case 'companion_object': {
        // Unnamed, it is not a scope: its members are called as the class's (`Cart.parse(…)`).
        const name = node.childForFieldName('name')?.text;
        return name ? { role: 'class', name, body: classBody(node) } : undefined;
      }
      case 'object_literal':
        return classBody(node) ? { role: 'scope', name: ANONYMOUS_OBJECT, classLike: true } : undefined;
      case 'enum_entry': {
        // The scope of its body's methods (`RED { override fun x() = 1 }`), not a unit: the enum's holds it.
        if (!classBody(node)) return undefined;
        const name = node.namedChildren.find((child) => child.type === 'identifier')?.text ?? '';
        return { role: 'scope', name, classLike: true };
      }
      case 'function_declaration':
        return describeFunction(node);
      case 'secondary_constructor':
        return { role: 'function', name: 'constructor', body: functionBody(node) };
      case 'property_declaration':
        return describeProperty(node);
      case 'type_alias': {
        const name = node.childForFieldName('type')?.text ?? '';
        const value = node.lastNamedChild;
        const long =
          value !== null &&
          (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
        return { role: 'scope', kind: 'type', name, classLike: false, ...(long ? { body: value } : {}) };
      }
      case 'annotated_expression': {
        const name = misreadAnnotationClass(node);
        return name ? { role: 'class', kind: 'interface', name } : undefined;
      }
      default:
        return undefined;
    }
  },
  docstring: (_node, _source, anchor) => blockDocAbove(anchor, ANNOTATIONS),
};
