import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@codesearch/fs';
import { isGenerationName, MARKER_FILE } from './layout.js';
import { INDEX_FORMAT } from './schema.js';

/** `<dir>/codesearch-index.json`: marks a directory as an index and names its current generation. */
export interface IndexMarker {
  format: string;
  /** The generation directory (`gen-<ms>-<hex>`) that holds the current table. */
  generation: string;
  /** A label only: identity is `modelVersion` + `dimensions` (`sameModel`). */
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** ISO-8601: when this generation was built. */
  createdAt: string;
  /** ISO-8601: the last sync that wrote to it. */
  updatedAt: string;
}

/** The marker as read: its content, or what is wrong with it; and its stamp. */
export type MarkerRead =
  | { marker: IndexMarker; problem?: undefined; stamp: string }
  | ({ marker?: undefined; stamp: string } & MarkerProblem);

/** What is wrong with a marker; `otherFormat` when it is another version's. */
export interface MarkerProblem {
  problem: string;
  otherFormat?: string;
}

export function markerPath(directory: string): string {
  return join(directory, MARKER_FILE);
}

/**
 * Identifies one version of the marker file without reading it. The marker is only ever
 * replaced by a rename (`writeFileAtomic`), so every version has a new inode.
 */
export async function markerStamp(directory: string): Promise<string | undefined> {
  try {
    const info = await stat(markerPath(directory));
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads the marker; `undefined` when there is none. Read errors other than ENOENT are thrown. */
export async function readMarker(directory: string): Promise<MarkerRead | undefined> {
  // Stamp first: a marker replaced between the two is then read again next time, never missed.
  const stamp = await markerStamp(directory);
  if (stamp === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(markerPath(directory), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const result = parseMarker(text);
  return 'problem' in result ? { ...result, stamp } : { marker: result, stamp };
}

/** The marker, or what is wrong with it. */
export function parseMarker(text: string): IndexMarker | MarkerProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: `${MARKER_FILE} is not JSON` };
  }
  const m = value as Partial<IndexMarker> | null;
  if (typeof m !== 'object' || m === null || typeof m.format !== 'string') {
    return { problem: `${MARKER_FILE} has no format` };
  }
  if (m.format !== INDEX_FORMAT) {
    return {
      problem: `${MARKER_FILE} has format ${m.format}, this version reads ${INDEX_FORMAT}`,
      otherFormat: m.format,
    };
  }
  if (
    typeof m.generation !== 'string' ||
    !isGenerationName(m.generation) ||
    typeof m.modelName !== 'string' ||
    typeof m.modelVersion !== 'string' ||
    !Number.isInteger(m.dimensions) ||
    typeof m.createdAt !== 'string' ||
    typeof m.updatedAt !== 'string'
  ) {
    return { problem: `${MARKER_FILE} lacks a valid generation, model, dimensions or dates` };
  }
  return {
    format: m.format,
    generation: m.generation,
    modelName: m.modelName,
    modelVersion: m.modelVersion,
    dimensions: m.dimensions as number,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** Replaces the marker in one rename: readers see the old generation or the new one. */
export function writeMarker(directory: string, marker: IndexMarker): Promise<void> {
  return writeFileAtomic(markerPath(directory), `${JSON.stringify(marker, null, 2)}\n`);
}
