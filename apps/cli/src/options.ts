import { ENTITY_KINDS, type EntityKind, type Language } from '@codesearch/core';
import type { ParseDirectoryOptions } from '@codesearch/parser';
// The light entry point: option parsing must not load the tree-sitter grammars.
import { normaliseLanguage, SUPPORTED_LANGUAGES } from '@codesearch/parser/languages';
import { InvalidArgumentError } from 'commander';
import { type Shard, shardFilter } from './shard.js';

/** `--lang py,ts --lang go` → ['python', 'typescript', 'go']. */
export function collectLanguages(value: string, previous: Language[] = []): Language[] {
  const languages = [...previous];
  for (const name of value.split(',').filter(Boolean)) {
    const language = normaliseLanguage(name);
    if (!language) {
      throw new InvalidArgumentError(
        `unknown language '${name}' (supported: ${SUPPORTED_LANGUAGES.join(', ')})`,
      );
    }
    if (!languages.includes(language)) languages.push(language);
  }
  return languages;
}

/** `--kind class,function --kind constant` → ['class', 'function', 'constant']. */
export function collectKinds(value: string, previous: EntityKind[] = []): EntityKind[] {
  const kinds = [...previous];
  for (const name of value.split(',').filter(Boolean)) {
    const kind = ENTITY_KINDS.find((known) => known === name.trim().toLowerCase());
    if (!kind) throw new InvalidArgumentError(`unknown kind '${name}' (known: ${ENTITY_KINDS.join(', ')})`);
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

export function collectStrings(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `512k`, `2m`, `1048576` → bytes. */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`not a size: '${value}' (examples: 500k, 2m, 1048576)`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'
  ];
  return Math.round(Number(match[1]) * scale);
}

/** The directory-walk flags shared by `parse` and `embed`. */
export interface WalkCommandOptions {
  lang?: Language[];
  exclude?: string[];
  include?: string[];
  maxFileSize?: number;
  gitignore?: boolean;
  defaultExcludes?: boolean;
  followSymlinks?: boolean;
  /** `embed --shard i/n`: only the files of that shard (see shard.ts). */
  shard?: Shard;
}

export function walkOptions(options: WalkCommandOptions): ParseDirectoryOptions {
  return {
    ...(options.lang?.length ? { languages: options.lang } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
    ...(options.include?.length ? { include: options.include } : {}),
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
    gitignore: options.gitignore ?? true,
    defaultExcludes: options.defaultExcludes ?? true,
    followSymlinks: options.followSymlinks ?? false,
    ...(options.shard ? { fileFilter: shardFilter(options.shard) } : {}),
  };
}

/** `--batch-size 16` → 16; rejects zero, negatives and fractions. */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError(`not a positive whole number: '${value}'`);
  }
  return number;
}

/** Most results `search -k` may ask for: the store's limit (`MAX_K` of @codesearch/store). */
export const MAX_RESULTS = 10_000;

/** `-k 5` → 5; checked when the arguments are parsed, before any model or index is opened. */
export function parseResultCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_RESULTS) {
    throw new InvalidArgumentError(`not a whole number from 1 to ${MAX_RESULTS}: '${value}'`);
  }
  return number;
}
