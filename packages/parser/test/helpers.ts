import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeEntity } from '@codesearch/core';
import { type DirectoryParseResult, parseDirectory } from '../src/index.js';
import { tempDir, writeTree } from './tree.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixtureRoot(language: string): string {
  return path.join(FIXTURES, language);
}

/** Parses one fixture repository; every fixture must parse without errors, skips or warnings. */
export async function parseFixture(language: string): Promise<DirectoryParseResult> {
  return parseDirectory(fixtureRoot(language), { concurrency: 1 });
}

/**
 * `kind qualifiedName start-end`, the compact form the expectations are written in, for the
 * definitions of a file (`code` chunks are listed by `codeChunks`).
 */
export function outline(entities: readonly CodeEntity[], filePath: string): string[] {
  return entities
    .filter((entity) => entity.filePath === filePath && entity.kind !== 'code')
    .map((entity) => `${entity.kind} ${entity.qualifiedName} ${entity.lineNumber}-${entity.endLine}`);
}

/** The `code` chunks of a file as `name start-end`. */
export function codeChunks(entities: readonly CodeEntity[], filePath: string): string[] {
  return entities
    .filter((entity) => entity.filePath === filePath && entity.kind === 'code')
    .map((entity) => `${entity.name} ${entity.lineNumber}-${entity.endLine}`);
}

/** The one definition (not code chunk) with this qualified name (and start line, when names repeat). */
export function entity(
  entities: readonly CodeEntity[],
  qualifiedName: string,
  lineNumber?: number,
): CodeEntity {
  const found = entities.filter(
    (candidate) =>
      candidate.kind !== 'code' &&
      candidate.qualifiedName === qualifiedName &&
      (lineNumber === undefined || candidate.lineNumber === lineNumber),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one entity ${qualifiedName}${lineNumber ? `:${lineNumber}` : ''}, found ${found.length}`,
    );
  }
  return found[0]!;
}

export function fixtureLines(language: string, filePath: string): string[] {
  return readFileSync(path.join(fixtureRoot(language), filePath), 'utf8').split(/\r?\n/);
}

/**
 * Parses a tree of two files, `small` and `huge` ([name, text]; `huge` over the default 1 MiB
 * limit): what was parsed (`[path, entities]`) and what was skipped (`[path, reason]`, the reason
 * without its sizes).
 */
export async function parseBesideOversized(
  small: [string, string],
  huge: [string, string],
): Promise<{ parsed: Array<[string, number]>; skipped: Array<[string, string]> }> {
  if (Buffer.byteLength(huge[1]) <= 1024 * 1024) throw new Error(`${huge[0]} is not over 1 MiB`);
  const root = await tempDir();
  await writeTree(root, Object.fromEntries([small, huge]));
  const walked = await parseDirectory(root, { concurrency: 1 });
  return {
    parsed: walked.files.map((file) => [file.filePath, file.entities]),
    skipped: walked.skipped.map((skip) => [skip.relativePath, skip.reason.replace(/ \(.*$/, '')]),
  };
}
