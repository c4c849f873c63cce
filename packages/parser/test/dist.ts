import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ParseDirectoryOptions } from '../src/index.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DIST_INDEX = path.join(PACKAGE, 'dist', 'index.js');

/** Fails loudly when dist/ is missing or older than src/: a test of stale code proves nothing. */
export function assertDistIsFresh(): void {
  let built: number;
  try {
    built = statSync(DIST_INDEX).mtimeMs;
  } catch {
    throw new Error(`${DIST_INDEX} is missing: run \`pnpm build\` first`);
  }
  const sources = readdirSync(path.join(PACKAGE, 'src'), { recursive: true, encoding: 'utf8' });
  for (const source of sources) {
    if (source.endsWith('.ts') && statSync(path.join(PACKAGE, 'src', source)).mtimeMs > built) {
      throw new Error(`dist/ is older than src/${source}: run \`pnpm build\` first`);
    }
  }
}

/** What the child prints: a DirectoryParseResult made JSON-safe, plus whether threads ran. */
export interface ChildResult {
  entities: Array<{ filePath: string; qualifiedName: string; lineNumber: number; endLine: number }>;
  files: Array<{ filePath: string; entities: number; warnings: string[] }>;
  skipped: Array<{ relativePath: string; reason: string; error: boolean }>;
  errors: Array<{ filePath: string; reason: string; code: string; message: string }>;
  usedThreads: boolean;
}

/**
 * Runs parseDirectory from the built dist in a child process (worker threads only exist
 * there), optionally as another user: root reads chmod 000 files regardless.
 */
export function parseDirectoryInChild(
  root: string,
  options: ParseDirectoryOptions,
  scriptDir: string,
  user?: { uid: number; gid: number },
): ChildResult {
  assertDistIsFresh();
  const script = path.join(scriptDir, 'run-parse-directory.mjs');
  writeFileSync(
    script,
    `import { parseDirectory } from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)};
const resources = new Set();
const timer = setInterval(() => { for (const name of process.getActiveResourcesInfo()) resources.add(name); }, 1);
const result = await parseDirectory(${JSON.stringify(root)}, ${JSON.stringify(options)});
clearInterval(timer);
process.stdout.write(JSON.stringify({
  entities: result.entities.map(({ filePath, qualifiedName, lineNumber, endLine }) => ({ filePath, qualifiedName, lineNumber, endLine })),
  files: result.files.map(({ filePath, entities, warnings }) => ({ filePath, entities, warnings })),
  skipped: result.skipped,
  errors: result.errors.map(({ filePath, reason, code, message }) => ({ filePath, reason, code, message })),
  usedThreads: resources.has('MessagePort'),
}));
`,
    { mode: 0o644 },
  );
  const child = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  if (child.status !== 0) {
    throw new Error(
      `child failed (${child.status ?? child.signal}): ${child.stderr || child.error?.message}`,
    );
  }
  return JSON.parse(child.stdout) as ChildResult;
}
