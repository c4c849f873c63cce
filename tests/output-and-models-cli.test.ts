import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import {
  chmod,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  CRASH,
  codesearch,
  escapeRegExp,
  FORBID_RUNTIME,
  MINI_REPO,
  MODELS_DIR,
  ok,
} from './helpers/cli.js';
import { run, stripAnsi } from './helpers/run.js';
import { makeOwnedDir, NOBODY, needsUnprivilegedUser, readableModelsDir } from './helpers/run-as.js';

// `embed --output` wherever it points, and model files that verify themselves: the built CLI on
// the mini repository, the real model (a copy of it where it gets damaged), temp caches.

const MODEL = 'Xenova/all-MiniLM-L6-v2';
const ONNX = 'onnx/model_quantized.onnx';

interface ResultFile {
  summary: { total: number; success: number; failed: number; cached: number; newlyEmbedded: number };
  embeddings: Record<string, number[] | null>;
  errors: Record<string, string>;
  metadata: { modelName: string; modelVersion: string; dimensions: number };
  warnings: string[];
}

interface JsonReport {
  summary: ResultFile['summary'];
  metadata: ResultFile['metadata'];
}

interface ListedModel {
  name: string;
  state: 'ok' | 'damaged' | 'incomplete';
  problems: Array<{ file: string; problem: string; expectedSize?: number; actualSize?: number }>;
}

let scratch = '';
/** Entity keys of the mini repository, from `codesearch parse` (independent of embed). */
let entityKeys: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-output-models-'));
  await chmod(scratch, 0o755);
  const parsed = ok(await codesearch(['parse', MINI_REPO, '--json']), 'parse');
  entityKeys = parsed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { filePath: string; lineNumber: number })
    .map((entity) => `${entity.filePath}:${entity.lineNumber}`)
    .sort();
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Exactly the full result: every entity, with a 384-d vector. */
function expectFullResult(text: string): void {
  const result = JSON.parse(text) as ResultFile;
  expect(Object.keys(result.embeddings).sort()).toEqual(entityKeys);
  for (const vector of Object.values(result.embeddings)) expect(vector).toHaveLength(384);
  expect(result.summary.total).toBe(entityKeys.length);
  expect(result.metadata.modelName).toBe(MODEL);
}

/** Lines of stderr that are neither progress nor the summary table. */
function messageLines(stderr: string): string[] {
  return stripAnsi(stderr)
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^(embedding: |[┌│├└])/.test(line));
}

describe('embed --output', () => {
  // Root may replace anything in /dev: as root, the CLI runs as `nobody`, so that code which
  // renamed over its target (the bug) could not damage this machine's /dev/stdout or /dev/full.
  const user = needsUnprivilegedUser() ? NOBODY : undefined;
  let home = '';
  let modelsDir = '';
  /** A cache holding every entity of the mini repository: runs with it never load the model. */
  let warmCache = '';

  function cli(args: readonly string[], options: { cache?: string; nodeOptions?: string[] } = {}) {
    return run(
      process.execPath,
      [
        ...(options.nodeOptions ?? []),
        BIN,
        'embed',
        MINI_REPO,
        ...(options.cache === 'none' ? ['--no-cache'] : ['--cache', options.cache ?? warmCache]),
        '--models-dir',
        modelsDir,
        ...args,
      ],
      { cwd: home, env: { ...process.env, HOME: home }, timeoutMs: 120_000, ...(user ? { user } : {}) },
    );
  }

  beforeAll(async () => {
    home = await makeOwnedDir(path.join(scratch, 'home'), user);
    modelsDir = await readableModelsDir(MODELS_DIR, scratch, user);
    warmCache = await makeOwnedDir(path.join(scratch, 'warm-cache'), user);
    const first = await cli(['--json']);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as JsonReport).summary.newlyEmbedded).toBe(entityKeys.length);
  });

  it('- writes the full result to stdout and the summary table to stderr', async () => {
    const result = await cli(['--output', '-']);
    expect(result.code, result.stderr).toBe(0);
    expectFullResult(result.stdout);
    expect(stripAnsi(result.stderr)).toMatch(/│ newly embedded │ 0 /);
    expect(await readdir(home)).not.toContain('-');
  });

  it('/proc/self/fd/1 on a socket (what a Node parent gives) is standard output too', async () => {
    const result = await cli(['--output', '/proc/self/fd/1']);
    expect(result.code, result.stderr).toBe(0);
    expectFullResult(result.stdout);
  });

  it('/dev/stdout redirected to a file', async () => {
    const file = path.join(home, 'redirected.json');
    const result = await run(
      '/bin/sh',
      [
        '-c',
        'exec "$@" > "$OUT_FILE"',
        'sh',
        process.execPath,
        BIN,
        'embed',
        MINI_REPO,
        '--cache',
        warmCache,
        '--models-dir',
        modelsDir,
        '--output',
        '/dev/stdout',
      ],
      { cwd: home, env: { ...process.env, HOME: home, OUT_FILE: file }, ...(user ? { user } : {}) },
    );
    expect(result.code, result.stderr).toBe(0);
    expectFullResult(await readFile(file, 'utf8'));
    expect(stripAnsi(result.stderr)).toMatch(/│ entities/);
  });

  it('--json with --output - is refused at once: both want stdout', async () => {
    const result = await cli(['--json', '--output', '-'], {
      cache: 'none',
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'codesearch: --json and --output - both write to standard output; drop --json (the full result includes its fields) or give --output a file',
    );
  });

  it('a FIFO gets the result for its reader and stays a FIFO', async () => {
    const dir = await makeOwnedDir(path.join(scratch, 'fifo'), user);
    const fifo = path.join(dir, 'result.fifo');
    execFileSync('mkfifo', [fifo]);
    if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, fifo]);
    // The reader is a process of its own: if the FIFO were replaced, it could be killed, not leaked.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let received = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    const readerClosed = once(reader, 'close');
    try {
      const result = await cli(['--output', fifo]);
      expect(result.code, result.stderr).toBe(0);
      expect((await lstat(fifo)).isFIFO()).toBe(true);
      await readerClosed;
      expectFullResult(received);
      expect(await readdir(dir)).toEqual(['result.fifo']);
    } finally {
      reader.kill('SIGKILL');
    }
  });

  it('/dev/full: exit 1, one line naming /dev/full and ENOSPC, the cache saved, /dev/full untouched', async () => {
    const cache = await makeOwnedDir(path.join(scratch, 'full-cache'), user);
    const result = await cli(['--output', '/dev/full'], { cache });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(CRASH);
    const messages = messageLines(result.stderr).filter((line) => line.startsWith('codesearch:'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^codesearch: cannot write \/dev\/full: ENOSPC/);
    // Nothing else lost: the summary was printed, and the cache holds every new embedding.
    expect(stripAnsi(result.stdout)).toMatch(new RegExp(`│ newly embedded │ ${entityKeys.length} `));
    expect((await stat('/dev/full')).isCharacterDevice()).toBe(true);
    const again = await cli(['--json'], { cache, nodeOptions: ['--import', FORBID_RUNTIME] });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as JsonReport).summary.cached).toBe(entityKeys.length);
  });

  it.runIf(user !== undefined)(
    'a device node, even where the user may replace it, is never replaced',
    async () => {
      // Run as root here, on a /dev/full twin (char 1,7) in our own directory, never on /dev itself.
      const full = path.join(scratch, 'full-twin');
      execFileSync('mknod', [full, 'c', '1', '7']);
      const result = await codesearch(
        ['embed', MINI_REPO, '--cache', warmCache, '--models-dir', modelsDir, '--output', full],
        { cwd: scratch },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`codesearch: cannot write ${escapeRegExp(full)}: ENOSPC`));
      expect((await lstat(full)).isCharacterDevice()).toBe(true);
      expect((await readdir(scratch)).filter((name) => name.startsWith('full-twin'))).toEqual(['full-twin']);
    },
  );

  it('a directory is refused before anything is parsed or embedded (the model never loads)', async () => {
    const dir = await makeOwnedDir(path.join(scratch, 'a-directory'), user);
    const started = Date.now();
    const result = await cli(['--output', dir], { cache: 'none', nodeOptions: ['--import', FORBID_RUNTIME] });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`codesearch: cannot write ${dir}: it is a directory`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a parent that cannot be created is refused at once (procfs: no endless mkdir)', async () => {
    const result = await cli(['--output', '/proc/nope/result.json'], {
      cache: 'none',
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^codesearch: cannot create directory \/proc\/nope \(for --output\): ENOENT/,
    );
  });

  it('a new file in new directories, and an existing file replaced atomically', async () => {
    const dir = path.join(home, 'out', 'nested');
    const file = path.join(dir, 'result.json');
    ok(await cli(['--output', file]), 'first output');
    expectFullResult(await readFile(file, 'utf8'));
    await writeFile(file, 'old content');
    const before = await stat(file);
    ok(await cli(['--output', file]), 'second output');
    expectFullResult(await readFile(file, 'utf8'));
    expect((await stat(file)).ino).not.toBe(before.ino); // renamed into place, never written in place
    expect(await readdir(dir)).toEqual(['result.json']);
  });

  it('a symbolic link stays a link; its target gets the result', async () => {
    const dir = await makeOwnedDir(path.join(scratch, 'links'), user);
    await mkdir(path.join(dir, 'real'));
    if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, path.join(dir, 'real')]);
    const link = path.join(dir, 'latest.json');
    await symlink(path.join('real', 'result.json'), link);
    ok(await cli(['--output', link]), 'output through a link');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(path.join('real', 'result.json'));
    expectFullResult(await readFile(path.join(dir, 'real', 'result.json'), 'utf8'));
  });
});

describe('damaged models', () => {
  let modelsDir = '';
  let modelDir = '';
  let hub: Server;
  let hubUrl = '';
  const hubRequests: string[] = [];

  function cli(args: readonly string[], options: { nodeOptions?: string[]; timeoutMs?: number } = {}) {
    return codesearch(args, {
      cwd: scratch,
      env: { ...process.env, CODESEARCH_MODELS_DIR: modelsDir, HF_ENDPOINT: hubUrl },
      ...options,
    });
  }

  beforeAll(async () => {
    modelsDir = path.join(scratch, 'models-copy');
    modelDir = path.join(modelsDir, ...MODEL.split('/'));
    await cp(path.join(MODELS_DIR, ...MODEL.split('/')), modelDir, { recursive: true });
    // A stand-in for the Hugging Face hub on loopback, serving the provisioned model's files.
    hub = createServer(async (request, response) => {
      hubRequests.push(request.url ?? '');
      const match = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(request.url ?? '');
      if (!match) return void response.writeHead(404).end();
      const file = path.join(MODELS_DIR, ...MODEL.split('/'), decodeURIComponent(match[1]!));
      response.writeHead(200, { 'content-length': (await stat(file)).size });
      createReadStream(file).pipe(response);
    });
    hub.listen(0, '127.0.0.1');
    await once(hub, 'listening');
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  });
  afterAll(() => hub?.close());

  it('a truncated model: embed fails once, up front, naming the file and the repair; list shows it; pull repairs it', async () => {
    const manifest = JSON.parse(await readFile(path.join(modelDir, 'codesearch-model.json'), 'utf8')) as {
      files: Record<string, { size: number }>;
    };
    const onnxSize = manifest.files[ONNX]!.size;
    await truncate(path.join(modelDir, ONNX), 1000);

    const cache = path.join(scratch, 'damaged-cache');
    const embed = await cli(['embed', MINI_REPO, '--cache', cache], {
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(embed.code).toBe(1);
    expect(embed.stderr).not.toMatch(/Protobuf|embedding failed|forbidden in this test/);
    expect(messageLines(embed.stderr)).toEqual([
      `codesearch: [embedder] model ${MODEL} in ${modelDir} is damaged: ${ONNX} (1000 bytes, expected ${onnxSize}); ` +
        `run \`codesearch model pull ${MODEL} --force\``,
    ]);

    const list = await cli(['model', 'list']);
    expect(list.code).toBe(0);
    expect(stripAnsi(list.stdout)).toMatch(
      /│ Xenova\/all-MiniLM-L6-v2 │ damaged: onnx\/model_quantized\.onnx │/,
    );
    expect(list.stderr).toContain(`codesearch model pull ${MODEL} --force`);
    const listed = JSON.parse(ok(await cli(['model', 'list', '--json'])).stdout) as ListedModel;
    expect(listed).toMatchObject({
      name: MODEL,
      state: 'damaged',
      problems: [{ file: ONNX, problem: 'size', expectedSize: onnxSize, actualSize: 1000 }],
    });

    hubRequests.length = 0;
    const pull = await cli(['model', 'pull']);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toContain(
      `${MODEL} is damaged: ${ONNX} (1000 bytes, expected ${onnxSize}); fetching it again`,
    );
    expect(hubRequests).toHaveLength(4);
    expect((JSON.parse(ok(await cli(['model', 'list', '--json'])).stdout) as ListedModel).state).toBe('ok');
    expect((await stat(path.join(modelDir, ONNX))).size).toBe(onnxSize);

    const repaired = await cli(['embed', MINI_REPO, '--cache', cache, '--json']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect((JSON.parse(repaired.stdout) as JsonReport).summary.success).toBe(entityKeys.length);
  });

  it('model pull --precision fp32 names the identity an fp32 embed reports (not the int8 one)', async () => {
    const pull = ok(await cli(['model', 'pull', '--precision', 'fp32']), 'pull');
    const embed = JSON.parse(
      ok(await cli(['embed', MINI_REPO, '--no-cache', '--precision', 'fp32', '--json'])).stdout,
    ) as JsonReport;
    const int8 = JSON.parse(ok(await cli(['embed', MINI_REPO, '--no-cache', '--json'])).stdout) as JsonReport;
    expect(embed.metadata.modelVersion).not.toBe(int8.metadata.modelVersion);
    expect(pull.stderr).toContain(`(fp32 ${embed.metadata.modelVersion}`);
    expect(pull.stderr).not.toContain(int8.metadata.modelVersion);
  });

  it('a model missing a file is listed incomplete and fetched again by a plain pull', async () => {
    await rm(path.join(modelDir, 'tokenizer.json'));
    await writeFile(path.join(modelDir, 'config.json'), '{}'); // damaged too: both are named
    const listed = JSON.parse(ok(await cli(['model', 'list', '--json'])).stdout) as ListedModel;
    expect(listed.state).toBe('damaged');
    expect(listed.problems.map((problem) => `${problem.file} ${problem.problem}`)).toEqual([
      'config.json size',
      'tokenizer.json missing',
    ]);
    await cp(path.join(MODELS_DIR, ...MODEL.split('/'), 'config.json'), path.join(modelDir, 'config.json'));
    const incomplete = JSON.parse(ok(await cli(['model', 'list', '--json'])).stdout) as ListedModel;
    expect(incomplete).toMatchObject({
      state: 'incomplete',
      problems: [{ file: 'tokenizer.json', problem: 'missing' }],
    });
    ok(await cli(['model', 'pull']), 'pull');
    expect((JSON.parse(ok(await cli(['model', 'list', '--json'])).stdout) as ListedModel).state).toBe('ok');
  });

  it('the same model by hub name and by its directory: one name, one identity, one cache', async () => {
    // The provisioned model, read only: independent of what the tests above did to the copy.
    const cache = path.join(scratch, 'identity-cache');
    const byName = JSON.parse(
      ok(await cli(['embed', MINI_REPO, '--cache', cache, '--json', '--models-dir', MODELS_DIR])).stdout,
    ) as JsonReport;
    const byPath = JSON.parse(
      ok(
        await cli(
          [
            'embed',
            MINI_REPO,
            '--cache',
            cache,
            '--json',
            '--model',
            path.join(MODELS_DIR, ...MODEL.split('/')),
          ],
          { nodeOptions: ['--import', FORBID_RUNTIME] },
        ),
      ).stdout,
    ) as JsonReport;
    expect(byName.metadata.modelName).toBe(MODEL);
    expect(byPath.metadata.modelName).toBe(MODEL);
    expect(byPath.metadata.modelVersion).toBe(byName.metadata.modelVersion);
    expect(byPath.summary.cached).toBe(entityKeys.length);
  });

  it('a models directory that cannot be created fails fast with its name (procfs)', async () => {
    for (const args of [
      ['model', 'pull', '--models-dir', '/proc/nope/models'],
      ['embed', MINI_REPO, '--no-cache', '--models-dir', '/proc/nope/models'],
    ]) {
      const result = await cli(args, { timeoutMs: 20_000 });
      expect(result.signal, `${args.join(' ')} hung`).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'cannot create directory /proc/nope/models (the models directory): ENOENT',
      );
    }
  });
});
