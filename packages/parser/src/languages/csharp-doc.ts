import type { SyntaxNode } from '../extract.js';
import { cleanBlockDoc, commentsAbove } from './comments.js';

const NONE: ReadonlySet<string> = new Set();

/** `T:Acme.Invoice` (a cref's kind prefix) → `Acme.Invoice`. */
const reference = (value: string): string => value.replace(/^[A-Z]:/, '');

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML documentation → plain text: the text of `<summary>`, `<remarks>`, `<value>`, `<example>`…
 * without the tags; references (`<see cref="X"/>`, `<paramref name="x"/>`, `<c>x</c>`) as the
 * name they point to; `<param>`, `<typeparam>`, `<returns>` and `<exception>` as Javadoc-like
 * `@param x …`, `@typeparam T …`, `@returns …`, `@throws E …` lines; `<para>` as a paragraph break.
 */
export function cleanXmlDoc(text: string): string {
  const cleaned = text
    .replace(
      /<(?:see|seealso|paramref|typeparamref)\s+(?:cref|name|langword|href)\s*=\s*"([^"]*)"\s*\/>/g,
      (_match, value: string) => reference(value),
    )
    .replace(/<param\s+name\s*=\s*"([^"]*)"\s*>\s*/g, '\n@param $1 ')
    .replace(/<typeparam\s+name\s*=\s*"([^"]*)"\s*>\s*/g, '\n@typeparam $1 ')
    .replace(
      /<exception\s+cref\s*=\s*"([^"]*)"\s*>\s*/g,
      (_match, value: string) => `\n@throws ${reference(value)} `,
    )
    .replace(/<returns>\s*/g, '\n@returns ')
    .replace(/<value>\s*/g, '\n')
    .replace(/<\/?para\s*\/?>|<\/?(?:remarks|example)>/g, '\n\n')
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<\/?[A-Za-z][^<>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|apos);/g, (_match, name: string) => ENTITIES[name]!);
  const lines = cleaned.split('\n').map((line) => line.trimEnd());
  const kept: string[] = [];
  for (const line of lines) {
    // One blank line between paragraphs at most; none where a tag stood alone on its line.
    if (line.trim() === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
    kept.push(line.trim() === '' ? '' : line);
  }
  // `@param` lines follow each other without the blank line their closing tags left.
  const joined = kept.join('\n').replace(/\n\n(?=@(?:param|typeparam|returns|throws) )/g, '\n');
  return dedentRest(joined.trim());
}

/** Removes the indentation the lines after the first share (the first is already trimmed). */
function dedentRest(text: string): string {
  const lines = text.split('\n');
  let common = Number.POSITIVE_INFINITY;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    common = Math.min(common, line.length - line.trimStart().length);
  }
  if (!Number.isFinite(common) || common === 0) return text;
  return lines.map((line, index) => (index === 0 ? line : line.slice(common))).join('\n');
}

/**
 * C# documentation above a declaration: the `///` lines directly above it (attributes are inside
 * the declaration node, so they never stand between), or a `/** … *\/` block; XML cleaned.
 */
export function csharpDoc(anchor: SyntaxNode): string | undefined {
  const comments = commentsAbove(anchor, NONE);
  const lines: string[] = [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const text = comments[i]!.text;
    if (text.startsWith('///') && !text.startsWith('////')) {
      lines.unshift(text.slice(3).replace(/^ /, ''));
      continue;
    }
    if (lines.length === 0 && text.startsWith('/**') && !text.startsWith('/***') && text !== '/**/')
      return cleanXmlDoc(cleanBlockDoc(text)) || undefined;
    break;
  }
  if (lines.length === 0) return undefined;
  return cleanXmlDoc(lines.join('\n')) || undefined;
}
