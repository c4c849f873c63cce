import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleanBlockDoc, cleanLineDocs, commentsAbove } from './comments.js';

const NONE = new Set<string>();
/** Declarations longer than this (or on several lines) leave their value out of the signature. */
const SHORT_DECLARATION = 100;

/** `func (s *Server[T]) Handle()` → `Server`. Read from the tree: Go names may be non-ASCII. */
function receiverTypeName(node: SyntaxNode): string | undefined {
  let type = node.childForFieldName('receiver')?.firstNamedChild?.childForFieldName('type');
  while (type && type.type !== 'type_identifier') {
    // pointer_type → its element; generic_type → its `type`; qualified_type → its `name`.
    type =
      type.type === 'pointer_type'
        ? type.firstNamedChild
        : (type.childForFieldName('type') ?? type.childForFieldName('name'));
  }
  return type?.text;
}

/** Where a struct's or an interface's body starts: its `{`. */
function typeBody(type: SyntaxNode | null): SyntaxNode | null | undefined {
  return type?.children.find((child) => child.type === 'field_declaration_list' || child.type === '{');
}

// `//go:noinline`, `//line x.go:1`, `//export F`: directives, which go/doc leaves out of the doc.
const GO_DIRECTIVE = /^\/\/(?:[a-z0-9]+:[a-z0-9]|line |export |extern )/;

/** Go doc comments: the `//` lines (or one block) directly above the declaration. */
function goDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, NONE);
  if (comments.length === 0) return undefined;
  const last = comments[comments.length - 1]!;
  if (last.text.startsWith('/*')) return cleanBlockDoc(last.text.replace(/^\/\*/, '/**')) || undefined;
  const lines = comments
    .map((comment) => comment.text)
    .filter((text) => text.startsWith('//') && !GO_DIRECTIVE.test(text));
  return cleanLineDocs(lines, /^\/\/+/) || undefined;
}

export const go: LanguageSpec = {
  language: 'go',
  nodeTypes: [
    'function_declaration',
    'method_declaration',
    'type_spec',
    'type_alias',
    'method_elem',
    'const_declaration',
    'var_declaration',
  ],
  decoratorTypes: NONE,
  importTypes: new Set(['package_clause', 'import_declaration']),
  elision: '{ … }',
  describe(node) {
    if (node.type === 'const_declaration' || node.type === 'var_declaration') {
      // Top-level only; a grouped `const ( … )` is one unit, named after its first name.
      if (node.parent?.type !== 'source_file') return undefined;
      const spec = node.descendantsOfType(node.type === 'const_declaration' ? 'const_spec' : 'var_spec')[0];
      const name = spec?.childForFieldName('name')?.text ?? '';
      const grouped = node.child(1)?.type === '(' || node.child(1)?.type === 'var_spec_list';
      const long = node.text.length > SHORT_DECLARATION || node.startPosition.row !== node.endPosition.row;
      return {
        role: 'scope',
        kind: node.type === 'const_declaration' ? 'constant' : 'variable',
        name,
        classLike: false,
        // `const ( … )`: the signature is its first spec; a long single one stops before its value.
        ...(grouped && spec
          ? { body: spec.nextSibling, signatureStart: spec.startIndex, signaturePrefix: node.child(0)!.text }
          : long
            ? { body: spec?.childForFieldName('value') }
            : {}),
      };
    }
    const name = node.childForFieldName('name')?.text ?? '';
    if (node.type === 'type_spec' || node.type === 'type_alias') {
      // `type Foo struct`: the source starts at `type` when the declaration holds this spec alone;
      // in a grouped `type ( … )` it is the spec's own text, and `type` is added to the signature.
      const declaration = node.parent;
      const alone = declaration?.type === 'type_declaration' && declaration.child(1)?.type !== '(';
      const type = node.childForFieldName('type');
      if (type?.type !== 'struct_type' && type?.type !== 'interface_type') {
        return {
          role: 'scope',
          kind: 'type',
          name,
          classLike: false,
          signaturePrefix: 'type',
          body: typeBody(type),
          ...(alone ? { sourceStart: declaration.startIndex } : {}),
        };
      }
      return {
        role: 'class',
        kind: type.type === 'struct_type' ? 'struct' : 'interface',
        name,
        body: typeBody(type),
        signaturePrefix: 'type',
        ...(alone ? { sourceStart: declaration.startIndex } : {}),
      };
    }
    if (node.type === 'method_elem') {
      // A method of a named interface type (`type Reader interface { Read(…) }`): a method of it.
      // Interfaces written inline (a parameter's `interface{ … }`) are not types of their own.
      if (node.parent?.type !== 'interface_type' || node.parent.parent?.type !== 'type_spec')
        return undefined;
      return { role: 'function', name };
    }
    const body = node.childForFieldName('body');
    if (node.type === 'method_declaration')
      return { role: 'function', name, body, ownerName: receiverTypeName(node) ?? '' };
    return { role: 'function', name, body };
  },
  attachmentAnchor(node) {
    // `type Foo struct {…}` alone: the comment is above the `type` keyword (the type_declaration).
    const parent = node.parent;
    if (
      (node.type === 'type_spec' || node.type === 'type_alias') &&
      parent?.type === 'type_declaration' &&
      parent.namedChildCount === 1
    )
      return parent;
    return node;
  },
  docstring: (_node, _source, anchor) => goDoc(anchor),
};
