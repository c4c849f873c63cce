import {
  CLASS_LIKE_KINDS,
  type CodeEntity,
  ENTITY_KINDS,
  type EntityKind,
  FUNCTION_KINDS,
  TextPrepError,
} from '@codesearch/core';

/** Which kinds a `prepare…` method accepts; `any` is `prepareEntity`/`prepareWindows`. */
export type KindFilter = 'function' | 'class' | 'any';

const KNOWN_KINDS: ReadonlySet<string> = new Set<string>(ENTITY_KINDS);

export function describeEntity(entity: Partial<CodeEntity> | null | undefined): string {
  if (!entity || typeof entity !== 'object') return String(entity);
  const where = entity.filePath ? `${entity.filePath}:${entity.lineNumber ?? '?'}` : 'unknown location';
  return `${entity.qualifiedName ?? entity.name ?? '(unnamed)'} at ${where}`;
}

export function validate(entity: CodeEntity | null | undefined, expected: KindFilter): CodeEntity {
  if (!entity || typeof entity !== 'object') {
    throw new TextPrepError(
      `invalid entity: expected an object, got ${entity === null ? 'null' : typeof entity}`,
      { code: 'INVALID_ENTITY' },
    );
  }
  for (const field of ['name', 'filePath', 'language', 'sourceCode'] as const) {
    if (typeof entity[field] !== 'string' || entity[field] === '') {
      throw new TextPrepError(`${describeEntity(entity)}: missing ${field}`, { code: 'INVALID_ENTITY' });
    }
  }
  if (!KNOWN_KINDS.has(entity.kind)) {
    throw new TextPrepError(`${describeEntity(entity)}: unknown kind ${JSON.stringify(entity.kind)}`, {
      code: 'INVALID_ENTITY',
    });
  }
  const accepted = expected === 'function' ? FUNCTION_KINDS : expected === 'class' ? CLASS_LIKE_KINDS : null;
  if (accepted && !accepted.has(entity.kind)) {
    throw new TextPrepError(
      `${describeEntity(entity)}: a ${entity.kind} given to prepare${expected === 'class' ? 'Class' : 'Function'}`,
      { code: 'WRONG_KIND' },
    );
  }
  return entity;
}

function kindLabel(kind: EntityKind): string {
  return kind === 'code' ? 'code (top-level)' : kind;
}

/**
 * The full header says what the unit is and where:
 *
 *   python method Parser.parse_file
 *   path: src/parser.py
 *   class: Parser
 *   decorators: @cached
 *   signature: def parse_file(self, path: str) -> list[Entity]:
 *   doc: Parse one file and return its entities.
 */
export function fullHeader(entity: CodeEntity): string {
  const lines = [
    `${entity.language} ${kindLabel(entity.kind)} ${entity.qualifiedName || entity.name}`,
    `path: ${entity.filePath}`,
  ];
  if (entity.parent) lines.push(`${entity.kind === 'method' ? 'class' : 'in'}: ${entity.parent}`);
  if (entity.decorators?.length) lines.push(`decorators: ${entity.decorators.join(' ')}`);
  if (entity.signature) lines.push(`signature: ${entity.signature}`);
  if (entity.docstring) lines.push(`doc: ${entity.docstring}`);
  return lines.join('\n');
}

/** The header of windows after the first: what and where, without doc or decorators. */
export function shortHeader(entity: CodeEntity): string {
  const lines = [
    `${entity.language} ${kindLabel(entity.kind)} ${entity.qualifiedName || entity.name}`,
    `path: ${entity.filePath}`,
  ];
  if (entity.signature) lines.push(`signature: ${entity.signature}`);
  return lines.join('\n');
}

/**
 * The code the model reads below the header. A unit with an outline (classes, modules, a Rust
 * `impl` chunk, an object of functions) shows it: member signatures without the bodies, which
 * are units of their own; otherwise its source.
 */
export function bodyOf(entity: CodeEntity): { code: string; mapsToLines: boolean } {
  const outline = entity.outline;
  if (typeof outline === 'string' && outline.trim() !== '') {
    return { code: outline.replace(/\s+$/, ''), mapsToLines: false };
  }
  return { code: entity.sourceCode.replace(/\s+$/, ''), mapsToLines: true };
}
