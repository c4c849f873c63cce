import {
  type CodeEntity,
  type PreparedText,
  type PreparedWindow,
  type TextPreparator,
  TextPrepError,
} from '@codesearch/core';
import { bodyOf, fullHeader, type KindFilter, shortHeader, validate } from './header.js';
import { planWindows, splitIntoPieces } from './windows.js';

/** Bumped whenever the layout below changes: the version is part of every cache key. */
export const TEXT_FORMAT = 'codesearch-text/2';
/**
 * Characters per window. Measured with the default model's tokenizer (all-MiniLM-L6-v2, 256
 * tokens): 95% of the windows of real Python and TypeScript code fit (see the README).
 */
export const DEFAULT_MAX_CHARS = 700;
/**
 * At most this many windows per unit by default; a longer unit's windows are spread out
 * (first lines, last lines and evenly between), leaving gaps for the vector side only — the
 * index's full-text side still holds the whole unit. Measured on 5 real projects with the
 * model's tokenizer, embedding cost against the previous format (one text per unit): every
 * window ×1.9–2.8, 4 windows ×1.7–2.1, 2 windows ×1.4–1.8 (see the README).
 */
export const MAX_WINDOWS = 4;

export interface TextPrepOptions {
  /**
   * Length budget of one window's text, in characters (header included). The default fits
   * the 256 tokens of the default model; a unit longer than that becomes several windows.
   */
  maxChars?: number;
  /** Most windows per unit (default `MAX_WINDOWS`, at least 2); past it the windows spread out. */
  maxWindows?: number;
}

/** Ends a window whose unit goes on in the next one. */
const CONTINUED = '\n…';

/** Cuts `text` to `max` characters, marking the cut. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The default `TextPreparator`: a short header, then the code, in windows of a character budget. */
export class DefaultTextPreparator implements TextPreparator {
  readonly version: string;
  private readonly maxChars: number;
  private readonly maxWindows: number;

  constructor(options: TextPrepOptions = {}) {
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    if (!Number.isInteger(this.maxChars) || this.maxChars < 200) {
      throw new TextPrepError(`maxChars must be an integer of at least 200, got ${options.maxChars}`, {
        code: 'INVALID_OPTION',
      });
    }
    this.maxWindows = options.maxWindows ?? MAX_WINDOWS;
    if (!Number.isInteger(this.maxWindows) || this.maxWindows < 2) {
      throw new TextPrepError(`maxWindows must be an integer of at least 2, got ${options.maxWindows}`, {
        code: 'INVALID_OPTION',
      });
    }
    this.version = `${TEXT_FORMAT};maxChars=${this.maxChars};maxWindows=${this.maxWindows}`;
  }

  /** Functions and methods: the first window's text. */
  prepareFunction(entity: CodeEntity): PreparedText {
    return this.firstWindow(entity, 'function');
  }

  /** Class-like units (class, interface, struct, enum, trait): the first window's text. */
  prepareClass(entity: CodeEntity): PreparedText {
    return this.firstWindow(entity, 'class');
  }

  /** Any kind: the first window's text. */
  prepareEntity(entity: CodeEntity): PreparedText {
    return this.firstWindow(entity, 'any');
  }

  /** Any kind: one window when the unit fits the budget, overlapping windows when it does not. */
  prepareWindows(entity: CodeEntity): PreparedWindow[] {
    return this.windows(validate(entity, 'any'));
  }

  private firstWindow(entity: CodeEntity, kinds: KindFilter): PreparedText {
    const { text, truncated, originalLength } = this.windows(validate(entity, kinds))[0]!;
    return { text, truncated, originalLength };
  }

  private windows(entity: CodeEntity): PreparedWindow[] {
    const head = fullHeader(entity);
    const { code, mapsToLines } = bodyOf(entity);
    const full = `${head}\n\n${code}`;
    if (full.length <= this.maxChars) {
      return [
        {
          text: full,
          truncated: false,
          originalLength: full.length,
          startLine: entity.lineNumber,
          endLine: entity.endLine,
        },
      ];
    }
    // A header never takes more than half a window (a huge docstring is cut), so every window
    // has room for code.
    const half = Math.floor(this.maxChars / 2);
    const firstHead = clip(head, half);
    const laterHead = clip(shortHeader(entity), half);
    const roomAfter = (header: string) => this.maxChars - header.length - 2 - CONTINUED.length;
    const pieces = splitIntoPieces(code, Math.min(roomAfter(firstHead), roomAfter(laterHead)));
    const spans = planWindows(pieces, roomAfter(firstHead), roomAfter(laterHead), this.maxWindows);
    return spans.map(({ start, end }, index) => {
      const lines = pieces.slice(start, end).map((piece) => piece.text);
      const more = end < pieces.length ? CONTINUED : '';
      return {
        text: `${index === 0 ? firstHead : laterHead}\n\n${lines.join('\n')}${more}`,
        truncated: true,
        originalLength: full.length,
        // An outline's lines are not the file's: its windows stand for the whole unit.
        startLine: mapsToLines ? entity.lineNumber + pieces[start]!.line : entity.lineNumber,
        endLine: mapsToLines ? entity.lineNumber + pieces[end - 1]!.line : entity.endLine,
      };
    });
  }
}

export function createTextPreparator(options: TextPrepOptions = {}): DefaultTextPreparator {
  return new DefaultTextPreparator(options);
}
