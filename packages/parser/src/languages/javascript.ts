import type { Language } from '@codesearch/core';
import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { blockDocAbove } from './comments.js';

const DECORATORS = new Set(['decorator']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

// Node types shared by the JavaScript, TypeScript and TSX grammars.
const COMMON_TYPES = [
  'function_declaration',
  'generator_function_declaration',
  'class_declaration',
  'method_definition',
  // `const f = () => …`, `const C = class {…}`: kept only when the value is a function or class.
  'variable_declarator',
];
const JAVASCRIPT_TYPES = [...COMMON_TYPES, 'field_definition'];
const TYPESCRIPT_TYPES = [
  ...COMMON_TYPES,
  'abstract_class_declaration',
  'abstract_method_signature',
  'public_field_definition',
];

const CLASS_TYPES = new Set(['class_declaration', 'abstract_class_declaration']);

function describe(node: SyntaxNode): Definition | undefined {
  if (CLASS_TYPES.has(node.type)) {
    return {
      role: 'class',
      name: node.childForFieldName('name')?.text ?? '',
      body: node.childForFieldName('body'),
    };
  }
  if (
    node.type === 'variable_declarator' ||
    node.type === 'field_definition' ||
    node.type === 'public_field_definition'
  ) {
    const nameNode =
      node.childForFieldName('name') ?? node.childForFieldName('property') ?? node.childForFieldName('key');
    const value = node.childForFieldName('value');
    if (!nameNode || !value) return undefined;
    if (node.type === 'variable_declarator' && nameNode.type !== 'identifier') return undefined;
    if (value.type !== 'class' && !FUNCTION_VALUES.has(value.type)) return undefined;
    if (value.type === 'class')
      return { role: 'class', name: nameNode.text, body: value.childForFieldName('body') };
    return { role: 'function', name: nameNode.text, body: value.childForFieldName('body') };
  }
  // function_declaration, generator_function_declaration, method_definition, abstract_method_signature
  return {
    role: 'function',
    name: node.childForFieldName('name')?.text ?? '',
    body: node.childForFieldName('body'),
  };
}

/** JSDoc sits above the statement: `export function`, `const f = …` or the declaration itself. */
function attachmentAnchor(node: SyntaxNode): SyntaxNode {
  let anchor = node;
  if (node.type === 'variable_declarator' && node.parent) {
    anchor = node.parent; // lexical_declaration / variable_declaration
  }
  if (anchor.parent?.type === 'export_statement') anchor = anchor.parent;
  return anchor;
}

function makeSpec(language: Language, nodeTypes: readonly string[]): LanguageSpec {
  return {
    language,
    nodeTypes,
    decoratorTypes: DECORATORS,
    describe,
    attachmentAnchor,
    docstring: (_node, _source, anchor) => blockDocAbove(anchor, DECORATORS),
  };
}

export const javascript = makeSpec('javascript', JAVASCRIPT_TYPES);
export const typescript = makeSpec('typescript', TYPESCRIPT_TYPES);
export const tsx = makeSpec('tsx', TYPESCRIPT_TYPES);
