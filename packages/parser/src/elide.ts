import type { ExtractedUnit } from './extract.js';

/** Text with the bodies of some units replaced, and where each replaced member ends in it. */
export interface ElidedText {
  text: string;
  /** Offsets in `text` right after each replaced body: places an outline may be cut at. */
  memberEnds: number[];
}

/**
 * `source[from, to)` with the bodies of the outermost `units` inside it (those `elide` accepts)
 * replaced by `elision` (`{ … }` when the body is a brace block, `…` for an expression body).
 * `units` are in source order, outer before inner.
 */
export function elideBodies(
  source: string,
  from: number,
  to: number,
  units: readonly ExtractedUnit[],
  elision: string,
  elide: (unit: ExtractedUnit) => boolean,
): ElidedText {
  let text = '';
  const memberEnds: number[] = [];
  let position = from;
  for (const unit of units) {
    if (unit.attachedStart >= to) break; // the rest come later in the file
    const body = unit.body;
    if (!body || body.start < position || body.end > to || unit.attachedStart < from) continue;
    if (!elide(unit)) continue;
    text += source.slice(position, body.start);
    const braced = source[body.start] === '{';
    text += braced || elision === '...' ? elision : '…';
    position = body.end;
    memberEnds.push(text.length);
  }
  text += source.slice(position, to);
  return { text, memberEnds };
}
