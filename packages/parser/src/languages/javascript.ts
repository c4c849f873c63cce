import type { Language } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';

const DECORATORS = new Set(['decorator']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const COMMENTS = new Set(['comment']);
// `{ … } as const`, `{ … } satisfies T`, `({ … })`: still the object literal.
const EXPRESSION_WRAPPERS = new Set(['as_expression', 'satisfies_expression', 'parenthesized_expression']);

// Node types shared by the JavaScript, TypeScript and TSX grammars.
const COMMON_TYPES = [
  'function_declaration',
  'generator_function_declaration',
  'class_declaration',
  'method_definition',
  // `const f = () => …`, `const C = class {…}`: kept only when the value is a function or class;
  // `const api = {…}`: a scope for the functions of the object literal.
  'variable_declarator',
  // `key: () => …` in a named object literal; `key: {…}` in one is a scope.
  'pair',
  // `Foo.prototype.bar = function …`, `exports.x = …`, `obj.handler = () => …` (statements only).
  'assignment_expression',
  // `defineGetter(req, 'protocol', function () {…})`: named after the string before it.
  'function_expression',
  'arrow_function',
];
const JAVASCRIPT_TYPES = [...COMMON_TYPES, 'field_definition'];
const TYPESCRIPT_TYPES = [
  ...COMMON_TYPES,
  'abstract_class_declaration',
  'abstract_method_signature',
  'public_field_definition',
  'interface_declaration',
  'method_signature',
  'enum_declaration',
  'type_alias_declaration',
  'internal_module',
  'module',
];

const IMPORT_TYPES = new Set(['import_statement']);

function unwrap(value: SyntaxNode | null): SyntaxNode | null {
  while (value && EXPRESSION_WRAPPERS.has(value.type)) value = value.firstNamedChild;
  return value;
}

/** A property's name: `get`, `'get-user'` → `get-user`, `[Symbol.iterator]` as written. */
function propertyName(key: SyntaxNode | null): string {
  if (!key) return '';
  if (key.type === 'string') return key.text.slice(1, -1);
  return key.text;
}

/**
 * Whether an object literal is the value of a name: `const api = {…}`, a class field, or a
 * `key: {…}` inside such an object. Walks up only through the object literals themselves.
 */
function isNamedObject(object: SyntaxNode): boolean {
  let holder = object.parent;
  while (holder && EXPRESSION_WRAPPERS.has(holder.type)) holder = holder.parent;
  if (!holder) return false;
  if (holder.type === 'variable_declarator') return holder.childForFieldName('name')?.type === 'identifier';
  if (holder.type === 'field_definition' || holder.type === 'public_field_definition') return true;
  if (holder.type === 'pair') return holder.parent !== null && isNamedObject(holder.parent);
  if (holder.type === 'assignment_expression') return prototypeOwner(holder) !== undefined;
  return false;
}

/** `a.b.c` → `['a', 'b', 'c']`; undefined for anything but plain names (`this.x`, `f().x`, `a[0]`). */
function dottedPath(node: SyntaxNode | null): string[] | undefined {
  const names: string[] = [];
  while (node?.type === 'member_expression') {
    const property = node.childForFieldName('property');
    if (property?.type !== 'property_identifier') return undefined;
    names.unshift(property.text);
    node = node.childForFieldName('object');
  }
  if (node?.type !== 'identifier') return undefined;
  names.unshift(node.text);
  return names;
}

/** `Foo.prototype = {…}` (an assignment statement) → `Foo`. */
function prototypeOwner(assignment: SyntaxNode): string | undefined {
  if (assignment.parent?.type !== 'expression_statement') return undefined;
  const path = dottedPath(assignment.childForFieldName('left'));
  if (!path || path.length < 2 || path[path.length - 1] !== 'prototype') return undefined;
  return path.slice(0, -1).join('.');
}

/**
 * Assignment statements of a function (or, for a prototype, an object literal):
 * - `Foo.prototype.bar = function …` → method `bar` of `Foo`, wherever it is written;
 * - `exports.x = …`, `module.exports.x = …` → function `x`;
 * - `obj.handler = () => …` at module level → function `handler` with parent `obj`.
 */
function describeAssignment(node: SyntaxNode): Definition | undefined {
  const right = unwrap(node.childForFieldName('right'));
  if (!right) return undefined;
  const isFunction = FUNCTION_VALUES.has(right.type);
  if (!isFunction && right.type !== 'object') return undefined;
  const statement = node.parent;
  if (statement?.type !== 'expression_statement') return undefined;
  const path = dottedPath(node.childForFieldName('left'));
  if (!path || path.length < 2) return undefined;
  const name = path[path.length - 1]!;
  const owner = path.slice(0, -1);
  const body = right.childForFieldName('body');
  if (!isFunction) {
    // `Foo.prototype = { bar() {…} }`: its functions are methods of `Foo`.
    if (name !== 'prototype') return undefined;
    return { role: 'scope', name: owner.join('.'), ownerName: '', classLike: true };
  }
  if (owner.length >= 2 && owner[owner.length - 1] === 'prototype') {
    return { role: 'function', name, body, ownerName: owner.slice(0, -1).join('.'), method: true };
  }
  const ownerText = owner.join('.');
  if (ownerText === 'exports' || ownerText === 'module.exports') return { role: 'function', name, body };
  if (statement.parent?.type !== 'program' || name === 'prototype' || ownerText === 'module')
    return undefined;
  return { role: 'function', name, body, ownerName: ownerText, method: false };
}

/** `const f = () => …`, a class field, and their object-literal and class counterparts. */
function describeVariable(node: SyntaxNode): Definition | undefined {
  const nameNode =
    node.childForFieldName('name') ?? node.childForFieldName('property') ?? node.childForFieldName('key');
  const written = node.childForFieldName('value');
  const value = unwrap(written);
  if (!nameNode || !value || !written) return undefined;
  const isVariable = node.type === 'variable_declarator';
  if (isVariable && nameNode.type !== 'identifier') return undefined;
  const name = nameNode.text;
  const isClass = value.type === 'class';
  const isFunction = FUNCTION_VALUES.has(value.type);
  const declaration = node.parent;
  // Top-level `const X = …` (not a function or class) is a constant, `let`/`var` a variable;
  // `const fs = require('fs')` is an import and `var extname = path.extname` an alias of one,
  // left to the code chunks with the imports around them.
  const topLevelKind =
    isVariable &&
    !isClass &&
    !isFunction &&
    declaration &&
    isTopLevel(declaration) &&
    !isRequire(value) &&
    !ALIAS_VALUES.has(value.type)
      ? declaration.firstChild?.type === 'const'
        ? 'constant'
        : 'variable'
      : undefined;
  let definition: Definition;
  if (isClass || isFunction) {
    definition = { role: isClass ? 'class' : 'function', name, body: value.childForFieldName('body') };
  } else if (topLevelKind) {
    const long = written.text.length > SHORT_VALUE || written.startPosition.row !== written.endPosition.row;
    definition = {
      role: 'scope',
      kind: topLevelKind,
      name,
      classLike: false,
      ...(long ? { body: written } : {}),
    };
  } else if (value.type === 'object') {
    return { role: 'scope', name, classLike: false };
  } else {
    return undefined;
  }
  if (isVariable && declaration) {
    // The signature starts at `const`/`let`/`var`; the source at `export` or the keyword, when
    // this is the first declarator (`const a = …, b = …`: `b`'s source is its own).
    const keyword = declaration.firstChild;
    if (keyword && isFirstDeclarator(node)) {
      definition.signatureStart = keyword.startIndex;
      definition.sourceStart = statementStart(attachmentAnchor(node), keyword.startIndex);
    } else if (keyword) {
      definition.signaturePrefix = keyword.text;
    }
  }
  return definition;
}

/** Values that only name something defined elsewhere: `path.extname`, `Foo`. */
const ALIAS_VALUES = new Set(['identifier', 'member_expression']);

/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;

/** A declaration written at module level (`export` allowed). */
function isTopLevel(declaration: SyntaxNode): boolean {
  let parent = declaration.parent;
  if (parent?.type === 'export_statement') parent = parent.parent;
  return parent?.type === 'program';
}

/** `require('x')`, `require('x').y`, `await import('x')`: imports. */
function isRequire(value: SyntaxNode): boolean {
  return /^(?:require\s*\(|await\s+import\s*\()/.test(value.text.slice(0, 20));
}

const IDENTIFIER_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * The last argument of a helper call that defines a member, `define(obj, 'name', function …)`
 * (three arguments or more, a name-like string right before the function, an object path
 * first): the function `name`, parent `obj`. Other callbacks (`on('data', …)`, `it('works', …)`)
 * are not definitions.
 */
function describeCallback(node: SyntaxNode): Definition | undefined {
  const list = node.parent;
  if (
    list?.type !== 'arguments' ||
    list.namedChildCount < 3 ||
    list.lastNamedChild?.startIndex !== node.startIndex
  )
    return undefined;
  const key = node.previousNamedSibling;
  if (key?.type !== 'string') return undefined;
  const name = key.text.slice(1, -1);
  if (!IDENTIFIER_NAME.test(name)) return undefined;
  const owner = dottedPath(list.firstNamedChild);
  if (!owner) return undefined;
  return {
    role: 'function',
    name,
    body: node.childForFieldName('body'),
    ownerName: owner.join('.'),
    method: false,
  };
}

/** No declarator before this one (only comments may come between two: a constant-time check). */
function isFirstDeclarator(declarator: SyntaxNode): boolean {
  let sibling = declarator.previousNamedSibling;
  while (sibling && COMMENTS.has(sibling.type)) sibling = sibling.previousNamedSibling;
  return sibling?.type !== 'variable_declarator';
}

function describe(node: SyntaxNode): Definition | undefined {
  switch (node.type) {
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'interface_declaration':
    case 'enum_declaration':
      return {
        role: 'class',
        name: node.childForFieldName('name')?.text ?? '',
        body: node.childForFieldName('body'),
        ...(node.type === 'interface_declaration' ? { kind: 'interface' as const } : {}),
        ...(node.type === 'enum_declaration' ? { kind: 'enum' as const } : {}),
      };
    case 'type_alias_declaration': {
      const value = node.childForFieldName('value');
      const long =
        value !== null &&
        (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
      return {
        role: 'scope',
        kind: 'type',
        name: node.childForFieldName('name')?.text ?? '',
        classLike: false,
        ...(long ? { body: value } : {}),
      };
    }
    case 'internal_module':
    case 'module': {
      // `namespace A.B { … }`, `declare module 'x' { … }`: a scope its functions are named in.
      const nameNode = node.childForFieldName('name');
      const name = nameNode?.type === 'string' ? nameNode.text.slice(1, -1) : (nameNode?.text ?? '');
      return { role: 'scope', kind: 'module', name, classLike: false, body: node.childForFieldName('body') };
    }
    case 'variable_declarator':
    case 'field_definition':
    case 'public_field_definition':
      return describeVariable(node);
    case 'assignment_expression':
      return describeAssignment(node);
    case 'pair': {
      const value = unwrap(node.childForFieldName('value'));
      if (!value || (value.type !== 'object' && !FUNCTION_VALUES.has(value.type))) return undefined;
      if (!node.parent || !isNamedObject(node.parent)) return undefined;
      const name = propertyName(node.childForFieldName('key'));
      if (value.type === 'object') return { role: 'scope', name, classLike: false };
      return { role: 'function', name, body: value.childForFieldName('body') };
    }
    case 'function_expression':
    case 'arrow_function':
      return describeCallback(node);
    case 'method_signature':
      // Only in interfaces: the method signatures of object types (`type T = { m(): void }`) are not.
      if (node.parent?.type !== 'interface_body') return undefined;
      return { role: 'function', name: propertyName(node.childForFieldName('name')) };
    default:
      // function_declaration, generator_function_declaration, method_definition, abstract_method_signature
      return {
        role: 'function',
        name:
          node.type === 'method_definition'
            ? propertyName(node.childForFieldName('name'))
            : (node.childForFieldName('name')?.text ?? ''),
        body: node.childForFieldName('body'),
      };
  }
}

/** Where the statement holding a declaration starts (`export`), its decorators left out. */
function statementStart(anchor: SyntaxNode, fallback: number): number {
  for (const child of anchor.children) {
    if (!DECORATORS.has(child.type) && !COMMENTS.has(child.type)) return child.startIndex;
  }
  return fallback;
}

/**
 * JSDoc sits above the statement: `export function`, `const f = …`, `obj.f = …` or the
 * declaration itself.
 */
function attachmentAnchor(node: SyntaxNode): SyntaxNode {
  let anchor = node;
  if ((node.type === 'variable_declarator' || node.type === 'assignment_expression') && node.parent) {
    anchor = node.parent; // lexical_declaration / variable_declaration / expression_statement
  } else if (node.parent?.type === 'arguments') {
    // `defineGetter(req, 'protocol', function …)` as a statement: the doc is above the call.
    const statement = node.parent.parent?.parent;
    if (statement?.type === 'expression_statement') anchor = statement;
  } else if ((node.type === 'internal_module' || node.type === 'module') && node.parent) {
    // `namespace A {}` is an expression statement; `declare module 'x' {}` an ambient declaration.
    const holder = node.parent.type;
    if (holder === 'expression_statement' || holder === 'ambient_declaration') anchor = node.parent;
  }
  if (anchor.parent?.type === 'export_statement') anchor = anchor.parent;
  return anchor;
}

function makeSpec(language: Language, nodeTypes: readonly string[]): LanguageSpec {
  return {
    language,
    nodeTypes,
    decoratorTypes: DECORATORS,
    importTypes: IMPORT_TYPES,
    elision: '{ … }',
    describe(node) {
      const definition = describe(node);
      // `export class …`, `export default function …`: the source starts at `export`.
      const parent = node.parent;
      if (definition && definition.sourceStart === undefined && parent?.type === 'export_statement')
        definition.sourceStart = statementStart(parent, node.startIndex);
      // `declare module 'x' { … }`: the source and the signature start at `declare`.
      if (definition && parent?.type === 'ambient_declaration' && node.type === 'module') {
        definition.sourceStart = parent.startIndex;
        definition.signatureStart = parent.startIndex;
      }
      return definition;
    },
    attachmentAnchor,
    docstring: (_node, _source, anchor) => blockDocAbove(anchor, DECORATORS),
  };
}

export const javascript = makeSpec('javascript', JAVASCRIPT_TYPES);
export const typescript = makeSpec('typescript', TYPESCRIPT_TYPES);
export const tsx = makeSpec('tsx', TYPESCRIPT_TYPES);
