import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { cleandoc } from '../text-utils.js';
import { commentsAbove } from './comments.js';

const NONE = new Set<string>();
/** Definitions of functions (`defmacro` too: a function the compiler calls). */
const FUNCTION_MACROS = new Set([
  'def',
  'defp',
  'defmacro',
  'defmacrop',
  'defguard',
  'defguardp',
  'defdelegate',
  'defn',
  'defnp',
]);
const ATTRIBUTES = new Set(['unary_operator']);
const DECORATOR_ATTRIBUTES = new Set(['spec', 'impl', 'deprecated']);
const IMPORT_MACROS = new Set(['alias', 'import', 'require', 'use']);
const DEFINING = new Set([...FUNCTION_MACROS, 'defmodule', 'defprotocol', 'defimpl', 'test']);
/** The longest of the names above, to read a call's target without making nodes for most calls. */
const LONGEST_KEYWORD = 'defprotocol'.length;

/** The identifier a call starts with (`def` of `def f(x)`), read from the source. */
function targetKeyword(node: SyntaxNode, source: string): string {
  const start = node.startIndex;
  let end = start;
  const stop = Math.min(source.length, start + LONGEST_KEYWORD + 1);
  while (end < stop && isIdentifierChar(source.charCodeAt(end))) end++;
  return source.slice(start, end);
}

function isIdentifierChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

/** `f(x)`, `f(x) when x > 0`, `f`, `a + b`: the name of the function a clause head defines. */
function headName(head: SyntaxNode | null): string {
  let node = head;
  for (let depth = 0; node && depth < 4; depth++) {
    switch (node.type) {
      case 'identifier':
        return node.text;
      case 'call':
        node = node.childForFieldName('target');
        break;
      case 'binary_operator': {
        const operator = node.childForFieldName('operator')?.text ?? '';
        if (operator !== 'when') return operator;
        node = node.childForFieldName('left');
        break;
      }
      default:
        return '';
    }
  }
  return '';
}

/** A call's arguments (not a field in the grammar): the node right after its target. */
function argumentsOf(call: SyntaxNode): SyntaxNode | null {
  const second = call.child(1);
  return second?.type === 'arguments' ? second : null;
}

/** The call's `do … end` block, if it has one (its last child). */
function doBlock(node: SyntaxNode): SyntaxNode | null {
  const last = node.lastChild;
  return last?.type === 'do_block' ? last : null;
}

/** The name of the module a call is in (`defimpl P` without `for:` implements P for it). */
function enclosingModule(node: SyntaxNode, source: string): string {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.type === 'call' && targetKeyword(parent, source) === 'defmodule')
      return argumentsOf(parent)?.firstNamedChild?.text ?? '';
  }
  return '';
}

/** `for: Map` among a `defimpl`'s arguments. */
function implementedFor(argumentsNode: SyntaxNode): string | undefined {
  const keywords = argumentsNode.namedChildren.find((child) => child.type === 'keywords');
  for (const pair of keywords?.namedChildren ?? []) {
    if (pair.childForFieldName('key')?.text.replace(/:\s*$/, '') === 'for')
      return pair.childForFieldName('value')?.text;
  }
  return undefined;
}

/** The attribute an `@name value` node sets, or undefined for any other node. */
function attributeName(node: SyntaxNode): string | undefined {
  if (node.type !== 'unary_operator') return undefined;
  const operand = node.childForFieldName('operand');
  if (node.text[0] !== '@' || !operand) return undefined;
  if (operand.type === 'identifier') return operand.text;
  return operand.type === 'call' ? operand.childForFieldName('target')?.text : undefined;
}

/** The text of `@doc "…"`, `@doc """…"""`, `@doc ~S"""…"""`; undefined for `@doc false`. */
function attributeDoc(attribute: SyntaxNode): string | undefined {
  const operand = attribute.childForFieldName('operand');
  const value = operand ? argumentsOf(operand)?.firstNamedChild : undefined;
  if (!value || (value.type !== 'string' && value.type !== 'sigil')) return undefined;
  const text = value.text
    .replace(/^~[a-zA-Z]/, '')
    .replace(/^("""|'''|"|')/, '')
    .replace(/("""|'''|"|')[a-zA-Z]*$/, '');
  return cleandoc(text) || undefined;
}

/**
 * The `@doc` among the attributes (`@doc`, `@spec`, `@impl`, …) and comments right before a
 * definition, else the `#` comments directly above it (what a `defp`, which takes no `@doc`, has).
 */
function functionDoc(node: SyntaxNode): string | undefined {
  for (let sibling = node.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling) {
    if (sibling.type === 'comment') continue;
    const name = attributeName(sibling);
    if (name === undefined) break;
    if (name === 'doc') return attributeDoc(sibling);
  }
  return commentDoc(node);
}

function commentDoc(node: SyntaxNode): string | undefined {
  const lines = commentsAbove(node, NONE).map((comment) => comment.text.replace(/^#+ ?/, '').trimEnd());
  return lines.join('\n').trim() || undefined;
}

/** A module's `@moduledoc` (the first one in its body), else the `#` comments above it. */
function moduleDoc(node: SyntaxNode): string | undefined {
  const block = doBlock(node);
  for (const child of block?.namedChildren ?? []) {
    if (attributeName(child) === 'moduledoc') return attributeDoc(child);
  }
  return commentDoc(node);
}

export const elixir: LanguageSpec = {
  language: 'elixir',
  // Everything is a call: `describe` keeps those whose target is a defining macro.
  nodeTypes: ['call'],
  // Module attributes: `@spec`, `@impl` and `@deprecated` right above a clause are its decorators;
  // `@doc` (its docstring) and other attributes are stepped over, and attach to it like comments.
  decoratorTypes: ATTRIBUTES,
  isDecorator: (node) => DECORATOR_ATTRIBUTES.has(attributeName(node) ?? ''),
  importTypes: NONE,
  isImport: (node, source) => node.type === 'call' && IMPORT_MACROS.has(targetKeyword(node, source)),
  elision: '…',
  describe(node, source): Definition | undefined {
    const keyword = targetKeyword(node, source);
    if (!DEFINING.has(keyword)) return undefined;
    const target = node.firstChild;
    if (target?.type !== 'identifier' || target.endIndex - target.startIndex !== keyword.length)
      return undefined;
    const argumentsNode = argumentsOf(node);
    const head = argumentsNode?.firstNamedChild ?? null;
    if (!argumentsNode || !head) return undefined;
    const body = doBlock(node);
    if (keyword === 'test') {
      // ExUnit's `test "pops the top" do … end`: named as written, apart from functions.
      if (!body || (head.type !== 'string' && head.type !== 'sigil')) return undefined;
      return { role: 'function', name: source.slice(node.startIndex, head.endIndex), body, method: false };
    }
    if (FUNCTION_MACROS.has(keyword)) {
      // `def f(x), do: x`: the keyword list is the body, so the signature is `def f(x)` (as a
      // block's is the head up to `do`), and the line's code is what follows it.
      const inline = body ? null : argumentsNode.lastNamedChild;
      const keywordBody = inline?.type === 'keywords' && inline !== head ? inline : null;
      const functionBody = body ?? keywordBody;
      return { role: 'function', name: headName(head), ...(functionBody ? { body: functionBody } : {}) };
    }
    if (!body) return undefined;
    if (keyword === 'defimpl') {
      // `defimpl Size, for: Map` defines the module `Size.Map`, wherever it is written.
      const forName = implementedFor(argumentsNode) ?? enclosingModule(node, source);
      return { role: 'scope', name: `${head.text}.${forName}`, ownerName: '', classLike: true, body };
    }
    // `defmodule A.B` names a dotted module itself; nested in `A`, `defmodule B` is `A.B` too.
    return keyword === 'defprotocol'
      ? { role: 'class', kind: 'interface', name: head.text, body }
      : { role: 'scope', kind: 'module', name: head.text, classLike: false, body };
  },
  docstring(node, _source, _anchor, definition) {
    return definition.role === 'function' ? functionDoc(node) : moduleDoc(node);
  },
};
