/**
 * One file of an indexed tree as `codesearch index` saw it: what `status` and `search`
 * compare the tree with to tell what changed since (the batch package builds it, the store
 * keeps it with the index).
 */
export interface IndexedFile {
  /** POSIX path relative to the tree's root. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Changes on every write and cannot be set back by a user: an edit with a restored mtime is still seen. */
  ctimeMs: number;
  /** Hex sha256 of the bytes read; tells an edit from a mere touch, and a rename from an add. */
  sha256: string;
  /** Units indexed from it (0 for a file that was skipped or failed). */
  entities: number;
  /** `parsed`, or why it holds no units: `skipped` on purpose (binary, generated) or `error`. */
  outcome: 'parsed' | 'skipped' | 'error';
}

/** What an index records about the tree it was built from. */
export interface IndexManifest {
  /** Absolute path of the tree when it was indexed. */
  root: string;
  /** The walk options `index` used (languages, include, exclude, sizes, …) as plain JSON. */
  walk: Record<string, unknown>;
  /** Every file the walk handed to the parser. */
  files: IndexedFile[];
}
