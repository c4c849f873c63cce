import type { EntityKind } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { csharpDoc } from './csharp-doc.js';

const ATTRIBUTES = new Set(['attribute_list']);
const TYPE_KINDS: Readonly<Record<string, EntityKind>> = {
  class_declaration: 'class',
  struct_declaration: 'struct',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'class',
};
/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;

/** The namespace a file-scoped `namespace Acme.Billing;` declares, found once per file. */
let namespaceSource: string | undefined;
let fileNamespace: { name: string; end: number } | undefined;

function fileScopedNamespace(node: SyntaxNode, source: string): { name: string; end: number } | undefined {
  if (source === namespaceSource) return fileNamespace;
  namespaceSource = source;
  fileNamespace = undefined;
  // Cheap test first: most files have none, and the top-level nodes cost calls into the binding.
  if (!/^[ \t]*namespace[ \t]+[\w.@]+[ \t]*;/m.test(source)) return undefined;
  const cursor = node.tree.rootNode.walk();
  if (cursor.gotoFirstChild()) {
    do {
      if (cursor.nodeType === 'file_scoped_namespace_declaration') {
        const name = cursor.currentNode.childForFieldName('name')?.text;
        if (name) fileNamespace = { name, end: cursor.endIndex };
        break;
      }
    } while (cursor.gotoNextSibling());
  }
  return fileNamespace;
}

/** Nodes that wrap top-level declarations without being a scope: `#if` blocks, error recovery. */
const TRANSPARENT = new Set(['preproc_if', 'preproc_elif', 'preproc_else', 'ERROR']);

/** Whether a declaration is at the top level of its file, `#if` blocks stepped through. */
function isTopLevel(node: SyntaxNode): boolean {
  let parent = node.parent;
  while (parent && TRANSPARENT.has(parent.type)) parent = parent.parent;
  return parent?.type === 'compilation_unit';
}

/** Whether the declaration's modifiers include all of `words` (`const`; `static` and `readonly`). */
function hasModifiers(node: SyntaxNode, words: readonly string[]): boolean {
  const cursor = node.walk();
  let found = 0;
  if (cursor.gotoFirstChild()) {
    do {
      const type = cursor.nodeType;
      if (type === 'modifier') {
        if (words.includes(cursor.nodeText)) found++;
      } else if (type !== 'attribute_list') break;
    } while (cursor.gotoNextSibling());
  }
  return found === words.length;
}

/** `const` and `static readonly` fields: constants (named after their first declarator). */
function describeField(node: SyntaxNode): Definition | undefined {
  if (!hasModifiers(node, ['const']) && !hasModifiers(node, ['static', 'readonly'])) return undefined;
  const declaration = node.namedChildren.find((child) => child.type === 'variable_declaration');
  const declarator = declaration?.namedChildren.find((child) => child.type === 'variable_declarator');
  const name = declarator?.childForFieldName('name')?.text;
  if (!declarator || !name) return undefined;
  // The value is the declarator's last named child, after `=`.
  const value = declarator.namedChildCount > 1 ? declarator.lastNamedChild : null;
  const long =
    value != null && (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
  return { role: 'scope', kind: 'constant', name, classLike: false, ...(long ? { body: value } : {}) };
}

/**
 * Properties, indexers and events with code (an `=> expression`, or an accessor with a body) are
 * method-like units, their accessors the body; auto-properties (`{ get; set; }`) stay in their
 * type's unit, like fields.
 */
function describeAccessors(node: SyntaxNode, name: string): Definition | undefined {
  const value = node.childForFieldName('value');
  if (value?.type === 'arrow_expression_clause') return { role: 'function', name, body: value };
  const accessors = node.childForFieldName('accessors');
  if (!accessors) return undefined;
  for (const accessor of accessors.namedChildren)
    if (accessor.type === 'accessor_declaration' && accessor.childForFieldName('body'))
      return { role: 'function', name, body: accessors };
  return undefined;
}

/** `operator +`, `implicit operator int`: the declaration's words from the keyword to the parameters. */
function operatorName(node: SyntaxNode, source: string): string {
  const parameters = node.childForFieldName('parameters');
  if (!parameters) return '';
  const cursor = node.walk();
  cursor.gotoFirstChild();
  do {
    const type = cursor.nodeType;
    if (type === 'operator' || type === 'implicit' || type === 'explicit')
      return source.slice(cursor.startIndex, parameters.startIndex).replace(/\s+/g, ' ').trim();
  } while (cursor.gotoNextSibling());
  return '';
}

export const csharp: LanguageSpec = {
  language: 'csharp',
  nodeTypes: [
    'namespace_declaration',
    ...Object.keys(TYPE_KINDS),
    'delegate_declaration',
    'method_declaration',
    'constructor_declaration',
    'destructor_declaration',
    'operator_declaration',
    'conversion_operator_declaration',
    'local_function_statement',
    'property_declaration',
    'indexer_declaration',
    'event_declaration',
    'field_declaration',
  ],
  decoratorTypes: ATTRIBUTES,
  // A function of the top-level statements is wrapped in a `global_statement`: the comments
  // above are the wrapper's siblings.
  attachmentAnchor(node) {
    if (node.type !== 'local_function_statement') return node;
    const parent = node.parent;
    return parent?.type === 'global_statement' ? parent : node;
  },
  importTypes: new Set([
    'using_directive',
    'extern_alias_directive',
    'file_scoped_namespace_declaration',
    'global_attribute',
  ]),
  elision: '{ … }',
  describe(node, source) {
    const type = node.type;
    const kind = TYPE_KINDS[type];
    if (kind !== undefined || type === 'delegate_declaration') {
      const name = node.childForFieldName('name')?.text ?? '';
      const body = node.childForFieldName('body');
      // `record struct P(int X)` is a struct.
      const recordStruct =
        type === 'record_declaration' &&
        /\brecord\s+struct\b/.test(source.slice(node.startIndex, body?.startIndex ?? node.endIndex));
      const definition: Definition =
        type === 'delegate_declaration'
          ? { role: 'scope', kind: 'type', name, classLike: false }
          : { role: 'class', kind: recordStruct ? 'struct' : kind!, name, body };
      // After `namespace Acme.Billing;` the file's types are in that namespace.
      const namespace = fileScopedNamespace(node, source);
      if (namespace && node.startIndex >= namespace.end && isTopLevel(node))
        definition.ownerName = namespace.name;
      return definition;
    }
    switch (type) {
      case 'namespace_declaration':
        return {
          role: 'scope',
          kind: 'module',
          name: node.childForFieldName('name')?.text ?? '',
          classLike: false,
          body: node.childForFieldName('body'),
        };
      case 'field_declaration':
        return describeField(node);
      case 'property_declaration':
      case 'event_declaration':
        return describeAccessors(node, node.childForFieldName('name')?.text ?? '');
      case 'indexer_declaration':
        return describeAccessors(node, 'this');
      case 'operator_declaration':
      case 'conversion_operator_declaration':
        return { role: 'function', name: operatorName(node, source), body: node.childForFieldName('body') };
      case 'destructor_declaration': {
        const name = node.childForFieldName('name')?.text;
        return { role: 'function', name: name ? `~${name}` : '', body: node.childForFieldName('body') };
      }
      default:
        // Methods, constructors, local functions (also top-level statements' functions).
        return {
          role: 'function',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        };
    }
  },
  docstring: (_node, _source, anchor) => csharpDoc(anchor),
};
