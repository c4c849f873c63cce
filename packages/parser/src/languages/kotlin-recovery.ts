import type Parser from 'tree-sitter';
import type { SyntaxNode } from '../extract.js';

/** A line that starts a top-level declaration, its doc comment or its annotation (column 0). */
const TOP_LEVEL_START =
  /^(?=\/\*\*|@|(?:public|private|internal|protected|fun|class|object|interface|val|var|typealias|inline|suspend|data|sealed|enum|abstract|open|const|annotation|expect|actual|operator|infix|tailrec|value)\b)/gm;

/** The first top-level declaration line starting at or after `from`, before `to`. */
function nextDeclaration(source: string, from: number, to: number): number | undefined {
  TOP_LEVEL_START.lastIndex = from;
  const match = TOP_LEVEL_START.exec(source);
  return match !== null && match.index < to ? match.index : undefined;
}

/**
 * Where tree-sitter-kotlin gives up on a syntax error (a `suspend = { … }` named argument, an
 * annotated primary constructor on its own line), the declarations after it are lost: flat
 * tokens in an ERROR node, or text in no node at all after the root's last child. This returns
 * the source with only those stretches kept — from the first top-level declaration line after
 * the last definition tree-sitter still recognised there — and everything else blanked (line
 * breaks kept, so offsets and lines stay the file's), to be parsed again; undefined when there
 * is nothing to recover. `definitionTypes` are the node types already taken as definitions.
 */
export function textAfterErrors(
  tree: Parser.Tree,
  source: string,
  definitionTypes: readonly string[],
): string | undefined {
  const root = tree.rootNode;
  if (!root.hasError) return undefined;
  const ranges: [number, number][] = [];
  const recover = (error: SyntaxNode, end: number): void => {
    // After the definitions found inside the error (they are units already), from the next line.
    const found = error.descendantsOfType(definitionTypes as string[]);
    let from = error.startIndex;
    for (const node of found) from = Math.max(from, node.endIndex);
    const lineEnd = source.indexOf('\n', from);
    if (lineEnd === -1) return;
    const start = nextDeclaration(source, lineEnd + 1, end);
    if (start !== undefined) ranges.push([start, end]);
  };
  if (root.type === 'ERROR') {
    recover(root, source.length);
  } else {
    for (const child of root.namedChildren) if (child.type === 'ERROR') recover(child, child.endIndex);
    // Text after the last node belongs to none.
    const lastEnd = root.lastChild?.endIndex ?? 0;
    const start = nextDeclaration(source, lastEnd, source.length);
    if (start !== undefined && (ranges.length === 0 || ranges[ranges.length - 1]![1] <= start))
      ranges.push([start, source.length]);
  }
  if (ranges.length === 0) return undefined;
  let masked = '';
  let position = 0;
  for (const [start, end] of ranges) {
    if (start < position) continue;
    masked += source.slice(position, start).replace(/[^\n]/g, ' ') + source.slice(start, end);
    position = end;
  }
  return masked + source.slice(position).replace(/[^\n]/g, ' ');
}
