import type { Definition, LanguageSpec, SyntaxNode } from '../extract.js';
import { cleandoc } from '../text-utils.js';

const NO_TYPES: ReadonlySet<string> = new Set();
const UPPER_CASE = /^_*[A-Z][A-Z0-9_]*$/;
/** Values longer than this (or on several lines) are left out of a constant's signature. */
const SHORT_VALUE = 80;

/** `M.util.new` → `M.util`, `new`; `Stack:push` → `Stack`, `push`; a plain name has no owner. */
function splitName(name: SyntaxNode): { owner?: string; name: string; colon: boolean } {
  if (name.type === 'dot_index_expression') {
    return {
      owner: name.childForFieldName('table')?.text ?? '',
      name: name.childForFieldName('field')?.text ?? '',
      colon: false,
    };
  }
  if (name.type === 'method_index_expression') {
    return {
      owner: name.childForFieldName('table')?.text ?? '',
      name: name.childForFieldName('method')?.text ?? '',
      colon: true,
    };
  }
  // `t["key"] = function …` and other computed targets name nothing.
  return { name: name.type === 'identifier' ? name.text : '', colon: false };
}

/** A function named `M.f` (or `M:f`): owned by `M`, a method only with the colon. */
function namedFunction(nameNode: SyntaxNode, extra: Partial<Definition>): Definition {
  const { owner, name, colon } = splitName(nameNode);
  const definition: Definition = { role: 'function', name, ...extra };
  if (owner === undefined) return definition;
  return { ...definition, ownerName: owner, method: colon };
}

/**
 * The statement or table field a function expression is the value of, and the name it is
 * given: `local f = function`, `M.f = function`, `{ f = function }` (named after the table's
 * own name when it has one); undefined for other function expressions (callbacks).
 */
function functionTarget(
  node: SyntaxNode,
): { anchor: SyntaxNode; name: SyntaxNode; owner?: string } | undefined {
  const parent = node.parent;
  if (!parent) return undefined;
  if (parent.type === 'field') {
    const key = parent.childForFieldName('name');
    if (key?.type !== 'identifier') return undefined;
    const table = parent.parent;
    const owner = table?.type === 'table_constructor' ? tableName(table) : undefined;
    return { anchor: parent, name: key, ...(owner ? { owner } : {}) };
  }
  if (parent.type !== 'expression_list') return undefined;
  const assignment = parent.parent;
  if (assignment?.type !== 'assignment_statement') return undefined;
  const name = nthTarget(assignment, valueIndex(parent, node));
  if (!name) return undefined;
  const declaration = assignment.parent;
  const anchor = declaration?.type === 'variable_declaration' ? declaration : assignment;
  return { anchor, name };
}

/** The position of `value` among the values of an expression list. */
function valueIndex(list: SyntaxNode, value: SyntaxNode): number {
  let index = 0;
  for (let sibling = value.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling)
    if (sibling.type !== 'comment') index++;
  return list.namedChildCount === 1 ? 0 : index;
}

/** The `index`-th assigned name of `a, b = …` (attributes such as `<const>` stepped over). */
function nthTarget(assignment: SyntaxNode, index: number): SyntaxNode | undefined {
  const list = assignment.firstNamedChild;
  if (list?.type !== 'variable_list') return undefined;
  let position = 0;
  for (const child of list.namedChildren) {
    if (child.type === 'attribute' || child.type === 'comment') continue;
    if (position++ === index) return child;
  }
  return undefined;
}

/** The name a table constructor is assigned to (`M.handlers = { … }` → `M.handlers`), when any. */
function tableName(table: SyntaxNode): string | undefined {
  const target = functionTarget(table);
  if (!target) return undefined;
  const { owner, name } = splitName(target.name);
  if (name === '') return undefined;
  const parentName = target.owner ?? owner;
  return parentName ? `${parentName}.${name}` : name;
}

/** `local MAX <const> = 10`, `local MAX = 10`, `MAX = 10` at file level: a constant (not a function). */
function constantName(statement: SyntaxNode): SyntaxNode | undefined {
  const assignment = statement.type === 'variable_declaration' ? statement.firstNamedChild : statement;
  if (assignment?.type !== 'assignment_statement') return undefined;
  const names = assignment.firstNamedChild;
  const values = assignment.lastNamedChild;
  if (names?.type !== 'variable_list' || values?.type !== 'expression_list') return undefined;
  const value = values.firstNamedChild;
  if (names.namedChildCount === 0 || value?.type === 'function_definition') return undefined;
  // `local M = {}`: a module or class table, filled in by the code after it.
  if (value?.type === 'table_constructor' && value.namedChildCount === 0) return undefined;
  const name = names.firstNamedChild!;
  if (name.type !== 'identifier') return undefined;
  const attribute = name.nextNamedSibling;
  const isConst = attribute?.type === 'attribute' && attribute.text === 'const';
  return isConst || UPPER_CASE.test(name.text) ? name : undefined;
}

/** `require "x"`, `local x = require("x")`, `local y = require("x").y`: Lua's imports. */
function isRequire(statement: SyntaxNode): boolean {
  let call: SyntaxNode | null = statement;
  if (statement.type === 'variable_declaration') {
    const values = statement.firstNamedChild?.lastNamedChild;
    call = values?.type === 'expression_list' ? values.firstNamedChild : null;
    // `require("x").field`, `require("x")()`: the call is at the bottom.
    while (call && (call.type === 'dot_index_expression' || call.type === 'function_call')) {
      if (call.type === 'function_call' && call.childForFieldName('name')?.text === 'require') return true;
      call =
        call.type === 'dot_index_expression'
          ? call.childForFieldName('table')
          : call.childForFieldName('name');
    }
    return false;
  }
  return call.type === 'function_call' && call.childForFieldName('name')?.text === 'require';
}

/** A comment's text without its markers: `--- Doc` → `Doc`, `--[[ … ]]` → its lines. */
function commentLines(text: string): { lines: string[]; doc: boolean } {
  const block = /^--\[(=*)\[([\s\S]*)\]\1\]$/.exec(text);
  if (block) return { lines: cleandoc(block[2]!).split('\n'), doc: true };
  const doc = text.startsWith('---') && !text.startsWith('----');
  return { lines: [text.replace(/^---?/, '').replace(/^ /, '').trimEnd()], doc };
}

/** Comment lines scanned above a definition at most (a long `--[[ … ]]` block included). */
const MAX_COMMENT_LINES = 400;

/**
 * The comments written directly above the line at `start` (no blank line between), nearest last,
 * read from the text: asking tree-sitter for a node's previous sibling walks the siblings from
 * the first, and a Lua module has hundreds of top-level statements.
 */
function commentTextsAbove(source: string, start: number): string[] {
  const comments: string[] = [];
  let lineEnd = source.lastIndexOf('\n', start - 1); // the line break ending the line above
  for (let scanned = 0; lineEnd > 0 && scanned < MAX_COMMENT_LINES; scanned++) {
    const lineStart = source.lastIndexOf('\n', lineEnd - 1) + 1;
    const line = source.slice(lineStart, lineEnd).trim();
    if (line.startsWith('--') && !/^--\[=*\[/.test(line)) {
      comments.unshift(line);
      lineEnd = lineStart - 1;
      continue;
    }
    const close = /\](=*)\]$/.exec(line);
    if (!close) break;
    // A block comment: find its `--[[` (with as many `=`) at the start of a line above.
    const opener = new RegExp(`^--\\[${close[1]}\\[`);
    let blockStart = lineStart;
    let found = opener.test(line);
    while (!found && blockStart > 0 && scanned++ < MAX_COMMENT_LINES) {
      blockStart = source.lastIndexOf('\n', blockStart - 2) + 1;
      found = opener.test(source.slice(blockStart, source.indexOf('\n', blockStart)).trim());
    }
    if (!found) break;
    comments.unshift(source.slice(blockStart, lineEnd).trim().replace(/\r/g, ''));
    lineEnd = blockStart - 1;
  }
  return comments;
}

/**
 * LuaDoc / LDoc / EmmyLua: the comment block directly above, from its first `---` line on
 * (`--` lines after it continue it), or a `--[[ … ]]` block comment right above.
 */
function luaDoc(source: string, anchor: SyntaxNode): string | undefined {
  const comments = commentTextsAbove(source, anchor.startIndex);
  let lines: string[] | undefined;
  for (const comment of comments) {
    const { lines: text, doc } = commentLines(comment);
    if (lines) lines.push(...text);
    else if (doc) lines = [...text];
  }
  const last = comments[comments.length - 1];
  if (!lines && last?.startsWith('--[')) lines = commentLines(last).lines;
  const doc = lines?.join('\n').trim();
  return doc || undefined;
}

export const lua: LanguageSpec = {
  language: 'lua',
  nodeTypes: ['function_declaration', 'function_definition'],
  decoratorTypes: NO_TYPES,
  importTypes: NO_TYPES,
  isImport: isRequire,
  // `function f()\n  …\nend`: Lua has no braces, and `...` is Lua code (varargs).
  elision: '…',
  topLevelCandidate: (node) =>
    (node.type === 'variable_declaration' || node.type === 'assignment_statement') &&
    constantName(node) !== undefined,
  attachmentAnchor(node) {
    if (node.type !== 'function_definition') return node;
    return functionTarget(node)?.anchor ?? node;
  },
  describe(node) {
    switch (node.type) {
      case 'function_declaration': {
        const name = node.childForFieldName('name');
        return name ? namedFunction(name, { body: node.childForFieldName('body') }) : undefined;
      }
      case 'function_definition': {
        const target = functionTarget(node);
        if (!target) return undefined;
        const body = node.childForFieldName('body');
        const extra: Partial<Definition> = {
          body,
          signatureStart: target.anchor.startIndex,
          sourceStart: target.anchor.startIndex,
        };
        // A function of a named table is qualified by it: `M.handlers.checkout`.
        if (target.owner)
          return {
            role: 'function',
            name: target.name.text,
            ownerName: target.owner,
            method: false,
            ...extra,
          };
        return namedFunction(target.name, extra);
      }
      default: {
        const name = constantName(node)!;
        const values = (node.type === 'variable_declaration' ? node.firstNamedChild! : node).lastNamedChild!;
        const long =
          values.endIndex - values.startIndex > SHORT_VALUE ||
          values.startPosition.row !== values.endPosition.row;
        return {
          role: 'scope',
          kind: 'constant',
          name: name.text,
          classLike: false,
          ...(long ? { body: values } : {}),
        };
      }
    }
  },
  docstring: (_node, source, anchor) => luaDoc(source, anchor),
};
