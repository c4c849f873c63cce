/** One line of code (or a slice of a line too long for any window), with its 0-based line offset. */
export interface Piece {
  text: string;
  line: number;
}

/** A window's code: pieces `start` (inclusive) to `end` (exclusive). */
export interface Span {
  start: number;
  end: number;
}

/** Share of a window's lines the next window repeats, so a phrase across a cut is seen whole. */
const OVERLAP = 0.2;

/** Splits code into lines; a line longer than `pieceMax` is cut inside into slices. */
export function splitIntoPieces(code: string, pieceMax: number): Piece[] {
  const pieces: Piece[] = [];
  code.split('\n').forEach((text, line) => {
    if (text.length <= pieceMax) {
      pieces.push({ text, line });
      return;
    }
    for (let at = 0; at < text.length; at += pieceMax)
      pieces.push({ text: text.slice(at, at + pieceMax), line });
  });
  return pieces;
}

/** The end of the longest run of pieces from `start` whose joined text fits `room` (at least one piece). */
function packFrom(pieces: readonly Piece[], start: number, room: number): number {
  let length = pieces[start]!.text.length;
  let end = start + 1;
  while (end < pieces.length && length + 1 + pieces[end]!.text.length <= room) {
    length += 1 + pieces[end]!.text.length;
    end++;
  }
  return end;
}

/** The start of the longest run of pieces ending at `end` (exclusive) that fits `room`. */
function packBackTo(pieces: readonly Piece[], end: number, room: number): number {
  let start = end - 1;
  let length = pieces[start]!.text.length;
  while (start > 0 && length + 1 + pieces[start - 1]!.text.length <= room) {
    start--;
    length += 1 + pieces[start]!.text.length;
  }
  return start;
}

/**
 * Overlapping windows over `pieces`: the first holds `firstRoom` characters of code, the others
 * `laterRoom`; each piece must fit the room it lands in. Each window repeats the last ~20% of
 * the previous one's lines. Past `maxWindows` (≥ 2) the stride widens instead: the windows are
 * spread evenly, the first starting at the first line and the last ending at the last line, and
 * lines between two windows are then left out.
 */
export function planWindows(
  pieces: readonly Piece[],
  firstRoom: number,
  laterRoom: number,
  maxWindows: number,
): Span[] {
  const spans: Span[] = [{ start: 0, end: packFrom(pieces, 0, firstRoom) }];
  let previous = spans[0]!;
  while (previous.end < pieces.length) {
    const count = previous.end - previous.start;
    const overlap = count >= 2 ? Math.max(1, Math.floor(count * OVERLAP)) : 0;
    const start = Math.max(previous.start + 1, previous.end - overlap);
    previous = { start, end: packFrom(pieces, start, laterRoom) };
    spans.push(previous);
  }
  if (spans.length <= maxWindows) return spans;

  const secondStart = spans[1]!.start;
  const lastStart = packBackTo(pieces, pieces.length, laterRoom);
  const spread: Span[] = [spans[0]!];
  for (let index = 1; index < maxWindows; index++) {
    // Evenly over the rest of the unit: with 4 windows, a third, two thirds and the end.
    const start = Math.round(secondStart + ((lastStart - secondStart) * index) / (maxWindows - 1));
    spread.push({ start, end: packFrom(pieces, start, laterRoom) });
  }
  return spread;
}
