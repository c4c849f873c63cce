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

export const java: LanguageSpec = {
  language: 'java',
  nodeTypes: [
    ...CLASS_TYPES,
    'method_declaration',
    'constructor_declaration',
    'compact_constructor_declaration',
  ],
  decoratorTypes: ANNOTATIONS,
  describe(node) {
    const name = node.childForFieldName('name')?.text ?? '';
    const body = node.childForFieldName('body');
    return { role: CLASS_TYPES.has(node.type) ? 'class' : 'function', name, body };
  },
  docstring: (_node, _source, anchor) => blockDocAbove(anchor, ANNOTATIONS),
};
