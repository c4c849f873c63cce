import { createHash } from 'node:crypto';
import { InvalidArgumentError } from 'commander';

/** One part of a tree split n ways: `index` is 1-based (`--shard 1/2` and `--shard 2/2`). */
export interface Shard {
  index: number;
  count: number;
}

/** `1/2` → { index: 1, count: 2 }; rejects `0/2`, `3/2`, `1/0`, `a/b`, `1.5/2`. */
export function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count)) {
    throw new InvalidArgumentError(`not a shard: '${value}' (expected i/n, e.g. 1/4: part 1 of 4)`);
  }
  if (count < 1) throw new InvalidArgumentError(`not a shard: '${value}' (n must be at least 1)`);
  if (index < 1 || index > count) {
    throw new InvalidArgumentError(`not a shard: '${value}' (i counts from 1 to n, here 1 to ${count})`);
  }
  return { index, count };
}

/**
 * The shard (1 to `count`) a file belongs to: the first 48 bits of the SHA-256 of its POSIX
 * path relative to the root (Unicode NFC, UTF-8), modulo `count`, plus one. It depends on the
 * path alone — not on the walk order, the rest of the tree, the machine or the run — so n
 * machines given the same tree and the same `count` split it with no overlap and no gap.
 */
export function shardOfPath(relativePath: string, count: number): number {
  // NFC: macOS may spell a name decomposed where Linux keeps it composed; it is one file.
  const digest = createHash('sha256').update(relativePath.normalize('NFC'), 'utf8').digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/** A walk filter keeping only the files of `shard`. */
export function shardFilter(shard: Shard): (relativePath: string) => boolean {
  return (relativePath) => shardOfPath(relativePath, shard.count) === shard.index;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
