import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanBlockDoc, cleanLineDocs, commentsAbove } from './comments.js';

const ATTRIBUTES = new Set(['attribute_item']);

/** `impl<T> Display for Wrapper<T>` → `Wrapper`; `impl Foo for &'a m::Bar` → `Bar`; `impl dyn Shape` → `Shape`. */
function implTypeName(node: SyntaxNode): string {
  let type = node.childForFieldName('type');
  for (;;) {
    if (!type) return '';
    switch (type.type) {
      case 'reference_type':
      case 'pointer_type':
      case 'generic_type':
        type = type.childForFieldName('type');
        break;
      case 'dynamic_type':
        type = type.childForFieldName('trait');
        break;
      case 'scoped_type_identifier':
        type = type.childForFieldName('name');
        break;
      default:
        return type.text; // a type name, or an array or tuple type as written
    }
  }
}

/** Outer doc comments: `///` lines or a doc block directly above, attributes stepped over. */
function rustDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, ATTRIBUTES);
  const docs: string[] = [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const text = comments[i]!.text;
    const isLineDoc = text.startsWith('///') && !text.startsWith('////');
    const isBlockDoc = text.startsWith('/**') && !text.startsWith('/***') && text !== '/**/';
    if (!isLineDoc && !isBlockDoc) break;
    docs.unshift(isBlockDoc ? cleanBlockDoc(text) : cleanLineDocs([text], /^\/\/\//));
  }
  return docs.join('\n').trim() || undefined;
}

export const rust: LanguageSpec = {
  language: 'rust',
  nodeTypes: [
    'function_item',
    'function_signature_item',
    'struct_item',
    'enum_item',
    'union_item',
    'trait_item',
    'impl_item',
    'mod_item',
  ],
  decoratorTypes: ATTRIBUTES,
  describe(node) {
    const body = node.childForFieldName('body');
    switch (node.type) {
      case 'impl_item':
        return { role: 'scope', name: implTypeName(node), classLike: true, body };
      case 'mod_item':
        return { role: 'scope', name: node.childForFieldName('name')?.text ?? '', classLike: false, body };
      case 'function_item':
      case 'function_signature_item':
        return { role: 'function', name: node.childForFieldName('name')?.text ?? '', body };
      default:
        // struct, enum, union, trait: the type-like definitions; a trait's functions are methods.
        return { role: 'class', name: node.childForFieldName('name')?.text ?? '', body };
    }
  },
  docstring: (_node, _source, anchor) => rustDoc(anchor),
};
