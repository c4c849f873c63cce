import { access, rename } from 'node:fs/promises';

/** `2025-11-01T15-05-00-000Z`: an ISO time usable in a file name. */
export function fileStamp(iso: string): string {
  return iso.replace(/[:.]/g, '-');
}

/** A model version as a short file-name part: `sha256:3f1c…` → `sha256_3f1c` (12 characters). */
export function versionLabel(version: string): string {
  return version.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 12) || 'unknown';
}

/**
 * Renames `file` to `<file>.<suffix>` (or `…-1`, `…-2` when taken), never over an existing
 * file, and returns the new path. The bytes are kept for the user to inspect; nothing is deleted.
 */
export async function moveAside(file: string, suffix: string): Promise<string> {
  const base = `${file}.${suffix}`;
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}-${n}`;
    const taken = await access(candidate).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    await rename(file, candidate);
    return candidate;
  }
}
