import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanLineDocs, cleanBlockDoc, commentsAbove } from './comments.js';

const NONE = new Set<string>();

/** `func (s *Server[T]) Handle()` → `Server`. */
function receiverTypeName(node: SyntaxNode): string | undefined {
  const receiver = node.childForFieldName('receiver');
  const match = receiver ? /\*?\s*([A-Za-z_][\w]*)\s*(\[[^\]]*\])?\s*\)\s*$/.exec(receiver.text) : null;
  return match?.[1];
}

/** Go doc comments: the `//` lines (or one block) directly above the declaration. */
function goDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, NONE);
  if (comments.length === 0) return undefined;
  const last = comments[comments.length - 1]!;
  if (last.text.startsWith('/*')) return cleanBlockDoc(last.text.replace(/^\/\*/, '/**')) || undefined;
  const lines = comments.filter((comment) => comment.text.startsWith('//')).map((comment) => comment.text);
  return cleanLineDocs(lines, /^\/\/+/) || undefined;
}

export const go: LanguageSpec = {
  language: 'go',
  nodeTypes: ['function_declaration', 'method_declaration', 'type_spec'],
  decoratorTypes: NONE,
  describe(node) {
    const name = node.childForFieldName('name')?.text ?? '';
    if (node.type === 'type_spec') {
      const type = node.childForFieldName('type');
      if (type?.type !== 'struct_type' && type?.type !== 'interface_type') return undefined;
      const body = type?.namedChildren.find((child) => child.type.endsWith('_list')) ?? type?.lastChild;
      return { role: 'class', name, body };
    }
    const body = node.childForFieldName('body');
    if (node.type === 'method_declaration') return { role: 'function', name, body, ownerName: receiverTypeName(node) ?? '' };
    return { role: 'function', name, body };
  },
  attachmentAnchor(node) {
    // `type Foo struct {…}` alone: the comment is above the `type` keyword (the type_declaration).
    const parent = node.parent;
    if (node.type === 'type_spec' && parent?.type === 'type_declaration' && parent.namedChildCount === 1) return parent;
    return node;
  },
  docstring: (_node, _source, anchor) => goDoc(anchor),
};
