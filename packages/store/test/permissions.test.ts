import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCodeIndex } from '../src/index.js';
import { childScript, runChild } from './child.js';
import { MODEL, record, tempDir, unit } from './helpers.js';

// Root writes through any permission, so the writer here is a child process running as
// `nobody` (uid 65534) against an index root built. Skipped when not root.
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** argv: index dir, then a directory to check with checkIndexLocation. Prints one JSON object. */
const WRITER = `
const [dir, checkDir] = process.argv.slice(2);
const out = {};
const describe = (error) => ({ code: error.code, message: error.message });
try { await STORE.checkIndexLocation(checkDir); out.check = 'ok'; } catch (error) { out.check = describe(error); }
const index = await STORE.openCodeIndex(dir, { model: MODEL, lockWaitMs: 2000 });
out.before = (await index.stats()).entities;
try { await index.sync(records(30, 'new')); out.sync = 'ok'; } catch (error) { out.sync = describe(error); }
out.after = (await index.stats()).entities;
await index.close();
console.log(JSON.stringify(out));
`;

async function rootBuiltIndex(): Promise<string> {
  const parent = await tempDir();
  await chmod(parent, 0o755);
  const dir = join(parent, 'idx');
  const index = await openCodeIndex(dir, { model: MODEL });
  await index.sync([
    record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) }),
    record({ file: 'b.py', line: 1, name: 'b', vector: unit(0, 1) }),
  ]);
  await index.close();
  return dir;
}

async function runAsNobody(dir: string, checkDir: string) {
  const result = await runChild(childScript(WRITER), [dir, checkDir], { uid: NOBODY, gid: NOBODY });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe.skipIf(!isRoot)(
  `an index the user cannot write${isRoot ? '' : ' (skipped: needs root to run a child as nobody)'}`,
  () => {
    it('checkIndexLocation says so before any work; a sync fails naming the directory and EACCES; the index stays', async () => {
      const dir = await rootBuiltIndex();
      const out = await runAsNobody(dir, join(dir, '..', 'new-index'));
      expect(out.check).toMatchObject({ code: 'INDEX_NOT_WRITABLE' });
      expect(out.check.message).toContain(join(dir, '..', 'new-index'));
      expect(out.check.message).toMatch(/EACCES/);
      expect(out.before).toBe(2);
      expect(out.sync).toMatchObject({ code: 'WRITE_FAILED' });
      expect(out.sync.message).toContain(dir);
      expect(out.sync.message).toMatch(/EACCES/);
      expect(out.after).toBe(2);
    }, 60_000);

    it('EACCES mid-run (the lock taken, the table not writable): WRITE_FAILED, the last version stays', async () => {
      const dir = await rootBuiltIndex();
      await chown(dir, NOBODY, NOBODY); // the directory (lock, marker) is theirs; the table is root's
      const writable = join(dir, '..', 'theirs');
      await mkdir(writable);
      await chown(writable, NOBODY, NOBODY);
      const out = await runAsNobody(dir, writable);
      expect(out.check).toBe('ok');
      expect(out.sync).toMatchObject({ code: 'WRITE_FAILED' });
      expect(out.sync.message).toContain(dir);
      expect(out.sync.message).toMatch(/EACCES|Permission denied/);
      expect(out.after).toBe(2);
    }, 60_000);
  },
);
