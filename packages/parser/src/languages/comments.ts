import { COMMENT_TYPES, type SyntaxNode } from '../extract.js';

/** Last row with text in a comment: Rust's `///` comments include their line break. */
function lastTextRow(comment: SyntaxNode): number {
  const end = comment.endPosition;
  return end.column === 0 && end.row > comment.startPosition.row ? end.row - 1 : end.row;
}

/**
 * The comments written directly above `anchor` (no blank line between them or before the
 * declaration), nearest last. Decorator-like siblings in between are stepped over.
 */
export function commentsAbove(anchor: SyntaxNode, skipTypes: ReadonlySet<string>): SyntaxNode[] {
  const comments: SyntaxNode[] = [];
  let nextRow = anchor.startPosition.row;
  let sibling = anchor.previousNamedSibling;
  while (sibling) {
    if (skipTypes.has(sibling.type)) {
      nextRow = sibling.startPosition.row;
    } else if (COMMENT_TYPES.has(sibling.type) && lastTextRow(sibling) >= nextRow - 1) {
      // A trailing comment on the previous statement's line belongs to that statement.
      const before = sibling.previousSibling;
      if (before && !COMMENT_TYPES.has(before.type) && before.endPosition.row === sibling.startPosition.row)
        break;
      comments.unshift(sibling);
      nextRow = sibling.startPosition.row;
    } else {
      break;
    }
    sibling = sibling.previousNamedSibling;
  }
  return comments;
}

/** `/** … *\/` → its text without the markers and the leading `*` of each line. */
export function cleanBlockDoc(text: string): string {
  const inner = text.replace(/^\/\*\*+/, '').replace(/\*+\/$/, '');
  const lines = inner.split(/\r?\n/).map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const first = lines[0];
  if (first !== undefined) lines[0] = first.trimStart();
  return lines.join('\n');
}

/** Consecutive `// …` (or `/// …`) lines → their text without the markers. */
export function cleanLineDocs(texts: readonly string[], marker: RegExp): string {
  return texts
    .map((text) => text.replace(marker, '').replace(/^ /, '').trimEnd())
    .join('\n')
    .trim();
}

/** The `/** … *\/` block right above the anchor, cleaned (JSDoc, TSDoc, Javadoc). */
export function blockDocAbove(anchor: SyntaxNode, skipTypes: ReadonlySet<string>): string | undefined {
  const comments = commentsAbove(anchor, skipTypes);
  const last = comments[comments.length - 1];
  if (!last) return undefined;
  const text = last.text;
  if (!text.startsWith('/**') || text.startsWith('/**/')) return undefined;
  return cleanBlockDoc(text) || undefined;
}
