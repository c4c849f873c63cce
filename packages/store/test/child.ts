import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childDist as sharedChildDist } from '../../../test-support/child-dist.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

/**
 * `src/` as plain JS for child processes (killed ones, other users) without a build; its
 * siblings (`@codesearch/core`, `@codesearch/fs`) load from their built dists.
 */
export function childDist(): string {
  return sharedChildDist(PACKAGE);
}

/**
 * Writes `source` (an ES module) next to the dist and returns its path. `STORE` is the store's
 * entry; `MODEL` the test model; `records(n, salt)` makes n records like the tests' (8-d).
 */
export function childScript(source: string): string {
  const dist = childDist();
  const file = path.join(
    path.dirname(path.dirname(dist)),
    `child-${Math.random().toString(36).slice(2)}.mjs`,
  );
  writeFileSync(file, `${PRELUDE.replace('__DIST__', JSON.stringify(dist))}\n${source}`, { mode: 0o644 });
  return file;
}

const PRELUDE = `
const STORE = await import(__DIST__);
const MODEL = { modelName: 'test/hash-model', modelVersion: 'sha256:aaaa', dimensions: 8 };
function records(n, salt = 'a', textBytes = 200) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(8);
    for (let d = 0; d < 8; d++) v[d] = Math.sin(i * 7 + d * 3 + salt.length) + 1.5;
    const norm = Math.hypot(...v);
    for (let d = 0; d < 8; d++) v[d] /= norm;
    const file = 'src/f' + Math.floor(i / 20) + '.py';
    const line = (i % 20) * 10 + 1;
    const name = 'fn_' + salt + '_' + i;
    out.push({
      locationKey: file + ':' + line, window: 0, windowStart: line, windowEnd: line + 5,
      filePath: file, lineNumber: line, endLine: line + 5,
      kind: 'function', name, qualifiedName: name, language: 'python',
      text: 'python function ' + name + ' ' + ('w' + i + ' ').repeat(Math.ceil(textBytes / 6)),
      contentDigest: 'digest-' + salt + '-' + i, vector: v,
    });
  }
  return out;
}
`;

export interface Child {
  /** Resolves when the child printed a line equal to `line`. */
  waitFor(line: string): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): { stdout: string; stderr: string };
  pid: number;
}

export function startChild(
  script: string,
  args: string[] = [],
  options: { uid?: number; gid?: number } = {},
): Child {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    for (const waiter of waiters.splice(0)) {
      if (lines.includes(waiter.line)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid ?? -1,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split('\n').includes(line)) return resolve();
        waiters.push({ line, resolve });
        exited.then(({ code, signal }) => {
          if (!stdout.split('\n').includes(line))
            reject(
              new Error(`child exited (${code ?? signal}) before printing ${line}\n${stdout}\n${stderr}`),
            );
        });
      }),
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
    },
    exited,
    output: () => ({ stdout, stderr }),
  };
}

/** Runs a script to the end; resolves with its exit and output. */
export async function runChild(
  script: string,
  args: string[] = [],
  options: { uid?: number; gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startChild(script, args, options);
  const { code } = await child.exited;
  return { code, ...child.output() };
}
