/** Types of synthetic-tree.mjs, for the tests that use it. */
export interface SyntheticFile {
  relativePath: string;
  text: string;
  functions: number;
}
export interface SyntheticTree {
  directory: string;
  files: number;
  functions: number;
  bytes: number;
  reused: boolean;
}
export function syntheticFiles(functions: number, seed?: number): Generator<SyntheticFile>;
export function syntheticTree(
  directory: string,
  options?: { functions?: number; seed?: number; log?: (line: string) => void },
): Promise<SyntheticTree>;
