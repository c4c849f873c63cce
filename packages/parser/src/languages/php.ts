import type { EntityKind } from '@codesearch/core';
import type Parser from 'tree-sitter';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';

/** `#[Attr]` groups: PHP 8 attributes, kept as decorators. */
const ATTRIBUTES = new Set(['attribute_list']);
const CLASS_KINDS: Readonly<Record<string, EntityKind>> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  trait_declaration: 'trait',
  enum_declaration: 'enum',
};
/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;
/** The scope name of `new class { … }`. */
const ANONYMOUS_CLASS = '<anonymous>';
const INCLUDES = new Set([
  'require_expression',
  'require_once_expression',
  'include_expression',
  'include_once_expression',
]);

/**
 * The `namespace X;` statements of a file (the statement form: it names everything after it, up
 * to the next one), found once per tree.
 */
const namespaceStatements = new WeakMap<Parser.Tree, { start: number; name: string }[]>();

function namespacesOf(tree: Parser.Tree): { start: number; name: string }[] {
  let found = namespaceStatements.get(tree);
  if (found) return found;
  found = [];
  const cursor = tree.walk();
  if (cursor.gotoFirstChild()) {
    do {
      if (cursor.nodeType !== 'namespace_definition') continue;
      const node = cursor.currentNode;
      if (node.childForFieldName('body')) continue;
      found.push({ start: cursor.startIndex, name: node.childForFieldName('name')?.text ?? '' });
    } while (cursor.gotoNextSibling());
  }
  namespaceStatements.set(tree, found);
  return found;
}

/** The namespace a top-level node is in (`Acme\Log` after `namespace Acme\Log;`), when any. */
function statementNamespace(node: SyntaxNode): string | undefined {
  const namespaces = namespacesOf(node.tree);
  if (namespaces.length === 0) return undefined;
  const start = node.startIndex;
  let name: string | undefined;
  for (const namespace of namespaces) {
    if (namespace.start > start) break;
    name = namespace.name;
  }
  return name || undefined;
}

/** Whether `node` is written at file level, outside any declaration (a namespace block's body counts). */
function atFileLevel(node: SyntaxNode): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) {
    switch (parent.type) {
      case 'program':
        return true;
      case 'class_declaration':
      case 'interface_declaration':
      case 'trait_declaration':
      case 'enum_declaration':
      case 'function_definition':
      case 'method_declaration':
      case 'anonymous_class':
      case 'namespace_definition':
        return false;
    }
  }
  return false;
}

/** `const A = 1, B = 2;` → the first element's name and value (the statement is one unit). */
function constDefinition(node: SyntaxNode): Definition | undefined {
  const element = node.namedChildren.find((child) => child.type === 'const_element');
  const name = element?.firstNamedChild;
  if (!element || name?.type !== 'name') return undefined;
  const value = element.lastNamedChild;
  const long =
    value !== null &&
    value !== name &&
    (value.endIndex - value.startIndex > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
  return {
    role: 'scope',
    kind: 'constant',
    name: name.text,
    classLike: false,
    ...(long ? { body: value } : {}),
  };
}

/** Sets the statement namespace as owner of a file-level definition written after `namespace X;`. */
function inNamespace(node: SyntaxNode, definition: Definition): Definition {
  if (node.parent?.type !== 'program') return definition;
  const namespace = statementNamespace(node);
  if (!namespace) return definition;
  return {
    ...definition,
    ownerName: namespace,
    ...(definition.role === 'function' ? { method: false } : {}),
  };
}

export const php: LanguageSpec = {
  language: 'php',
  nodeTypes: [
    ...Object.keys(CLASS_KINDS),
    'function_definition',
    'method_declaration',
    'namespace_definition',
    'const_declaration',
    'anonymous_class',
  ],
  decoratorTypes: ATTRIBUTES,
  importTypes: new Set(['namespace_use_declaration']),
  // PHP's identifiers are `name` nodes: `$default = new Logger()` is the code chunk `default`.
  chunkNameTypes: new Set(['name']),
  // `namespace Acme\Log;` names the file's declarations like a Java package; `require_once …`
  // loads another file.
  isImport(node) {
    if (node.type === 'namespace_definition') return node.childForFieldName('body') === null;
    if (node.type !== 'expression_statement') return false;
    const expression = node.firstNamedChild;
    return expression !== null && INCLUDES.has(expression.type);
  },
  elision: '{ … }',
  describe(node) {
    switch (node.type) {
      case 'namespace_definition': {
        // `namespace X { … }` is a module; `namespace X;` only names what follows (see above),
        // and the global `namespace { … }` is no scope.
        const body = node.childForFieldName('body');
        const name = node.childForFieldName('name')?.text;
        if (!body || !name) return undefined;
        return { role: 'scope', kind: 'module', name, classLike: false, body };
      }
      case 'const_declaration': {
        const definition = constDefinition(node);
        return definition && inNamespace(node, definition);
      }
      case 'anonymous_class': {
        const definition: Definition = { role: 'scope', name: ANONYMOUS_CLASS, classLike: true };
        if (!atFileLevel(node)) return definition;
        const namespace = statementNamespace(node);
        return namespace ? { ...definition, ownerName: namespace } : definition;
      }
      case 'function_definition':
      case 'method_declaration':
        return inNamespace(node, {
          role: 'function',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        });
      default:
        return inNamespace(node, {
          role: 'class',
          kind: CLASS_KINDS[node.type] ?? 'class',
          name: node.childForFieldName('name')?.text ?? '',
          body: node.childForFieldName('body'),
        });
    }
  },
  // PHPDoc: the `/** … */` block directly above (attributes are inside the declaration).
  docstring: (_node, _source, anchor) => blockDocAbove(anchor, ATTRIBUTES),
};
