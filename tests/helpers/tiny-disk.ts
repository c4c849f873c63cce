import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A small tmpfs for real ENOSPC, or why there is none (not root, mount refused). */
export type TinyDisk = { dir: string; unmount: () => void } | { skipped: string };

/** Mounts a tmpfs of `size` (`4m`, `512k`) on a fresh directory; root only. */
export function mountTinyDisk(size: string): TinyDisk {
  if (process.getuid?.() !== 0) return { skipped: 'needs root to mount a tmpfs' };
  const dir = mkdtempSync(path.join(tmpdir(), 'codesearch-tiny-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message || '').trim()}` };
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `file` until the disk is full, leaving `spareBytes` (approximately) free. */
export async function fillDisk(file: string, spareBytes = 0): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  try {
    for (;;) {
      const info = spawnSync('df', ['--output=avail', '-B1', path.dirname(file)], { encoding: 'utf8' });
      const available = Number(info.stdout.trim().split('\n').pop());
      if (!(available > spareBytes + chunk.length)) break;
      await handle.write(chunk);
    }
    // Asked for a full disk: the loop above stops up to one chunk short of it, which a small
    // cache file fits in. Smaller writes until the disk refuses one.
    if (spareBytes === 0) for (;;) await handle.write(Buffer.alloc(512, 0x61));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}
