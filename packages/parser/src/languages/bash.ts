import type { LanguageSpec, SyntaxNode } from '../extract.js';
import { commentsAbove } from './comments.js';

const NONE = new Set<string>();
const SOURCE_COMMANDS = new Set(['source', '.']);
// `#!/bin/sh` and `# shellcheck disable=SC2034` are read by programs, not people.
const NOT_DOC = /^#!|^#\s*shellcheck\s/;
// A line of `#`, `-` or `=` only (`##########`, `# ------`) frames a comment block.
const RULE = /^#+\s*(?:[-=#*]{3,}\s*)?$/;

/**
 * The `#` comment lines directly above a function, without their markers. Shebang and
 * shellcheck directives are left out; rules such as `#####` are dropped, a lone `#` keeps a
 * paragraph break.
 */
function bashDoc(anchor: SyntaxNode): string | undefined {
  const lines: string[] = [];
  for (const comment of commentsAbove(anchor, NONE)) {
    const text = comment.text.trimEnd();
    if (NOT_DOC.test(text)) continue;
    if (RULE.test(text)) {
      if (text === '#') lines.push('');
      continue;
    }
    lines.push(text.replace(/^#+ ?/, ''));
  }
  return lines.join('\n').trim() || undefined;
}

export const bash: LanguageSpec = {
  language: 'bash',
  nodeTypes: ['function_definition'],
  decoratorTypes: NONE,
  importTypes: NONE,
  // A chunk is named after the first variable it sets or command it runs.
  chunkNameTypes: new Set(['variable_name', 'command_name']),
  // `source lib.sh` and `. lib.sh` are commands like any other in the grammar.
  isImport: (node) =>
    node.type === 'command' && SOURCE_COMMANDS.has(node.childForFieldName('name')?.text ?? ''),
  elision: '{ … }',
  describe(node) {
    const name = node.childForFieldName('name')?.text ?? '';
    // Bash functions are global wherever they are defined: one defined inside another keeps its
    // own name (it stays in the outer function's lines).
    const nested = node.parent?.type !== 'program';
    return {
      role: 'function',
      name,
      body: node.childForFieldName('body'),
      ...(nested ? { ownerName: '', method: false } : {}),
    };
  },
  docstring: (_node, _source, anchor) => bashDoc(anchor),
};
