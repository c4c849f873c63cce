import { CLASS_LIKE_KINDS, FUNCTION_KINDS } from '@codesearch/core';
import { elideBodies } from './elide.js';
import { type ExtractedUnit, sourceText } from './extract.js';
import { lineStartIndex } from './text-utils.js';

/** Outlines longer than this are cut at a member boundary. */
export const MAX_OUTLINE_CHARS = 4000;

const isFunction = (unit: ExtractedUnit): boolean => FUNCTION_KINDS.has(unit.entity.kind);

/**
 * Sets `outline` on class-like units, modules, and other units holding functions (`const api =
 * { get() {…} }`): the unit's text from its doc comment and decorators on, with the bodies of its
 * functions and methods elided. `units` are one file's, in source order.
 */
export function addOutlines(source: string, units: readonly ExtractedUnit[], elision: string): void {
  for (let index = 0; index < units.length; index++) {
    const unit = units[index]!;
    const kind = unit.entity.kind;
    if (FUNCTION_KINDS.has(kind)) continue;
    const members = membersOf(units, index);
    if (!CLASS_LIKE_KINDS.has(kind) && kind !== 'module' && !members.some(isFunction)) continue;
    const from = unit.attachedStart;
    const elided = elideBodies(source, from, unit.end, members, elision, isFunction);
    let text = elided.text;
    if (text.length > MAX_OUTLINE_CHARS) text = cutAtMember(text, elided.memberEnds);
    const lineStart = lineStartIndex(source, from);
    // Dedented as the source code is: the first line keeps its text, the rest its layout.
    const column = from - lineStart;
    unit.entity.outline = sourceText(source.slice(lineStart, from) + text, 0, column, column + text.length);
  }
}

/** The units inside `units[index]` (they follow it in source order). */
function membersOf(units: readonly ExtractedUnit[], index: number): ExtractedUnit[] {
  const owner = units[index]!;
  const members: ExtractedUnit[] = [];
  for (let next = index + 1; next < units.length; next++) {
    const unit = units[next]!;
    if (unit.attachedStart >= owner.end) break;
    if (unit.end <= owner.end) members.push(unit);
  }
  return members;
}

/** `text` cut after the last member that fits, at the end of its line, with a marker. */
function cutAtMember(text: string, memberEnds: readonly number[]): string {
  let cut = -1;
  for (const end of memberEnds) {
    const lineEnd = text.indexOf('\n', end);
    const at = lineEnd === -1 ? text.length : lineEnd;
    if (at <= MAX_OUTLINE_CHARS) cut = at;
  }
  if (cut === -1) {
    const lineEnd = text.lastIndexOf('\n', MAX_OUTLINE_CHARS);
    cut = lineEnd > 0 ? lineEnd : MAX_OUTLINE_CHARS;
  }
  const omitted = text.slice(cut).split('\n').length - 1;
  return `${text.slice(0, cut)}\n… (outline cut: ${omitted} more line${omitted === 1 ? '' : 's'})`;
}
