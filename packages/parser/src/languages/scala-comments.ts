const SLASH = 47;
const STAR = 42;
const QUOTE = 34;
const APOSTROPHE = 39;
const BACKSLASH = 92;
const NEWLINE = 10;
const DOLLAR = 36;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/**
 * The source with the insides of its block comments (`/* … *\/`, `/** … *\/`, nested ones
 * included) turned into spaces, line breaks kept: same length, same lines, the same tree but
 * for the comments' own children. tree-sitter-scala scans comment text slowly (a third of its
 * parse time on documented code); this is the text it parses, the entities are cut from the
 * source as written. Strings and character literals are stepped over, so a `"/*"` stays.
 */
export function hollowBlockComments(source: string): string {
  const length = source.length;
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  while (i < length) {
    const c = source.charCodeAt(i);
    if (c === SLASH) {
      const next = source.charCodeAt(i + 1);
      if (next === SLASH) {
        const lineEnd = source.indexOf('\n', i);
        i = lineEnd === -1 ? length : lineEnd;
      } else if (next === STAR) {
        const end = blockCommentEnd(source, i + 2);
        if (end === -1) break; // unclosed: the rest stays as written
        if (end - 2 > i + 2) {
          parts.push(source.slice(copied, i + 2), source.slice(i + 2, end - 2).replace(/[^\n\r]/g, ' '));
          copied = end - 2;
        }
        i = end;
      } else {
        i++;
      }
    } else if (c === QUOTE) {
      i = stringEnd(source, i);
    } else if (c === APOSTROPHE) {
      // 'a' and '\n' are characters; 'sym (Scala 2 symbols) and '{ … } (quotes) are not literals.
      if (source.charCodeAt(i + 2) === APOSTROPHE) i += 3;
      else if (source.charCodeAt(i + 1) === BACKSLASH) {
        const close = source.indexOf("'", i + 2);
        i = close !== -1 && close - i < 10 ? close + 1 : i + 1;
      } else i++;
    } else {
      i++;
    }
  }
  if (parts.length === 0) return source;
  parts.push(source.slice(copied));
  return parts.join('');
}

/** Where the block comment whose text starts at `from` ends (after its `*\/`), or -1. */
function blockCommentEnd(source: string, from: number): number {
  let depth = 1;
  let j = from;
  const length = source.length;
  while (j < length) {
    const d = source.charCodeAt(j);
    if (d === STAR && source.charCodeAt(j + 1) === SLASH) {
      j += 2;
      if (--depth === 0) return j;
    } else if (d === SLASH && source.charCodeAt(j + 1) === STAR) {
      depth++;
      j += 2;
    } else {
      j++;
    }
  }
  return -1;
}

/**
 * Where the string literal opening at `start` ends: `"""…"""` across lines, `"…"` on its line
 * (an interpolated one's `${ … }` may hold strings of its own: `s"${ "/*" }"`).
 */
function stringEnd(source: string, start: number): number {
  if (source.charCodeAt(start + 1) === QUOTE && source.charCodeAt(start + 2) === QUOTE) {
    const close = source.indexOf('"""', start + 3);
    if (close === -1) return source.length;
    let end = close + 3;
    while (source.charCodeAt(end) === QUOTE) end++; // `""""` ends with its last three quotes
    return end;
  }
  const interpolated = start > 0 && /[\w$]/.test(source.charAt(start - 1));
  let j = start + 1;
  const length = source.length;
  while (j < length) {
    const d = source.charCodeAt(j);
    if (d === BACKSLASH) j += 2;
    else if (d === QUOTE) return j + 1;
    else if (d === NEWLINE)
      return j; // unterminated: stop at the line's end
    else if (interpolated && d === DOLLAR && source.charCodeAt(j + 1) === OPEN_BRACE)
      j = splicedEnd(source, j + 2);
    else j++;
  }
  return length;
}

/** Where the `${ … }` whose inside starts at `from` ends (after its `}`), on its line. */
function splicedEnd(source: string, from: number): number {
  let depth = 1;
  let j = from;
  const length = source.length;
  while (j < length) {
    const d = source.charCodeAt(j);
    if (d === NEWLINE) return j;
    if (d === QUOTE) {
      j = stringEnd(source, j);
      continue;
    }
    if (d === OPEN_BRACE) depth++;
    else if (d === CLOSE_BRACE && --depth === 0) return j + 1;
    j++;
  }
  return length;
}
