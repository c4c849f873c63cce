import type { EntityKind } from '@codesearch/core';
import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';

const ANNOTATIONS = new Set(['annotation', 'marker_annotation']);
const CLASS_KINDS: Readonly<Record<string, EntityKind>> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'class',
  annotation_type_declaration: 'interface',
};
const CLASS_TYPES = Object.keys(CLASS_KINDS);
/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;

function isStaticFinal(field: SyntaxNode): boolean {
  const modifiers = field.children.find((child) => child.type === 'modifiers');
  if (!modifiers) return false;
  const words = new Set(modifiers.children.map((child) => child.type));
  return words.has('static') && words.has('final');
}

/** The scope name of an anonymous class body (`new Runnable() { … }`). */
const ANONYMOUS_CLASS = '<anonymous>';

export const java: LanguageSpec = {
  language: 'java',
  nodeTypes: [
    ...CLASS_TYPES,
    'method_declaration',
    'constructor_declaration',
    'compact_constructor_declaration',
    // Scopes: `new T() { … }` and the body of an enum constant (`SHIPPED { … }`).
    'object_creation_expression',
    'enum_constant',
    // `static final` fields and interface constants.
    'field_declaration',
    'constant_declaration',
  ],
  decoratorTypes: ANNOTATIONS,
  importTypes: new Set(['package_declaration', 'import_declaration']),
  elision: '{ … }',
  describe(node) {
    if (node.type === 'field_declaration' || node.type === 'constant_declaration') {
      if (node.type === 'field_declaration' && !isStaticFinal(node)) return undefined;
      const declarator = node.childForFieldName('declarator');
      const value = declarator?.childForFieldName('value');
      const long =
        value != null &&
        (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
      return {
        role: 'scope',
        kind: 'constant',
        name: declarator?.childForFieldName('name')?.text ?? '',
        classLike: false,
        ...(long ? { body: value } : {}),
      };
    }
    if (node.type === 'object_creation_expression') {
      // The class body, when there is one, is the last child: `new T(args) { … }`.
      if (node.lastChild?.type !== 'class_body') return undefined;
      return { role: 'scope', name: ANONYMOUS_CLASS, classLike: true };
    }
    const name = node.childForFieldName('name')?.text ?? '';
    const body = node.childForFieldName('body');
    if (node.type === 'enum_constant') {
      // The scope of its body's methods. Not a unit: the enum's own holds its constants, and one
      // unit per constant would add many small ones.
      return body ? { role: 'scope', name, classLike: true } : undefined;
    }
    const kind = CLASS_KINDS[node.type];
    if (kind) return { role: 'class', kind, name, body };
    return { role: 'function', name, body };
  },
  docstring: (_node, _source, anchor) => blockDocAbove(anchor, ANNOTATIONS),
};
