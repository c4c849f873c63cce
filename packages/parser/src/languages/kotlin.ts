import type { EntityKind } from '@codesearch/core';
import type Parser from 'tree-sitter';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';
import { textAfterErrors } from './kotlin-recovery.js';

const ANNOTATIONS = new Set(['annotation']);
/**
 * What may stand between a KDoc and its declaration: annotations, also those the grammar reads as
 * expression statements (`@Suppress("X")` as an annotated parenthesized expression, `@OptIn(…)`
 * first in a file). Not decorators: a misread chain of annotation classes is one such statement.
 */
const BETWEEN_DOC_AND_DECLARATION = new Set(['annotation', 'annotated_expression']);
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
  let signatureStart: number | undefined;
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
          signatureStart = keywordAfterComment(cursor);
          break;
      }
    } while (cursor.gotoNextSibling());
  }
  // `annotation class Marker`: an interface, as Java's `@interface`.
  if (annotationClass) kind = 'interface';
  const definition: Definition = {
    role: 'class',
    kind,
    name: node.childForFieldName('name')?.text ?? '',
    body,
  };
  if (signatureStart !== undefined) definition.signatureStart = signatureStart;
  return definition;
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

/**
 * With the cursor on a `modifiers` node: where its first keyword starts when a comment comes
 * before it (`@Deprecated(…) // since 1.6` on the line above `public fun`), so the signature
 * leaves the comment out; undefined otherwise. The cursor is left where it was.
 */
function keywordAfterComment(cursor: Parser.TreeCursor): number | undefined {
  if (!cursor.gotoFirstChild()) return undefined;
  let comment = false;
  let start: number | undefined;
  do {
    const type = cursor.nodeType;
    if (COMMENTS.has(type)) comment = true;
    else if (type !== 'annotation') {
      if (comment) start = cursor.startIndex;
      break;
    }
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
  return start;
}

/** An object's or companion object's body. */
function classBody(node: SyntaxNode): SyntaxNode | null {
  const last = node.lastChild;
  return last?.type === 'class_body' ? last : null;
}

/**
 * What the children before a function's or property's name tell: the receiver type of an
 * extension (`String` of `fun String.shout()`), where the signature starts after a comment.
 */
function header(node: SyntaxNode): { receiver?: string; signatureStart?: number } {
  const found: { receiver?: string; signatureStart?: number } = {};
  const cursor = node.walk();
  if (!cursor.gotoFirstChild()) return found;
  let previousType: string | undefined;
  do {
    const type = cursor.nodeType;
    if (cursor.currentFieldName === 'name' || type === 'variable_declaration') break;
    if (type === 'modifiers') {
      const start = keywordAfterComment(cursor);
      if (start !== undefined) found.signatureStart = start;
    }
    if (type === '.' && previousType !== undefined) found.receiver = plainType(previousType);
    previousType = TYPE_NODES.has(type) ? cursor.nodeText : undefined;
  } while (cursor.gotoNextSibling());
  return found;
}

function plainType(text: string): string {
  return text
    .replace(/<[\s\S]*>/, '')
    .replace(/\?$/, '')
    .trim();
}

function describeFunction(node: SyntaxNode): Definition {
  const { receiver, signatureStart } = header(node);
  const definition: Definition = {
    role: 'function',
    name: node.childForFieldName('name')?.text ?? '',
    body: functionBody(node),
  };
  if (signatureStart !== undefined) definition.signatureStart = signatureStart;
  // A top-level extension function is named after its receiver (`String.shout`), still a
  // function; a member extension keeps its class.
  if (receiver !== undefined && node.parent?.type === 'source_file') {
    definition.ownerName = receiver;
    definition.method = false;
  }
  return definition;
}

function functionBody(node: SyntaxNode): SyntaxNode | null {
  const last = node.lastChild;
  return last?.type === 'function_body' || last?.type === 'block' ? last : null;
}

/**
 * A property with a getter or setter body is function-like, its accessors the body: a method in
 * a class or object, a function at top level (an extension one named after its receiver, as
 * extension functions are). Otherwise top-level properties are constants (`const val`, or a `val`
 * named in UPPER_CASE) or variables, `const val` in a class or object is a constant, and the
 * others stay in their class's unit.
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
  const computed = accessors !== null && hasAccessorBody(node);
  const topLevel = node.parent?.type === 'source_file';
  if (!topLevel && !isConst && !computed) return undefined;
  const { receiver, signatureStart } = header(node);
  let definition: Definition;
  if (computed) {
    definition = { role: 'function', name, body: accessors };
  } else {
    const kind: EntityKind =
      isConst || (topLevel && isVal && CONSTANT_NAME.test(name)) ? 'constant' : 'variable';
    const long =
      value !== null &&
      (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
    definition = { role: 'scope', kind, name, classLike: false, ...(long ? { body: value } : {}) };
  }
  if (signatureStart !== undefined) definition.signatureStart = signatureStart;
  if (topLevel && receiver !== undefined) {
    definition.ownerName = receiver;
    definition.method = false;
  }
  return definition;
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

/** The head of a declaration the grammar read as an expression: `public actual open class Node`. */
const MISREAD_HEAD = /^((?:[a-z]+[ \t]+)*)(class|interface|object)[ \t]+([\p{L}_][\p{L}\p{N}_]*)(?:\(\))?/u;

/**
 * Declarations the grammar reads as annotated infix expressions when annotations come first (no
 * syntax error): `@Target(…)\nannotation class Audited` (no parameters), `@A\n@B\npublic actual
 * open class Node { … }` (the body a lambda). One `annotated_expression` per annotation, nested;
 * the innermost, whose expression is the declaration, is taken for it.
 */
function misreadDeclaration(node: SyntaxNode, source: string): Definition | undefined {
  const expression = node.lastNamedChild;
  if (expression?.type !== 'infix_expression') return undefined;
  const start = expression.startIndex;
  const end = expression.endIndex;
  const head = MISREAD_HEAD.exec(source.slice(start, Math.min(end, start + 300)));
  if (!head) return undefined;
  const words = head[1]!;
  const kind: EntityKind =
    /\bannotation\b/.test(words) || head[2] === 'interface'
      ? 'interface'
      : /\benum\b/.test(words)
        ? 'enum'
        : 'class';
  const definition: Definition = { role: 'class', kind, name: head[3]! };
  if (head[0].length === end - start) return definition; // no body
  // `Node { … }`: a call with a trailing lambda, which must be the whole rest.
  const call = expression.lastNamedChild;
  const lambda = call?.type === 'call_expression' ? call.lastNamedChild : null;
  if (call?.endIndex !== end || lambda?.type !== 'annotated_lambda') return undefined;
  definition.body = lambda.firstNamedChild;
  return definition;
}

const NODE_TYPES = [
  'class_declaration',
  'object_declaration',
  'companion_object',
  'object_literal',
  'enum_entry',
  'function_declaration',
  'secondary_constructor',
  'property_declaration',
  'type_alias',
  'annotated_expression',
];

export const kotlin: LanguageSpec = {
  language: 'kotlin',
  nodeTypes: NODE_TYPES,
  decoratorTypes: ANNOTATIONS,
  // A misread declaration's annotations are its own and its parents' (two levels up are found).
  attachmentAnchor(node) {
    if (node.type !== 'annotated_expression') return node;
    const parent = node.parent;
    return parent?.type === 'annotated_expression' ? parent : node;
  },
  importTypes: new Set(['package_header', 'import', 'import_list', 'file_annotation']),
  elision: '{ … }',
  // Declarations after the point where the grammar gave up, parsed again on their own.
  itemsInMacros: (tree, source) => textAfterErrors(tree, source, NODE_TYPES),
  describe(node, source) {
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
      case 'annotated_expression':
        return misreadDeclaration(node, source);
      default:
        return undefined;
    }
  },
  docstring(node, _source, anchor) {
    // A misread declaration's doc is above the outermost of its nested annotations.
    let above = anchor;
    if (node.type === 'annotated_expression')
      while (above.parent?.type === 'annotated_expression') above = above.parent;
    return blockDocAbove(above, BETWEEN_DOC_AND_DECLARATION);
  },
};
