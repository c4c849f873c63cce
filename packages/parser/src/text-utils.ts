/**
 * Removes the indentation common to the lines of a block whose first line starts at `column`
 * of its line, as if that line were padded to the column (the whitespace it starts with,
 * `leading`, kept as written, then a space per character): the first line is kept as it is,
 * the others lose the common indentation, as Python's `textwrap.dedent` would take it. The
 * padding is never built, so text before the block on a long line costs nothing.
 */
export function dedentBlock(text: string, leading: string, column: number): string {
  const firstBreak = text.indexOf('\n');
  if (firstBreak === -1) return text;
  const lines = text.slice(firstBreak + 1).split('\n');
  let common: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (common === undefined || indent.length < common.length) common = indent;
    if (common === '') return text;
  }
  // The first line's padding is the shortest indentation (textwrap keeps the first one found).
  if (common === undefined || column <= common.length) {
    common = leading + ' '.repeat(column - leading.length);
  }
  if (common === '') return text;
  const width = common.length;
  const dedented = lines.map((line) => (line.startsWith(common) ? line.slice(width) : line.trimStart()));
  return `${text.slice(0, firstBreak + 1)}${dedented.join('\n')}`;
}

/** Python's `str.expandtabs()`: a tab moves to the next multiple of 8 columns (not 8 spaces). */
function expandTabs(line: string): string {
  let column = 0;
  let out = '';
  for (const char of line) {
    if (char === '\t') {
      const width = 8 - (column % 8);
      out += ' '.repeat(width);
      column += width;
    } else {
      out += char;
      column++;
    }
  }
  return out;
}

/** `inspect.cleandoc`: strip the first line, dedent the rest, drop blank lines at both ends. */
export function cleandoc(doc: string): string {
  const lines = doc.split(/\r\n|\r|\n/).map((line) => (line.includes('\t') ? expandTabs(line) : line));
  let margin = Number.POSITIVE_INFINITY;
  for (const line of lines.slice(1)) {
    const content = line.trimStart().length;
    if (content > 0) margin = Math.min(margin, line.length - content);
  }
  const cleaned = [lines[0]!.trimStart()];
  for (const line of lines.slice(1)) cleaned.push(Number.isFinite(margin) ? line.slice(margin) : line);
  while (cleaned.length > 0 && cleaned[0]!.trim() === '') cleaned.shift();
  while (cleaned.length > 0 && cleaned[cleaned.length - 1]!.trim() === '') cleaned.pop();
  return cleaned.join('\n');
}

/** Collapses runs of whitespace (a signature written over several lines becomes one line). */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Index of the first character of the line holding `index`. */
export function lineStartIndex(source: string, index: number): number {
  return source.lastIndexOf('\n', index - 1) + 1;
}
