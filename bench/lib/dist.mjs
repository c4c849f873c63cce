/** Loads a workspace package from its build output, with a clear message when it is not built. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** `loadDist(repoRoot, 'cache')` imports packages/cache/dist/index.js. */
export async function loadDist(repoRoot, pkg) {
  const entry = path.join(repoRoot, `packages/${pkg}/dist/index.js`);
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`pnpm build\` first (or use \`pnpm bench\`).`);
  return import(pathToFileURL(entry).href);
}
