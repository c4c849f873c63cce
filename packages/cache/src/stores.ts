import path from 'node:path';
import { CacheError } from '@codesearch/core';
import { ensureDirectory } from '@codesearch/fs';
import { type Deserialize, Keyv, type KeyvStoreAdapter, type Serialize } from 'keyv';
import { errorText } from './common.js';

export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5_000;

/** A stored value that is not JSON: decoded as an invalid entry (a counted miss), not an exception. */
const UNREADABLE = { unreadable: true };

/** Values are stored as the entry's JSON (base64 vector inside); the cache sets no expiry. */
const compactJson: { serialize: Serialize; deserialize: Deserialize } = {
  serialize: (data) => JSON.stringify(data.value),
  deserialize: <Value>(text: string) => {
    try {
      return { value: JSON.parse(text) as Value };
    } catch {
      return { value: UNREADABLE as Value };
    }
  },
};

/**
 * Loads an optional peer dependency, turning "not installed" into a `CacheError` that says
 * what to install.
 */
export async function loadOptionalPeer<T>(name: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      errorText(error).includes(`'${name}'`);
    if (missing) {
      throw new CacheError(`${purpose} need the optional package ${name}: npm install ${name}`, {
        code: 'MISSING_DEPENDENCY',
        cause: error,
      });
    }
    throw new CacheError(`${purpose}: cannot load ${name}: ${errorText(error)}`, {
      code: 'DEPENDENCY_FAILED',
      cause: error,
    });
  }
}

interface SqliteStore {
  opts: { table?: string };
  query: (sql: string, ...parameters: unknown[]) => Promise<unknown>;
  getMany?: (keys: string[]) => Promise<unknown[]>;
  hasMany?: (keys: string[]) => Promise<boolean[]>;
  setMany?: (entries: Array<{ key: string; value: unknown }>) => Promise<void>;
}

/**
 * Whole batches in one statement each. @keyv/sqlite has no setMany or hasMany (Keyv then
 * runs one autocommitted statement per key: 1 000 inserts ~1.3 s instead of ~50 ms), and its
 * getMany matches rows to keys with a linear search (quadratic: ~1 s for 10 000 keys).
 */
function batchSqlite(sqlite: SqliteStore): void {
  const table = sqlite.opts.table;
  const select = async (columns: string, keys: string[]) => {
    const rows = (await sqlite.query(
      `SELECT ${columns} FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(keys),
    )) as Array<{ key: string; value?: string }>;
    return new Map(rows.map((row) => [row.key, row.value]));
  };
  sqlite.getMany = async (keys) => {
    const found = await select('key, value', keys);
    return keys.map((key) => found.get(key));
  };
  sqlite.hasMany = async (keys) => {
    const found = await select('key', keys);
    return keys.map((key) => found.has(key));
  };
  sqlite.setMany = async (entries) => {
    await sqlite.query(
      `INSERT INTO ${table} (key, value)
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      JSON.stringify(entries.map(({ key, value }) => [key, value])),
    );
  };
}

/** A Keyv over `@keyv/sqlite` in WAL mode with batched reads and writes; the parent directory is created. */
export async function openSqliteKeyv(
  file: string,
  busyTimeoutMs = DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
): Promise<Keyv> {
  const { KeyvSqlite } = await loadOptionalPeer(
    '@keyv/sqlite',
    'sqlite:// caches',
    () => import('@keyv/sqlite'),
  );
  if (file !== ':memory:') await ensureDirectory(path.dirname(file), 'the embedding cache');
  const store = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: busyTimeoutMs });
  const sqlite = store as unknown as SqliteStore;
  batchSqlite(sqlite);
  const keyv = strictKeyv(store);
  try {
    // Readers do not block the writer, and concurrent processes wait instead of failing.
    await sqlite.query('PRAGMA journal_mode = WAL');
  } catch (error) {
    await keyv.disconnect().catch(() => {});
    throw error;
  }
  return keyv;
}

/**
 * A Keyv that rejects on store failures (by default keyv turns them into misses, and a flush
 * could never fail) and uses our keys as they are.
 */
function strictKeyv(store: KeyvStoreAdapter): Keyv {
  const keyv = new Keyv({
    store,
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
    ...compactJson,
  });
  keyv.on('error', () => {}); // reported through the rejected operation
  return keyv;
}

/** A Keyv over `@keyv/redis` that gives up connecting after a few attempts instead of retrying forever. */
export async function openRedisKeyv(
  url: string,
  connectTimeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
): Promise<Keyv> {
  const { default: KeyvRedis } = await loadOptionalPeer(
    '@keyv/redis',
    'redis:// caches',
    () => import('@keyv/redis'),
  );
  const store = new KeyvRedis(
    {
      url,
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: (retries: number, cause: Error) => (retries >= 3 ? cause : 100 * 2 ** retries),
      },
    },
    // Not `connectionTimeout`: @keyv/redis leaves that timer running, holding the process open.
    { throwOnConnectError: true, throwOnErrors: true },
  );
  const keyv = strictKeyv(store);
  return keyv;
}
