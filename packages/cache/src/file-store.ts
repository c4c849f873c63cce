import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { StoredEntry } from './entry-codec.js';

/** What Keyv hands a store when it has no serializer: the value and its expiry. */
interface Row {
  value: StoredEntry;
  expires?: number;
}

/**
 * The keyv store behind the JSON file cache: entries in memory, keyed by content key.
 * It never writes by itself; `JsonFileEmbeddingCache.flush()` persists `records()` atomically,
 * under a lock. (keyv-file's store writes on a timer after every `set`, in place, and reads
 * the file in its constructor, logging and discarding a file it cannot parse.)
 */
export class EmbeddingFileStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: { dialect: 'codesearch-json'; filename: string };
  namespace?: string;
  private readonly rows = new Map<string, Row>();

  constructor(filename: string) {
    super();
    this.opts = { dialect: 'codesearch-json', filename };
  }

  get size(): number {
    return this.rows.size;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.rows.get(key) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return keys.map((key) => this.rows.get(key) as StoredData<Value | undefined>);
  }

  async set(key: string, value: Row): Promise<boolean> {
    this.rows.set(key, value);
    return true;
  }

  async setMany(entries: Array<{ key: string; value: Row }>): Promise<void> {
    for (const { key, value } of entries) this.rows.set(key, value);
  }

  async has(key: string): Promise<boolean> {
    return this.rows.has(key);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return keys.map((key) => this.rows.has(key));
  }

  async delete(key: string): Promise<boolean> {
    return this.rows.delete(key);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = false;
    for (const key of keys) deleted = this.rows.delete(key) || deleted;
    return deleted;
  }

  async clear(): Promise<void> {
    this.rows.clear();
  }

  async disconnect(): Promise<void> {}

  /** Entries as written to the file (expiry is not kept: the cache sets none). */
  *records(): IterableIterator<[string, StoredEntry]> {
    for (const [key, row] of this.rows) yield [key, row.value];
  }

  /** Adds the entries this store does not have; returns how many were added. */
  addMissing(records: Iterable<readonly [string, StoredEntry]>): number {
    let added = 0;
    for (const [key, value] of records) {
      if (this.rows.has(key)) continue;
      this.rows.set(key, { value });
      added++;
    }
    return added;
  }
}
