import { type CodeEntity, type PreparedText, type TextPreparator, TextPrepError } from '@codesearch/core';

/** Bumped whenever the layout below changes: the version is part of every cache key. */
export const TEXT_FORMAT = 'codesearch-text/1';
export const DEFAULT_MAX_CHARS = 2000;

export interface TextPrepOptions {
  /**
   * Length budget for the whole text, in characters (default 2000, roughly the 512 tokens a
   * BERT-sized model reads). The header is always kept; the code is cut at a line boundary.
   */
  maxChars?: number;
}

const TRUNCATION_MARKER = (omitted: number) => `… [truncated: ${omitted} more characters]`;

function describeEntity(entity: Partial<CodeEntity> | null | undefined): string {
  if (!entity || typeof entity !== 'object') return String(entity);
  const where = entity.filePath ? `${entity.filePath}:${entity.lineNumber ?? '?'}` : 'unknown location';
  return `${entity.qualifiedName ?? entity.name ?? '(unnamed)'} at ${where}`;
}

function validate(entity: CodeEntity | null | undefined, expected: 'function' | 'class'): CodeEntity {
  if (!entity || typeof entity !== 'object') {
    throw new TextPrepError(
      `invalid entity: expected an object, got ${entity === null ? 'null' : typeof entity}`,
      {
        code: 'INVALID_ENTITY',
      },
    );
  }
  for (const field of ['name', 'filePath', 'language', 'sourceCode'] as const) {
    if (typeof entity[field] !== 'string' || entity[field] === '') {
      throw new TextPrepError(`${describeEntity(entity)}: missing ${field}`, { code: 'INVALID_ENTITY' });
    }
  }
  const isClass = entity.kind === 'class';
  if (isClass !== (expected === 'class')) {
    throw new TextPrepError(
      `${describeEntity(entity)}: a ${entity.kind} given to prepare${expected === 'class' ? 'Class' : 'Function'}`,
      {
        code: 'WRONG_KIND',
      },
    );
  }
  return entity;
}

/**
 * The header says what the entity is and where; it is never cut.
 *
 *   python method Parser.parse_file
 *   path: src/parser.py
 *   class: Parser
 *   signature: def parse_file(self, path: str) -> list[Entity]:
 *   doc: Parse one file and return its entities.
 */
function header(entity: CodeEntity): string[] {
  const lines = [
    `${entity.language} ${entity.kind} ${entity.qualifiedName || entity.name}`,
    `path: ${entity.filePath}`,
  ];
  if (entity.parent) lines.push(`${entity.kind === 'method' ? 'class' : 'in'}: ${entity.parent}`);
  if (entity.decorators?.length) lines.push(`decorators: ${entity.decorators.join(' ')}`);
  if (entity.signature) lines.push(`signature: ${entity.signature}`);
  if (entity.docstring) lines.push(`doc: ${entity.docstring}`);
  return lines;
}

/** Cuts `code` to `budget` characters at a line boundary and marks the cut. */
function fitCode(code: string, budget: number): { code: string; truncated: boolean } {
  if (code.length <= budget) return { code, truncated: false };
  const room = Math.max(0, budget - TRUNCATION_MARKER(code.length).length - 1);
  let cut = code.lastIndexOf('\n', room);
  if (cut <= 0) cut = room; // one long line: cut inside it
  return { code: `${code.slice(0, cut)}\n${TRUNCATION_MARKER(code.length - cut)}`, truncated: true };
}

/** The default `TextPreparator`: a short header, then the code, within a character budget. */
export class DefaultTextPreparator implements TextPreparator {
  readonly version: string;
  private readonly maxChars: number;

  constructor(options: TextPrepOptions = {}) {
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    if (!Number.isInteger(this.maxChars) || this.maxChars < 200) {
      throw new TextPrepError(`maxChars must be an integer of at least 200, got ${options.maxChars}`, {
        code: 'INVALID_OPTION',
      });
    }
    this.version = `${TEXT_FORMAT};maxChars=${this.maxChars}`;
  }

  prepareFunction(entity: CodeEntity): PreparedText {
    return this.prepare(validate(entity, 'function'));
  }

  prepareClass(entity: CodeEntity): PreparedText {
    return this.prepare(validate(entity, 'class'));
  }

  /** Dispatches on `entity.kind`. */
  prepareEntity(entity: CodeEntity): PreparedText {
    return entity?.kind === 'class' ? this.prepareClass(entity) : this.prepareFunction(entity);
  }

  private prepare(entity: CodeEntity): PreparedText {
    const head = header(entity).join('\n');
    const code = entity.sourceCode.replace(/\s+$/, '');
    const full = `${head}\n\n${code}`;
    // The header alone may exceed a small budget (a huge docstring): then it is cut as well.
    const budgetForCode = this.maxChars - head.length - 2;
    if (budgetForCode < 40) {
      const fitted = fitCode(full, this.maxChars);
      return { text: fitted.code, truncated: fitted.truncated, originalLength: full.length };
    }
    const fitted = fitCode(code, budgetForCode);
    return { text: `${head}\n\n${fitted.code}`, truncated: fitted.truncated, originalLength: full.length };
  }
}

export function createTextPreparator(options: TextPrepOptions = {}): DefaultTextPreparator {
  return new DefaultTextPreparator(options);
}
