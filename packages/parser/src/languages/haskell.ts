import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { cleandoc } from '../text-utils.js';

const PRAGMAS = new Set(['pragma']);
const COMMENTS = new Set(['comment', 'haddock']);
/** What may stand between a function's signature and equations: comments, pragmas, `#if` lines. */
const BETWEEN = new Set([...COMMENTS, ...PRAGMAS, 'cpp']);
/** Where definitions are members: a module's top level, a class, an instance. */
const DECLARATION_LISTS = new Set(['declarations', 'class_declarations', 'instance_declarations']);
/** The nodes of a function: its type signature and its equations (`f x = …` or `x = …`). */
const EQUATIONS = new Set(['function', 'bind']);
/** Values longer than this (or on several lines) are left out of a declaration's signature. */
const SHORT_VALUE = 80;

/** The first child of `node` of this type (a keyword such as `where` or `=`), read with a cursor. */
function childOfType(node: SyntaxNode, type: string): SyntaxNode | undefined {
  const cursor = node.walk();
  if (!cursor.gotoFirstChild()) return undefined;
  do {
    if (cursor.nodeType === type) return cursor.currentNode;
  } while (cursor.gotoNextSibling());
  return undefined;
}

/** `(<+>)` → `<+>`: a signature names an operator in parentheses, its equations infix. */
function bare(name: string): string {
  return name.startsWith('(') && name.endsWith(')') ? name.slice(1, -1).trim() : name;
}

/** The name a signature, an equation or a binding defines (the first one of `a, b :: Int`). */
function bindingName(node: SyntaxNode): string {
  if (node.type === 'signature') {
    const name = node.childForFieldName('name') ?? node.childForFieldName('names')?.firstNamedChild;
    return bare(name?.text ?? '');
  }
  const name = node.childForFieldName('name');
  if (name) return bare(name.text);
  // `a <+> b = …`: an operator defined infix.
  const infix = node.firstNamedChild;
  return infix?.type === 'infix' ? bare(infix.childForFieldName('operator')?.text ?? '') : '';
}

/** The previous named sibling that is not a comment, a pragma or a CPP line. */
function previousDeclaration(node: SyntaxNode): SyntaxNode | null {
  let sibling = node.previousNamedSibling;
  while (sibling && BETWEEN.has(sibling.type)) sibling = sibling.previousNamedSibling;
  return sibling;
}

/** `{-# INLINE f #-}`, `{-# SPECIALIZE (<+>) :: … #-}`: a pragma about the function `name`. */
function isPragmaFor(node: SyntaxNode, name: string): boolean {
  if (!PRAGMAS.has(node.type)) return false;
  const text = node.text;
  const at = text.indexOf(name, 3);
  if (at === -1) return false;
  const before = text[at - 1] ?? ' ';
  const after = text[at + name.length] ?? ' ';
  return /[\s(,]/.test(before) && /[\s),:]/.test(after);
}

/**
 * The last node of the function `name` after `node`: its equations (comments, pragmas and CPP
 * lines between them allowed: the `#if` branches of one function are one unit), then the pragmas
 * about it (`{-# INLINE f #-}` is usually written after `f`).
 */
function lastEquation(node: SyntaxNode, name: string): SyntaxNode | undefined {
  let last: SyntaxNode | undefined;
  for (let sibling = node.nextNamedSibling; sibling; sibling = sibling.nextNamedSibling) {
    if (EQUATIONS.has(sibling.type) && bindingName(sibling) === name) {
      last = sibling;
      continue;
    }
    if (isPragmaFor(sibling, name)) {
      last = sibling;
      continue;
    }
    if (BETWEEN.has(sibling.type)) continue;
    break;
  }
  return last;
}

/** `#if …`, `#ifdef …`: a CPP conditional opening right above a definition belongs to it. */
function isCppOpening(node: SyntaxNode): boolean {
  return node.type === 'cpp' && node.text.startsWith('#if');
}

/**
 * The pragmas about the function and the `#if` lines right above it (`{-# INLINE f #-}` then
 * `f :: …`): its anchor, where its Haddock comment is looked for and its lines start.
 */
function pragmasAbove(node: SyntaxNode, name: string): SyntaxNode {
  let anchor = node;
  for (let sibling = node.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling) {
    if (!(isPragmaFor(sibling, name) || isCppOpening(sibling))) break;
    if (sibling.endPosition.row < anchor.startPosition.row - 1) break;
    anchor = sibling;
  }
  return anchor;
}

/** `instance Show (Tree a)` → `Tree`: the first type pattern with a constructor (else the class). */
function instanceTypeName(node: SyntaxNode): string {
  for (const pattern of node.childForFieldName('patterns')?.namedChildren ?? []) {
    let type: SyntaxNode | null = pattern;
    for (let depth = 0; type && depth < 8; depth++) {
      if (type.type === 'name' || type.type === 'qualified') return type.text;
      if (type.type === 'list') return '[]';
      if (type.type === 'parens') type = type.childForFieldName('type') ?? type.firstNamedChild;
      else if (type.type === 'apply') type = type.childForFieldName('constructor');
      else break;
    }
  }
  return node.childForFieldName('name')?.text ?? '';
}

/** How many constructors a `data` declaration has (`A | B`, or the GADT's). */
function constructorCount(node: SyntaxNode): number {
  const constructors = node.childForFieldName('constructors');
  if (!constructors) return 0;
  let count = 0;
  const cursor = constructors.walk();
  if (cursor.gotoFirstChild()) {
    do {
      if (cursor.nodeType === 'data_constructor' || cursor.nodeType === 'gadt_constructor') count++;
    } while (cursor.gotoNextSibling() && count < 2);
  }
  return count;
}

/**
 * The Haddock comment written directly above `anchor` (pragmas and `#if` lines stepped over): a
 * `-- |` or `{- |` comment and the comment lines after it (with CRLF line endings, the grammar
 * ends a Haddock comment at an empty `--` line and makes the rest plain comments).
 */
function haddockAbove(anchor: SyntaxNode): string | undefined {
  let nextRow = anchor.startPosition.row;
  let sibling = anchor.previousNamedSibling;
  const parent = anchor.parent;
  if (!sibling && parent && DECLARATION_LISTS.has(parent.type)) {
    // The comment above the first declaration of a list belongs to the node before the list:
    // the imports or the module header, or it is a child of the class itself.
    sibling = parent.previousNamedSibling;
    if (sibling && !COMMENTS.has(sibling.type) && !PRAGMAS.has(sibling.type) && !isCppOpening(sibling))
      sibling = sibling.lastNamedChild;
  }
  while (
    sibling &&
    (PRAGMAS.has(sibling.type) || isCppOpening(sibling)) &&
    sibling.endPosition.row >= nextRow - 1
  ) {
    nextRow = sibling.startPosition.row;
    sibling = sibling.previousNamedSibling;
  }
  const block: string[] = [];
  while (sibling && COMMENTS.has(sibling.type) && sibling.endPosition.row >= nextRow - 1) {
    const text = sibling.text;
    block.unshift(text);
    if (text.startsWith('{-')) {
      if (!/^\{-\s*\|/.test(text)) return undefined;
      return cleandoc(text.replace(/^\{-\s*\|?/, '').replace(/-\}$/, '')).trim() || undefined;
    }
    // `-- |` documents what follows; `-- ^` what precedes, `-- $` and `-- *` are sections.
    if (/^--\s*\|/.test(text)) {
      const lines = block
        .join('\n')
        .split(/\r?\n/)
        .map((line) => line.replace(/^\s*--\s?/, '').trimEnd());
      lines[0] = lines[0]!.replace(/^\s*\|\s?/, '');
      return lines.join('\n').trim() || undefined;
    }
    nextRow = sibling.startPosition.row;
    sibling = sibling.previousNamedSibling;
  }
  return undefined;
}

function describeBinding(node: SyntaxNode): Definition | undefined {
  const name = bindingName(node);
  if (name === '') return undefined;
  if (node.type !== 'signature') {
    // An equation after the signature or a first equation of the same name is part of that unit.
    const previous = previousDeclaration(node);
    if (
      previous &&
      (previous.type === 'signature' || EQUATIONS.has(previous.type)) &&
      bindingName(previous) === name
    )
      return undefined;
  }
  // A signature's own text is its signature (its equations are the body); an equation's, its
  // patterns up to `=` or the guards.
  let body: SyntaxNode | undefined;
  if (node.type === 'signature') {
    // Right after it only: the signature is the text before the body (no `#if` line in it).
    const next = node.nextNamedSibling;
    if (next && EQUATIONS.has(next.type) && bindingName(next) === name) body = next;
  } else {
    body = node.childForFieldName('match') ?? undefined;
  }
  return { role: 'function', name, ...(body ? { body, bodyToEnd: true } : {}) };
}

export const haskell: LanguageSpec = {
  language: 'haskell',
  nodeTypes: [
    'signature',
    'function',
    'bind',
    'data_type',
    'newtype',
    'type_synomym',
    'type_family',
    'data_family',
    'class',
    'instance',
    'foreign_import',
  ],
  // Pragmas about a function (`{-# INLINE f #-}`) go with its lines, not as decorators: one
  // written after a function would be taken for one of the next function's.
  decoratorTypes: new Set<string>(),
  importTypes: new Set(['header', 'imports', 'import']),
  // `makeLenses ''Config` is the chunk `makeLenses`.
  chunkNameTypes: new Set(['variable', 'name']),
  // A module's declarations are one node: the code between the definitions (fixity
  // declarations, Template Haskell splices, section comments) makes chunks of its own.
  chunkThroughTypes: new Set(['declarations']),
  elision: '…',
  describe(node): Definition | undefined {
    if (!DECLARATION_LISTS.has(node.parent?.type ?? '')) return undefined;
    const name = node.childForFieldName('name')?.text ?? '';
    switch (node.type) {
      case 'signature':
      case 'function':
      case 'bind':
        return describeBinding(node);
      case 'foreign_import': {
        // `foreign import ccall "sin" c_sin :: Double -> Double`: a function without equations.
        const signature = node.childForFieldName('signature');
        return signature ? { role: 'function', name: bindingName(signature) } : undefined;
      }
      case 'data_type':
      case 'newtype':
        // A sum type (two constructors or more) is an enum; a product or a newtype, a struct.
        return {
          role: 'class',
          kind: node.type === 'data_type' && constructorCount(node) > 1 ? 'enum' : 'struct',
          name,
          body: childOfType(node, '=') ?? childOfType(node, 'where'),
        };
      case 'class':
        return { role: 'class', kind: 'trait', name, body: childOfType(node, 'where') };
      case 'instance':
        // `instance Show Tree where show = …`: the method `Tree.show`, as a Rust impl's.
        return { role: 'scope', name: instanceTypeName(node), classLike: true };
      default: {
        // `type Name = String`, `type family F a`: a type; a long right-hand side left out.
        const value = node.childForFieldName('type');
        const long =
          value !== null &&
          (value.endIndex - value.startIndex > SHORT_VALUE ||
            value.startPosition.row !== value.endPosition.row);
        return { role: 'scope', kind: 'type', name, classLike: false, ...(long ? { body: value } : {}) };
      }
    }
  },
  definitionEnd(node) {
    if (node.type !== 'signature' && !EQUATIONS.has(node.type)) return undefined;
    const last = lastEquation(node, bindingName(node));
    return last ? { row: last.endPosition.row, index: last.endIndex } : undefined;
  },
  attachmentAnchor(node) {
    return node.type === 'signature' || EQUATIONS.has(node.type)
      ? pragmasAbove(node, bindingName(node))
      : node;
  },
  docstring: (_node, _source, anchor) => haddockAbove(anchor),
};
