import type { EntityKind } from '@codesearch/core';
import type Parser from 'tree-sitter';
import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanBlockDoc, cleanLineDocs, commentsAbove } from './comments.js';

const ATTRIBUTES = new Set(['attribute_item']);
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;
const CLASS_KINDS: Readonly<Record<string, EntityKind>> = {
  struct_item: 'struct',
  union_item: 'struct',
  enum_item: 'enum',
  trait_item: 'trait',
};

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

// A macro invocation's tokens that read as items: `{ pub fn …`, `{ #[cfg(…)] impl …`.
const ITEMS_START =
  /^[{([]\s*(?:#!?\[|pub\b|fn\b|async\b|unsafe\b|const\b|impl\b|struct\b|enum\b|trait\b|mod\b|static\b|type\b|use\b|\/\/\/)/;

/**
 * The source with only the contents of top-level macro invocations that wrap items kept
 * (`cfg_feature! { pub fn f() {} }`): every other character but line breaks becomes a space.
 */
function itemsInMacros(tree: Parser.Tree, source: string): string | undefined {
  const ranges: [number, number][] = [];
  for (const node of tree.rootNode.namedChildren) {
    // A statement-position invocation is an expression_statement in some grammar versions.
    const invocation = node.type === 'expression_statement' ? node.firstNamedChild : node;
    if (invocation?.type !== 'macro_invocation') continue;
    const tokens = invocation.lastNamedChild;
    if (
      tokens?.type !== 'token_tree' ||
      !ITEMS_START.test(source.slice(tokens.startIndex, tokens.startIndex + 40))
    )
      continue;
    ranges.push([tokens.startIndex + 1, tokens.endIndex - 1]);
  }
  if (ranges.length === 0) return undefined;
  let masked = '';
  let position = 0;
  for (const [start, end] of ranges) {
    masked += source.slice(position, start).replace(/[^\n]/g, ' ') + source.slice(start, end);
    position = end;
  }
  return masked + source.slice(position).replace(/[^\n]/g, ' ');
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
    'const_item',
    'static_item',
    'type_item',
    'macro_definition',
  ],
  decoratorTypes: ATTRIBUTES,
  importTypes: new Set(['use_declaration', 'extern_crate_declaration', 'mod_item']),
  elision: '{ … }',
  itemsInMacros,
  describe(node) {
    const body = node.childForFieldName('body');
    const name = node.childForFieldName('name')?.text ?? '';
    switch (node.type) {
      case 'impl_item':
        return { role: 'scope', name: implTypeName(node), classLike: true, body };
      case 'mod_item':
        // `mod parser;` is an import, left to the code chunks; `mod tests { … }` a module.
        return body ? { role: 'scope', kind: 'module', name, classLike: false, body } : undefined;
      case 'function_item':
      case 'function_signature_item':
        return { role: 'function', name, body };
      case 'const_item':
      case 'static_item':
      case 'type_item': {
        // `type Item = u8;` in a trait impl is boilerplate of the impl, left to its code chunk.
        if (node.type === 'type_item' && node.parent?.parent?.type === 'impl_item') return undefined;
        const value = node.childForFieldName(node.type === 'type_item' ? 'type' : 'value');
        const long =
          value !== null &&
          (value.text.length > SHORT_VALUE || value.startPosition.row !== value.endPosition.row);
        const kind = node.type === 'type_item' ? 'type' : 'constant';
        return { role: 'scope', kind, name, classLike: false, ...(long ? { body: value } : {}) };
      }
      case 'macro_definition': {
        // `macro_rules! name { … }`: the signature stops before the rules.
        const rules = node.children.find(
          (child) => child.type === '{' || child.type === '(' || child.type === '[',
        );
        return { role: 'scope', kind: 'macro', name, classLike: false, body: rules };
      }
      default:
        // struct, enum, union, trait: the type-like definitions; a trait's functions are methods.
        return { role: 'class', kind: CLASS_KINDS[node.type] ?? 'class', name, body };
    }
  },
  docstring: (_node, _source, anchor) => rustDoc(anchor),
};
