// Copies tree-sitter-swift's prebuilt binaries into this package (vendor/tree-sitter-swift), so
// that installing @codesearch/parser never installs tree-sitter-swift itself: that package
// depends on tree-sitter-cli, whose install script downloads a binary from GitHub and fails
// offline. The grammar is MIT-licensed; its licence travels with the binaries.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(packageRoot, 'package.json'));
const source = path.dirname(require.resolve('tree-sitter-swift/package.json'));
const { name, version, license } = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8'));
const target = path.join(packageRoot, 'vendor', name);

await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });
await cp(path.join(source, 'prebuilds'), path.join(target, 'prebuilds'), { recursive: true });
await cp(path.join(source, 'LICENSE'), path.join(target, 'LICENSE'));
// node-gyp-build reads the name (for a TREE_SITTER_SWIFT_PREBUILD override) from here.
await writeFile(
  path.join(target, 'package.json'),
  `${JSON.stringify({ name, version, license, private: true }, null, 2)}\n`,
);
