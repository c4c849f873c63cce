import type { EntityKind } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { BLANKED_PREFIX, blankMacros } from './c-macros.js';
import { commentsAbove } from './comments.js';

/**
 * C and C++ share their declarations: functions and prototypes, structs, unions, enums,
 * typedefs, macros, file-level variables. C++ adds classes, namespaces (scopes), methods
 * declared in a class or defined out of it (`void Foo::bar() {}`), templates, `using` aliases
 * and concepts.
 */

/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;

const NONE = new Set<string>();
/** C++ `[[nodiscard]]` before a declaration. */
const ATTRIBUTES = new Set(['attribute_declaration']);

/** Conditional compilation: its blocks hold the declarations of most headers (`#ifndef X_H`). */
const PREPROCESSOR_BLOCKS = [
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
];

/** Where a file-level declaration may be: not in a function, a struct or an initializer. */
const FILE_LEVEL = new Set(['translation_unit', 'declaration_list', ...PREPROCESSOR_BLOCKS]);

const RECORD_KINDS: Readonly<Record<string, EntityKind>> = {
  struct_specifier: 'struct',
  union_specifier: 'struct',
  enum_specifier: 'enum',
  class_specifier: 'class',
};

/** Declarator nodes that are (or hold, qualified) the declared name. */
const NAME_TYPES = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'primitive_type', // `typedef unsigned char bool;` in pre-C99 code
  'destructor_name',
  'operator_name',
  'operator_cast',
  'qualified_identifier',
  'template_function',
]);

interface DeclaredName {
  /** The name as written after any qualifier: `bar`, `~Foo`, `operator==`. */
  name: string;
  /** `Foo::bar` → `Foo`; `a::Foo<T>::bar` → `a.Foo`; undefined when unqualified. */
  owner?: string;
  /** Whether the declarator declares a function (not a pointer to one, not a variable). */
  isFunction: boolean;
}

/** The name a declaration (or its first declarator) declares, following pointers and parentheses. */
function declaredName(node: SyntaxNode): DeclaredName | undefined {
  let declarator = node.childForFieldName('declarator');
  let isFunction = false;
  while (declarator) {
    const type = declarator.type;
    if (NAME_TYPES.has(type)) return nameOf(declarator, isFunction);
    if (type === 'function_declarator') isFunction = true;
    else if (type === 'pointer_declarator' || type === 'reference_declarator' || type === 'array_declarator')
      isFunction = false;
    declarator =
      type === 'parenthesized_declarator' || type === 'reference_declarator'
        ? (declarator.childForFieldName('declarator') ?? declarator.lastNamedChild)
        : declarator.childForFieldName('declarator');
  }
  return undefined;
}

function nameOf(node: SyntaxNode, isFunction: boolean): DeclaredName {
  if (node.type === 'template_function') {
    return { name: node.childForFieldName('name')?.text ?? '', isFunction };
  }
  if (node.type !== 'qualified_identifier') return { name: node.text, isFunction };
  // `a::Foo<T>::bar`: scopes nest to the right.
  const owners: string[] = [];
  let current: SyntaxNode | null = node;
  while (current?.type === 'qualified_identifier') {
    const scope = current.childForFieldName('scope');
    if (scope) owners.push(scopeName(scope));
    current = current.childForFieldName('name');
  }
  let name = current?.text ?? '';
  if (current?.type === 'template_function') name = current.childForFieldName('name')?.text ?? '';
  const owner = owners.filter((part) => part !== '').join('.');
  return owner === '' ? { name, isFunction } : { name, owner, isFunction };
}

/** `Foo<T>` → `Foo`; `a::b` → `a.b`. */
function scopeName(scope: SyntaxNode): string {
  if (scope.type === 'template_type') return scope.childForFieldName('name')?.text ?? '';
  if (scope.type === 'nested_namespace_specifier') return scope.text.replace(/\s*::\s*/g, '.');
  return scope.text;
}

/** The namespaces and classes around `node`, as the extraction names its scopes (`a.b.Foo`). */
function enclosingName(node: SyntaxNode): string {
  const parts: string[] = [];
  for (let parent = node.parent; parent; parent = parent.parent) {
    const type = parent.type;
    if (type === 'namespace_definition') {
      const name = parent.childForFieldName('name');
      if (name) parts.unshift(scopeName(name));
    } else if (RECORD_KINDS[type] && parent.childForFieldName('body')) {
      const name = recordName(parent);
      if (name) parts.unshift(name);
    }
  }
  return parts.join('.');
}

/** `struct point`, `class Foo<T>` (a specialization), `struct a::B`: its own name. */
function recordName(node: SyntaxNode): string {
  const name = node.childForFieldName('name');
  if (!name) return '';
  if (name.type === 'template_type') return name.childForFieldName('name')?.text ?? '';
  if (name.type === 'qualified_identifier' || name.type === 'qualified_type_identifier') {
    let current: SyntaxNode | null = name;
    while (
      current &&
      (current.type === 'qualified_identifier' || current.type === 'qualified_type_identifier')
    )
      current = current.childForFieldName('name');
    return current?.text ?? '';
  }
  return name.text;
}

/** A declaration's value when it is long (or on several lines): the signature stops before it. */
function longValue(value: SyntaxNode | null | undefined): { body?: SyntaxNode } {
  if (!value) return {};
  const long =
    value.endIndex - value.startIndex > SHORT_VALUE || value.startPosition.row !== value.endPosition.row;
  return long ? { body: value } : {};
}

// An object-like macro is a constant when its value is made of literals, upper-case names and
// operators (`(-1)`, `"Lua " LUA_VERSION_MAJOR`, `(1u << 10)`); else (`extern`, `double`,
// `((void)0)`) it is code.
const STRING_LITERALS = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;
const NUMBERS = /\b(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)[uUlLfF]*\b/g;
const CONSTANT_REST = /^[\sA-Z0-9_()+\-*/%<>=!&|^~?:.,]*$/;

function isConstantValue(value: string): boolean {
  return CONSTANT_REST.test(value.replace(STRING_LITERALS, '0').replace(NUMBERS, '0'));
}

/** Whether a declaration is `static` (at file level: visible in its file only). */
function isStatic(node: SyntaxNode): boolean {
  const first = node.firstNamedChild;
  return first?.type === 'storage_class_specifier' && first.text === 'static';
}

/** Whether a declaration's specifiers make it a constant (`const`, `constexpr`). */
function isConstant(node: SyntaxNode): boolean {
  for (const child of node.namedChildren) {
    if (child.type === 'type_qualifier' && (child.text === 'const' || child.text === 'constexpr'))
      return true;
    if (child.type === 'declarator' || child.type.endsWith('declarator')) break;
  }
  return false;
}

/** Doxygen `///`, `//!`, `/** … *\/`, `/*! … *\/` and plain comments directly above, cleaned. */
function cDoc(anchor: SyntaxNode, source: string): string | undefined {
  const comments = commentsAbove(anchor, ATTRIBUTES);
  return comments.length === 0 ? undefined : cleanComments(comments, source);
}

/** A comment line of decoration only: `=====`, `{====`, `}{`. */
const RULER = /^\s*[-=*#{}~_+<>|]{2,}\s*$/;

/** Comments without their markers (`//`, `///<`, `/*!`, a leading `*` or `**`), dedented. */
function cleanComments(comments: readonly SyntaxNode[], source: string): string | undefined {
  const lines: string[] = [];
  for (const comment of comments) {
    // From the source: the tree's text has the blanked macros.
    const text = source.slice(comment.startIndex, comment.endIndex);
    if (text.startsWith('//')) {
      lines.push(text.replace(/^\/\/[/!]?<? ?/, '').trimEnd());
      continue;
    }
    const inner = text.replace(/^\/\*+[!<]?/, '').replace(/\*+\/$/, '');
    inner.split(/\r?\n/).forEach((line, index) => {
      // Text right after `/*` keeps no indentation: `/* LUA_NUMBER */` is `LUA_NUMBER`.
      const cleaned = line.replace(/^\s*\*+(?!\/) ?/, '').trimEnd();
      lines.push(index === 0 ? cleaned.trimStart() : cleaned);
    });
  }
  // Rulers (`/* ====== */`, `** }{`) are decoration, not text.
  for (let index = lines.length - 1; index >= 0; index--)
    if (RULER.test(lines[index]!)) lines.splice(index, 1);
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  // The common indentation of the lines (`/*\n  text\n*/` keeps none).
  let indent = Number.POSITIVE_INFINITY;
  for (const line of lines) if (line.trim() !== '') indent = Math.min(indent, /^\s*/.exec(line)![0].length);
  const text = lines.map((line) => line.slice(Math.min(indent, line.length))).join('\n');
  return text.trim() === '' ? undefined : text.trimStart();
}

/** `#define LUA_MINSTACK 20 /* minimum stack … *\/`: the comment after the value. */
function trailingMacroComment(node: SyntaxNode, source: string): string | undefined {
  if (node.type !== 'preproc_def' && node.type !== 'preproc_function_def') return undefined;
  const last = node.lastNamedChild;
  return last?.type === 'comment' ? cleanComments([last], source) : undefined;
}

/** A `#define` node ends after its line break (and a `\r`): the unit ends on its own line. */
function macroEnd(node: SyntaxNode, source: string): { row: number; index: number } | undefined {
  if (node.type !== 'preproc_def' && node.type !== 'preproc_function_def') return undefined;
  const end = node.endPosition;
  let index = node.endIndex;
  let row = end.row;
  if (end.column === 0 && row > node.startPosition.row) {
    index--;
    row--;
  }
  while (index > node.startIndex && /\s/.test(source[index - 1]!)) index--;
  return { row, index };
}

/**
 * The outermost `template<…>` around a definition (`template <> template <class U>` nests), or
 * the definition itself. The unit's lines are the definition's (its line names it); the template
 * header is attached above it, like a doc comment, and starts the signature.
 */
function templateOf(node: SyntaxNode): SyntaxNode {
  let outer = node;
  while (outer.parent?.type === 'template_declaration') outer = outer.parent;
  return outer;
}

function describeRecord(specifier: SyntaxNode, name: string): Definition | undefined {
  const body = specifier.childForFieldName('body');
  if (!body || name === '') return undefined;
  const kind = RECORD_KINDS[specifier.type] ?? 'struct';
  const definition: Definition = { role: 'class', kind, name, body };
  // An enum's enumerators are not functions' scope; a struct's declared methods (C++) are methods.
  if (kind === 'enum') definition.classLike = false;
  return definition;
}

/** `struct DBImpl::Writer { … }` in `leveldb`: the struct `leveldb.DBImpl.Writer`. */
function withRecordOwner(node: SyntaxNode, definition: Definition | undefined): Definition | undefined {
  const name = node.childForFieldName('name');
  if (!definition || (name?.type !== 'qualified_identifier' && name?.type !== 'qualified_type_identifier'))
    return definition;
  const owners: string[] = [];
  for (let current: SyntaxNode | null = name; current?.type.startsWith('qualified_'); ) {
    const scope = current.childForFieldName('scope');
    if (scope) owners.push(scopeName(scope));
    current = current.childForFieldName('name');
  }
  const owner = owners.filter((part) => part !== '').join('.');
  if (owner === '') return definition;
  const around = enclosingName(node);
  definition.ownerName = around === '' ? owner : `${around}.${owner}`;
  return definition;
}

/** A function definition or a declaration of one (a prototype, a method declared in its class). */
function describeFunction(node: SyntaxNode, declaration: SyntaxNode, cpp: boolean): Definition | undefined {
  const declared = declaredName(declaration);
  if (!declared?.isFunction || declared.name === '') return undefined;
  const definition: Definition = { role: 'function', name: declared.name };
  const body = declaration.childForFieldName('body');
  if (body)
    definition.body = declaration.type === 'function_definition' ? constructorStart(declaration, body) : body;
  if (cpp && declared.owner !== undefined) {
    const around = enclosingName(node);
    definition.ownerName = around === '' ? declared.owner : `${around}.${declared.owner}`;
  }
  if (body && MACRO_NAME.test(declared.name) && !declaration.childForFieldName('type'))
    return definedByMacro(node, declaration, definition);
  return definition;
}

const MACRO_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * `TEST(ArenaTest, Empty) { … }`, `PHP_FUNCTION(strlen) { … }`: a function a macro defines, named
 * by the macro's last argument, qualified by the others (`ArenaTest.Empty`); a function, not a
 * method. Other definitions keep the macro's name.
 */
function definedByMacro(node: SyntaxNode, declaration: SyntaxNode, definition: Definition): Definition {
  const parameters = declaration.childForFieldName('declarator')?.childForFieldName('parameters');
  if (!parameters || parameters.namedChildCount === 0) return definition;
  const names: string[] = [];
  for (const parameter of parameters.namedChildren) {
    const type = parameter.childForFieldName('type');
    if (parameter.type !== 'parameter_declaration' || parameter.namedChildCount !== 1 || !type)
      return definition;
    if (type.type !== 'type_identifier' && type.type !== 'identifier') return definition;
    names.push(type.text);
  }
  definition.name = names.pop()!;
  if (names.length > 0) {
    const around = enclosingName(node);
    const owner = names.join('.');
    definition.ownerName = around === '' ? owner : `${around}.${owner}`;
    definition.method = false;
  }
  return definition;
}

/** A constructor's `: x(1), y(2)` belongs to its body: the signature stops before it. */
function constructorStart(definition: SyntaxNode, body: SyntaxNode): SyntaxNode {
  const before = body.previousNamedSibling;
  return before?.type === 'field_initializer_list' && before.parent === definition ? before : body;
}

/** A file-level variable or constant (`static const int limits[] = { … }`). */
function describeVariable(node: SyntaxNode): Definition | undefined {
  const declared = declaredName(node);
  if (!declared || declared.isFunction || declared.name === '' || declared.owner !== undefined)
    return undefined;
  // `struct point { … } origin;`: the struct is the unit.
  const type = node.childForFieldName('type');
  if (type && RECORD_KINDS[type.type] && type.childForFieldName('body') && type.childForFieldName('name'))
    return undefined;
  const first = node.childForFieldName('declarator');
  const value = first?.type === 'init_declarator' ? first.childForFieldName('value') : undefined;
  return {
    role: 'scope',
    kind: isConstant(node) ? 'constant' : 'variable',
    name: declared.name,
    classLike: false,
    ...longValue(value),
  };
}

function describeMacro(node: SyntaxNode): Definition | undefined {
  const name = node.childForFieldName('name')?.text ?? '';
  const value = node.childForFieldName('value');
  if (node.type === 'preproc_function_def') {
    // `#define MAX(a, b) …`: the signature is the name and parameters.
    return { role: 'scope', kind: 'macro', name, classLike: false, body: value };
  }
  // `#define X_H` (include guards, feature switches) declare nothing worth a unit.
  if (!value || value.text.trim() === '') return undefined;
  const kind = isConstantValue(value.text) ? 'constant' : 'macro';
  return { role: 'scope', kind, name, classLike: false, ...longValue(value) };
}

function describeTypedef(node: SyntaxNode): Definition | undefined {
  const declared = declaredName(node);
  if (!declared || declared.name === '') return undefined;
  const type = node.childForFieldName('type');
  // `typedef struct vec { … } vec_t;`: the struct, named by its tag, which its first line shows;
  // `typedef struct { … } point;` by the typedef's name.
  if (type && RECORD_KINDS[type.type] && type.childForFieldName('body'))
    return describeRecord(type, recordName(type) || declared.name);
  return { role: 'scope', kind: 'type', name: declared.name, classLike: false };
}

function describe(node: SyntaxNode, cpp: boolean): Definition | undefined {
  if (node.type === 'namespace_definition') {
    const name = node.childForFieldName('name');
    // Anonymous namespaces name nothing: their definitions take the enclosing scope.
    if (!name) return undefined;
    return { role: 'scope', name: scopeName(name), classLike: false, chunked: true };
  }
  const outer = cpp ? templateOf(node) : node;
  const definition = describeDeclaration(node, outer.parent?.type, cpp);
  if (definition && outer !== node) definition.signatureStart = outer.startIndex;
  return definition;
}

/** Describes a declaration found in `place` (the type of its parent, templates stepped over). */
function describeDeclaration(
  node: SyntaxNode,
  place: string | undefined,
  cpp: boolean,
): Definition | undefined {
  switch (node.type) {
    case 'function_definition':
      return describeFunction(node, node, cpp);
    case 'declaration': {
      if (
        !place ||
        !(FILE_LEVEL.has(place) || place === 'field_declaration_list' || place === 'linkage_specification')
      )
        return undefined;
      const declared = describeFunction(node, node, cpp);
      if (declared) {
        // `static void statement (LexState *ls);`: a forward declaration of a function defined
        // further down the same file, which is the unit; the line stays in a code chunk.
        return place !== 'field_declaration_list' && isStatic(node) ? undefined : declared;
      }
      if (place === 'field_declaration_list') return undefined;
      return describeVariable(node);
    }
    case 'field_declaration':
      // A method declared in its class (`virtual void Run() = 0;`); data members stay in the class.
      return cpp && place === 'field_declaration_list' ? describeFunction(node, node, cpp) : undefined;
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier':
    case 'class_specifier':
      // `typedef struct { … } name;` is described by the typedef.
      if (place === 'type_definition') return undefined;
      return withRecordOwner(node, describeRecord(node, recordName(node)));
    case 'type_definition':
      return describeTypedef(node);
    case 'preproc_def':
    case 'preproc_function_def':
      return describeMacro(node);
    case 'alias_declaration': {
      const name = node.childForFieldName('name')?.text ?? '';
      return {
        role: 'scope',
        kind: 'type',
        name,
        classLike: false,
        ...longValue(node.childForFieldName('type')),
      };
    }
    case 'concept_definition': {
      const name = node.childForFieldName('name')?.text ?? '';
      const value = node.namedChildren[node.namedChildCount - 1];
      return { role: 'scope', kind: 'type', name, classLike: false, ...longValue(value) };
    }
    default:
      return undefined;
  }
}

const C_NODE_TYPES = [
  'function_definition',
  'declaration',
  'struct_specifier',
  'union_specifier',
  'enum_specifier',
  'type_definition',
  'preproc_def',
  'preproc_function_def',
];

export function cFamilySpec(language: 'c' | 'cpp'): LanguageSpec {
  const cpp = language === 'cpp';
  return {
    language,
    nodeTypes: cpp
      ? [
          ...C_NODE_TYPES,
          'class_specifier',
          'field_declaration',
          'namespace_definition',
          'alias_declaration',
          'concept_definition',
        ]
      : C_NODE_TYPES,
    decoratorTypes: cpp ? ATTRIBUTES : NONE,
    importTypes: new Set(cpp ? ['preproc_include', 'using_declaration'] : ['preproc_include']),
    chunkThroughTypes: new Set(
      cpp
        ? [...PREPROCESSOR_BLOCKS, 'namespace_definition', 'linkage_specification', 'declaration_list']
        : PREPROCESSOR_BLOCKS,
    ),
    elision: '{ … }',
    definitionEnd: macroEnd,
    attachmentAnchor: cpp ? templateOf : undefined,
    describe(node, source) {
      const definition = describe(node, cpp);
      if (definition) {
        // `LUA_API int f(…)`: the blanked macro stays in the source code (not in the signature).
        const start = node.startIndex;
        const lineStart = source.lastIndexOf('\n', start - 1) + 1;
        if (lineStart < start) {
          const macros = BLANKED_PREFIX.exec(source.slice(lineStart, start));
          if (macros) definition.sourceStart = lineStart + macros[1]!.length;
        }
      }
      return definition;
    },
    parseText: blankMacros,
    docstring: (node, source, anchor) => cDoc(anchor, source) ?? trailingMacroComment(node, source),
  };
}
