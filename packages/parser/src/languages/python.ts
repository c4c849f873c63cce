import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { cleandoc } from '../text-utils.js';

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Evaluates the escapes of a non-raw string literal body (the ones docstrings use). */
function unescapePython(body: string): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g,
    (whole, sequence: string) => {
      const simple = SIMPLE_ESCAPES[sequence];
      if (simple !== undefined) return simple;
      const head = sequence[0]!;
      let codePoint: number | undefined;
      if (head === 'x' || head === 'u' || head === 'U') codePoint = Number.parseInt(sequence.slice(1), 16);
      else if (/[0-7]/.test(head)) codePoint = Number.parseInt(sequence, 8);
      // `\U00110000` is a SyntaxError in Python; here it stays as written rather than throw.
      if (codePoint !== undefined && codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
      return whole; // unknown escapes (and \N{…}) stay as written
    },
  );
}

/** The value of a `string` node when it is a plain (non-bytes, non-f) string literal. */
function stringLiteralValue(node: SyntaxNode): string | undefined {
  const text = node.text;
  const match = /^([rRuU]{0,2})('''|"""|'|")/.exec(text);
  if (!match) return undefined; // b'' and f'' strings are not docstrings
  const prefix = match[1]!;
  const quote = match[2]!;
  if (!text.endsWith(quote) || text.length < prefix.length + 2 * quote.length) return undefined;
  const body = text.slice(prefix.length + quote.length, text.length - quote.length);
  return /[rR]/.test(prefix) ? body : unescapePython(body);
}

/** `ast.get_docstring`: the first statement of the body, when it is a string literal. */
function pythonDocstring(body: SyntaxNode | null | undefined): string | undefined {
  if (!body) return undefined;
  let first: SyntaxNode | null = body.firstNamedChild;
  while (first && first.type === 'comment') first = first.nextNamedSibling;
  if (first?.type !== 'expression_statement' || first.namedChildCount !== 1) return undefined;
  const expression = first.firstNamedChild;
  let value: string | undefined;
  if (expression?.type === 'string') value = stringLiteralValue(expression);
  else if (expression?.type === 'concatenated_string') {
    const parts = expression.namedChildren.map(stringLiteralValue);
    if (parts.every((part) => part !== undefined)) value = parts.join('');
  }
  if (value === undefined) return undefined;
  return cleandoc(value) || undefined;
}

const UPPER_CASE = /^_*[A-Z][A-Z0-9_]*$/;

/** `MAX_SIZE = 10` or `MAX_SIZE: int = 10` at module level: its assignment, else undefined. */
function constantAssignment(statement: SyntaxNode): SyntaxNode | undefined {
  if (statement.namedChildCount !== 1) return undefined;
  const assignment = statement.firstNamedChild;
  if (assignment?.type !== 'assignment') return undefined;
  const left = assignment.childForFieldName('left');
  return left?.type === 'identifier' && UPPER_CASE.test(left.text) ? assignment : undefined;
}

/** Values longer than this are left out of a constant's signature. */
const SHORT_VALUE = 80;

export const python: LanguageSpec = {
  language: 'python',
  nodeTypes: ['function_definition', 'class_definition'],
  endAtLastCode: true,
  decoratorTypes: new Set(['decorator']),
  decoratorWrapper: 'decorated_definition',
  importTypes: new Set(['import_statement', 'import_from_statement', 'future_import_statement']),
  elision: '...',
  topLevelCandidate: (node) => node.type === 'expression_statement' && constantAssignment(node) !== undefined,
  describe(node) {
    if (node.type === 'expression_statement') {
      const assignment = constantAssignment(node)!;
      const value = assignment.childForFieldName('right');
      const long = value !== null && (value.text.length > SHORT_VALUE || value.text.includes('\n'));
      return {
        role: 'scope',
        kind: 'constant',
        name: assignment.childForFieldName('left')!.text,
        classLike: false,
        ...(long ? { body: value } : {}),
      };
    }
    const name = node.childForFieldName('name')?.text ?? '';
    const body = node.childForFieldName('body');
    return { role: node.type === 'class_definition' ? 'class' : 'function', name, body };
  },
  docstring(node, _source, _anchor, definition) {
    if (node.type === 'expression_statement') return undefined;
    return pythonDocstring(definition.body);
  },
};
