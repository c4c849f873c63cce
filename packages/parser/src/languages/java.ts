import type { LanguageSpec } from '../extract.js';
import { blockDocAbove } from './comments.js';

const ANNOTATIONS = new Set(['annotation', 'marker_annotation']);
const CLASS_TYPES = new Set([
  'class_declaration',
  'interface_declaration',
  'enum_declaration',
  'record_declaration',
  'annotation_type_declaration',
]);

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
  ],
  decoratorTypes: ANNOTATIONS,
  describe(node) {
    if (node.type === 'object_creation_expression') {
      // The class body, when there is one, is the last child: `new T(args) { … }`.
      if (node.lastChild?.type !== 'class_body') return undefined;
      return { role: 'scope', name: ANONYMOUS_CLASS, classLike: true };
    }
    const name = node.childForFieldName('name')?.text ?? '';
    const body = node.childForFieldName('body');
    if (node.type === 'enum_constant') {
      return body ? { role: 'scope', name, classLike: true } : undefined;
    }
    return { role: CLASS_TYPES.has(node.type) ? 'class' : 'function', name, body };
  },
  docstring: (_node, _source, anchor) => blockDocAbove(anchor, ANNOTATIONS),
};
