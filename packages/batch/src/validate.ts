import {
  CLASS_LIKE_KINDS,
  type CodeEntity,
  ENTITY_KINDS,
  FUNCTION_KINDS,
  type LocationKey,
} from '@codesearch/core';

/**
 * What a process method accepts: `processFunctions` FUNCTION_KINDS, `processClasses`
 * CLASS_LIKE_KINDS, `processBatch` every kind.
 */
export type Accepted = 'function' | 'class' | 'any';

const KINDS: ReadonlySet<string> = new Set<string>(ENTITY_KINDS);

export type CheckedItem =
  | { ok: true; entity: CodeEntity; key: LocationKey; label: string }
  | { ok: false; key: LocationKey; label: string; reason: string };

/** Key of an item that has no usable location. It still fits `${string}:${number}`. */
export function invalidItemKey(index: number): LocationKey {
  return `<invalid item>:${index}`;
}

export function locationKey(entity: Pick<CodeEntity, 'filePath' | 'lineNumber'>): LocationKey {
  return `${entity.filePath}:${entity.lineNumber}`;
}

/** `Parser.parse_file (src/parser.py:12)`: how messages name an entity. */
export function describeEntity(
  entity: Pick<CodeEntity, 'name' | 'qualifiedName' | 'filePath' | 'lineNumber'>,
) {
  return `${entity.qualifiedName || entity.name} (${locationKey(entity)})`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isLine(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/**
 * Checks what batch itself needs to key and dispatch an item (kind, name, file, line); the
 * text preparator checks the rest. An invalid item that still has a location is reported
 * under it, one without under `<invalid item>:<index>`.
 */
export function checkItem(item: unknown, index: number, accepted: Accepted): CheckedItem {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      ok: false,
      key: invalidItemKey(index),
      label: `item ${index}`,
      reason: `expected a code entity, got ${typeName(item)}`,
    };
  }
  const fields = item as Record<string, unknown>;
  const hasLocation = isNonEmptyString(fields.filePath) && isLine(fields.lineNumber);
  const key = hasLocation
    ? locationKey(fields as Pick<CodeEntity, 'filePath' | 'lineNumber'>)
    : invalidItemKey(index);
  const name = isNonEmptyString(fields.qualifiedName) ? fields.qualifiedName : fields.name;
  const label = `item ${index}${isNonEmptyString(name) ? ` ${name}` : ''}${hasLocation ? ` (${key})` : ''}`;
  const fail = (reason: string): CheckedItem => ({ ok: false, key, label, reason });

  if (!isNonEmptyString(fields.kind) || !KINDS.has(fields.kind)) {
    return fail(fields.kind === undefined ? 'missing kind' : `unknown kind ${JSON.stringify(fields.kind)}`);
  }
  if (!isNonEmptyString(fields.name)) return fail('missing name');
  if (!isNonEmptyString(fields.filePath)) return fail('missing filePath');
  if (!isLine(fields.lineNumber)) {
    return fail(`lineNumber must be a positive integer, got ${String(fields.lineNumber)}`);
  }
  const kinds: ReadonlySet<string> =
    accepted === 'class' ? CLASS_LIKE_KINDS : accepted === 'function' ? FUNCTION_KINDS : KINDS;
  if (!kinds.has(fields.kind)) {
    return fail(`a ${fields.kind} given to ${accepted === 'class' ? 'processClasses' : 'processFunctions'}`);
  }
  const entity = item as CodeEntity;
  return { ok: true, entity, key, label: describeEntity(entity) };
}

/**
 * Hands out result keys. Two items on one location (two definitions on one line) would
 * overwrite each other, so the second becomes `${location}.2`, the third `.3`, and so on:
 * still a `${string}:${number}`, with the path intact before the last `:` and `parseInt` of
 * what follows still the line.
 */
export class KeyRegistry {
  private readonly used = new Set<string>();

  /** Returns a key not yet handed out, and the key it was derived from when that was taken. */
  claim(key: LocationKey): { key: LocationKey; collidedWith?: LocationKey } {
    if (!this.used.has(key)) {
      this.used.add(key);
      return { key };
    }
    for (let n = 2; ; n++) {
      // `file:12.2` is a `${string}:${number}`; TypeScript cannot see it through the template.
      const candidate = `${key}.${n}` as LocationKey;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return { key: candidate, collidedWith: key };
      }
    }
  }
}
