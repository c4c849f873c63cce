import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
// The server's own estimate: the contract is "the estimate of the answer is within max_tokens".
import { estimateTokens } from 'codesearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CRASH, codesearch, escapeRegExp, MINI_REPO, ok } from './helpers/cli.js';

// End to end: `codesearch mcp` (the built CLI) as a child process, driven by the MCP SDK's own
// client over stdio, on real indexes built by `codesearch index` with the real model.

interface ToolAnswer {
  text: string;
  isError: boolean;
}

interface Server {
  call(
    name: string,
    args?: Record<string, unknown>,
    onProgress?: (message: string) => void,
  ): Promise<ToolAnswer>;
  client: Client;
  stderr(): string;
  /** Errors the client saw on the connection (a non-JSON line on stdout would be one). */
  protocolErrors: Error[];
  close(): Promise<void>;
}

async function startServer(root: string, extra: string[] = []): Promise<Server> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--path', root, '--cache', path.join(scratch, 'cache.json'), ...extra],
    // The default passes only a few variables; CODESEARCH_MODELS_DIR must reach the server.
    env: Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'codesearch-tests', version: '0.0.0' });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return {
    client,
    protocolErrors,
    stderr: () => stderr,
    async call(name, args = {}, onProgress) {
      const result = await client.callTool(
        { name, arguments: args },
        undefined,
        onProgress
          ? { onprogress: (progress) => onProgress(progress.message ?? ''), timeout: 280_000 }
          : { timeout: 280_000 },
      );
      const content = result.content as Array<{ type: string; text?: string }>;
      return { text: content.map((part) => part.text ?? '').join('\n'), isError: result.isError === true };
    },
    close: () => client.close(),
  };
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-mcp-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the mini repository, indexed by `codesearch index` into its own `.codesearch`. */
async function indexedCopy(name: string): Promise<string> {
  const tree = path.join(scratch, name);
  await cp(MINI_REPO, tree, { recursive: true });
  ok(await codesearch(['index', tree, '--cache', path.join(scratch, 'cache.json')]), 'index');
  return tree;
}

describe('codesearch mcp on an indexed tree', () => {
  let tree: string;
  let server: Server;

  beforeAll(async () => {
    tree = await indexedCopy('indexed');
    server = await startServer(tree);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('lists three tools with short descriptions', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['read', 'search', 'status']);
    for (const tool of tools) expect(tool.description?.length ?? 0).toBeLessThan(400);
    const search = tools.find((tool) => tool.name === 'search')!;
    expect(search.inputSchema.required).toEqual(['query']);
  });

  it('search finds a known function: its path relative to the root, its lines, a score', async () => {
    const answer = await server.call('search', { query: 'join words with dashes', k: 3 });
    expect(answer.isError).toBe(false);
    const lines = answer.text.split('\n');
    expect(lines[0]).toBe(`3 hits, paths relative to ${tree}`);
    expect(lines[1]).toMatch(/^app\/util\.py:4-6 slugify \(function\) 1\.00 \[[\d.]+\]$/);
    // The lines are read from the file: the docstring holds the query's words.
    expect(lines).toContain('5:    """Lower-case text and join its words with dashes."""');
    expect(lines).toContain('4-def slugify(text):');
    // Only the first line names the root: every hit's path is relative.
    expect(lines.slice(1).some((line) => line.includes(tree))).toBe(false);
    expect(estimateTokens(answer.text)).toBeLessThanOrEqual(2000);
  });

  it('search fits a small max_tokens and says what it left out', async () => {
    const answer = await server.call('search', { query: 'user name', max_tokens: 200 });
    expect(answer.isError).toBe(false);
    expect(estimateTokens(answer.text)).toBeLessThanOrEqual(200);
    expect(answer.text).toMatch(
      /… \d+ more hits not shown \(max_tokens 200\); raise max_tokens or narrow the query/,
    );
    // Far from the whole answer: the default budget shows more.
    const whole = await server.call('search', { query: 'user name' });
    expect(whole.text.length).toBeGreaterThan(answer.text.length);
  });

  it('search filters by path globs, language and kind', async () => {
    const included = await server.call('search', { query: 'greet', include: ['cmd/**'] });
    const paths = [...included.text.matchAll(/^(\S+):\d+-\d+ /gm)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths)).toEqual(new Set(['cmd/main.go']));
    const excluded = await server.call('search', { query: 'greet', exclude: ['cmd/'] });
    expect(excluded.text).not.toMatch(/^cmd\//m);
    const methods = await server.call('search', { query: 'user', kinds: ['method'], languages: ['python'] });
    const kinds = [...methods.text.matchAll(/^app\/\S+ \S+ \((\w+)\)/gm)].map((match) => match[1]);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['method']));
  });

  it('read shows a unit by its id and a file range, line-numbered', async () => {
    const unit = await server.call('read', { id: 'app/util.py:4' });
    expect(unit).toEqual({
      isError: false,
      text: [
        'app/util.py:4-6 slugify (function)',
        '4:def slugify(text):',
        '5:    """Lower-case text and join its words with dashes."""',
        '6:    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")',
      ].join('\n'),
    });
    // The header form of a hit (`path:start-end`) names the same unit.
    expect((await server.call('read', { id: 'app/util.py:4-6' })).text).toBe(unit.text);
    const range = await server.call('read', { path: 'app/models.py', start: 7, end: 8 });
    expect(range.text).toBe(
      ['app/models.py:7-8 (of 23 lines)', '7:class User:', '8:    """A registered user."""'].join('\n'),
    );
  });

  it('read is bounded by max_tokens and says where to go on', async () => {
    const answer = await server.call('read', { path: 'app/models.py', max_tokens: 100 });
    expect(estimateTokens(answer.text)).toBeLessThanOrEqual(100);
    const note = answer.text.match(
      /… lines (\d+)-23 not shown \(max_tokens 100\); read path app\/models\.py start (\d+) for the rest/,
    );
    expect(note).not.toBeNull();
    expect(note![1]).toBe(note![2]);
  });

  it('read refuses paths outside the tree', async () => {
    await writeFile(path.join(scratch, 'outside.txt'), 'secret\n');
    for (const outside of ['../outside.txt', path.join(scratch, 'outside.txt')]) {
      const answer = await server.call('read', { path: outside });
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(`is outside the indexed tree ${tree}`);
      expect(answer.text).not.toContain('secret');
    }
  });

  it('status tells counts, model and freshness', async () => {
    const status = JSON.parse(ok(await codesearch(['status', tree, '--json'])).stdout) as {
      entities: number;
      files: number;
      model: { modelName: string };
    };
    const answer = await server.call('status');
    expect(answer.isError).toBe(false);
    const lines = answer.text.split('\n');
    expect(lines).toContain(`root: ${tree}`);
    expect(lines.find((line) => line.startsWith('units: '))).toMatch(
      new RegExp(`^units: ${status.entities} in ${status.files} files \\(`),
    );
    expect(lines.find((line) => line.startsWith('model: '))).toContain(status.model.modelName);
    expect(lines).toContain('freshness: up to date (every file as indexed)');
  });

  it('bad arguments get an error result, and the server answers the next call', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['search', { query: '' }, /query/],
      ['search', { query: 'x', k: 0 }, /k/],
      ['search', { query: 'x', mode: 'fuzzy' }, /mode/],
      ['search', { query: 'x', languages: ['cobol'] }, /languages/],
      ['search', { query: 'x', max_tokens: 'lots' }, /max_tokens/],
      ['read', {}, /either `id`.*or `path`/],
      ['read', { id: 'nothing here' }, /not a unit id/],
      ['read', { id: 'app/util.py:999' }, /no unit app\/util\.py:999 in the index/],
      ['read', { path: 'app' }, /is a directory/],
      ['read', { path: 'app/util.py', start: 50 }, /has 6 lines; start 50 is past its end/],
      ['nonexistent', {}, /not found/],
    ];
    for (const [tool, args, message] of cases) {
      const answer = await server.call(tool, args);
      expect(answer.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(answer.text).toMatch(message);
    }
    const after = await server.call('search', { query: 'join words with dashes', k: 1 });
    expect(after.isError).toBe(false);
    expect(after.text).toContain('app/util.py:4-6 slugify');
    expect(server.stderr()).not.toMatch(CRASH);
  });

  it('a tree changed between two calls: the second answer reflects the change', async () => {
    const query = 'polish the brass doorknob until it shines';
    const before = await server.call('search', { query, k: 1 });
    expect(before.text).not.toContain('app/polish.py');

    await writeFile(
      path.join(tree, 'app', 'polish.py'),
      'def shine_doorknob(knob):\n    """Polish the brass doorknob until it shines."""\n    return knob.polish()\n',
    );
    const added = await server.call('search', { query, k: 1 });
    expect(added.isError).toBe(false);
    expect(added.text).toContain('app/polish.py:1-3 shine_doorknob (function)');
    expect(added.text).toContain('(re-indexed 1 changed file first)');

    // An edit that moves the function down: the new lines, read from the file.
    await writeFile(
      path.join(tree, 'app', 'polish.py'),
      'import os\n\n\ndef shine_doorknob(knob):\n    """Polish the brass doorknob until it shines."""\n    return knob.polish()\n',
    );
    const moved = await server.call('search', { query, k: 1 });
    expect(moved.text).toContain('app/polish.py:4-6 shine_doorknob (function)');
    expect(moved.text).toContain('5:    """Polish the brass doorknob until it shines."""');

    await unlink(path.join(tree, 'app', 'polish.py'));
    const removed = await server.call('search', { query, k: 3 });
    expect(removed.text).not.toContain('app/polish.py');
    expect(removed.text).toContain('(re-indexed 1 changed file first)');
  });

  it('writes nothing but the protocol on stdout', () => {
    expect(server.protocolErrors).toEqual([]);
  });
});

describe('codesearch mcp --no-sync on a tree changed since it was indexed', () => {
  it('flags hits in changed files, says how to refresh, and read warns the lines may have moved', async () => {
    const tree = await indexedCopy('no-sync');
    const server = await startServer(tree, ['--no-sync']);
    try {
      const util = path.join(tree, 'app', 'util.py');
      await writeFile(util, `# moved down\n\n${await readFile(util, 'utf8')}`);
      const answer = await server.call('search', { query: 'join words with dashes', k: 1 });
      expect(answer.text).toContain(
        'app/util.py:4-6 slugify (function) 1.00 [1] [file changed since indexed; indexed lines shown]',
      );
      // The lines the index kept (the file's lines 4-6 are others now).
      expect(answer.text).toContain('5:    """Lower-case text and join its words with dashes."""');
      expect(answer.text).toContain(
        `note: the index is not up to date (not re-indexed (--no-sync)); hits marked [file changed/deleted] may be off; run \`codesearch index ${tree}\``,
      );
      const read = await server.call('read', { id: 'app/util.py:4' });
      expect(read.text.split('\n')[0]).toBe(
        'app/util.py:4-6 slugify (function) [file changed since indexed: the lines may have moved; search again]',
      );
      const status = await server.call('status');
      expect(status.text).toContain(
        `freshness: 1 file differs from the index (1 changed); this server runs with --no-sync: run \`codesearch index ${tree}\``,
      );
    } finally {
      await server.close();
    }
  });
});

describe('codesearch mcp on a tree without an index', () => {
  it('the first search indexes the tree, with progress notifications, then answers', async () => {
    const tree = path.join(scratch, 'unindexed');
    await cp(MINI_REPO, tree, { recursive: true });
    const server = await startServer(tree);
    try {
      const status = await server.call('status');
      expect(status.text).toContain('freshness: not indexed yet; the first search indexes the tree');
      const progress: string[] = [];
      const answer = await server.call('search', { query: 'join words with dashes', k: 2 }, (message) =>
        progress.push(message),
      );
      expect(answer.isError).toBe(false);
      expect(answer.text).toContain('app/util.py:4-6 slugify (function)');
      expect(answer.text).toMatch(/\(indexed the tree first: \d+ units from 4 files in [\d.]+ s\)/);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.some((message) => /embedding: \d+\/\d+ units/.test(message))).toBe(true);
      // Indexed once: the next search answers from the index.
      const again = await server.call('search', { query: 'join words with dashes', k: 2 });
      expect(again.text).not.toContain('indexed the tree first');
      expect((await server.call('status')).text).toContain('freshness: up to date');
    } finally {
      await server.close();
    }
  });

  it('with --no-sync it says to index first', async () => {
    const tree = path.join(scratch, 'unindexed-no-sync');
    await cp(MINI_REPO, tree, { recursive: true });
    const server = await startServer(tree, ['--no-sync']);
    try {
      const answer = await server.call('search', { query: 'join words with dashes' });
      expect(answer.text).toContain(`is not indexed yet, and this server runs with --no-sync`);
      expect(answer.text).toContain(`run \`codesearch index ${tree}\``);
    } finally {
      await server.close();
    }
  });

  it('a tree of more than 2,000 files: the first search answers at once that indexing started', async () => {
    const tree = path.join(scratch, 'large');
    for (let directory = 0; directory < 21; directory++) {
      await mkdir(path.join(tree, `pkg${directory}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 100 }, (_, file) =>
          writeFile(
            path.join(tree, `pkg${directory}`, `m${file}.py`),
            `def f${directory}_${file}():\n    return ${file}\n`,
          ),
        ),
      );
    }
    const server = await startServer(tree);
    try {
      const started = performance.now();
      const answer = await server.call('search', { query: 'return a number' });
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(answer.isError).toBe(false);
      expect(answer.text).toMatch(
        new RegExp(
          `^indexing ${escapeRegExp(tree)} in the background \\(started \\d+ s ago\\): .*, about \\d+ (s|min) left\\.`,
        ),
      );
      expect(answer.text).toContain('Search again when it is done (the status tool shows progress)');
      expect(answer.text).toContain(`run \`codesearch index ${tree}\` in a terminal`);
      const status = await server.call('status');
      expect(status.text).toMatch(/freshness: indexing .* in the background/);
    } finally {
      await server.close();
    }
  });

  it('a tree that cannot be served (no model, no directory) still answers, with why and what to run', async () => {
    const emptyModels = path.join(scratch, 'no-models');
    await mkdir(emptyModels, { recursive: true });
    const tree = path.join(scratch, 'no-model-tree');
    await cp(MINI_REPO, tree, { recursive: true });
    const server = await startServer(tree, ['--models-dir', emptyModels]);
    try {
      expect((await server.client.listTools()).tools).toHaveLength(3);
      for (const tool of ['search', 'status']) {
        const answer = await server.call(tool, tool === 'search' ? { query: 'x' } : {});
        expect(answer.isError).toBe(true);
        expect(answer.text).toContain(
          `${tool}: cannot serve ${tree}: [embedder] model Xenova/all-MiniLM-L6-v2 not found`,
        );
        expect(answer.text).toContain(
          `run \`codesearch model pull Xenova/all-MiniLM-L6-v2 --models-dir ${emptyModels}\``,
        );
      }
    } finally {
      await server.close();
    }
    const missing = path.join(scratch, 'no-such-tree');
    const nowhere = await startServer(missing);
    try {
      const answer = await nowhere.call('search', { query: 'x' });
      expect(answer.isError).toBe(true);
      expect(answer.text).toBe(`search: cannot serve ${missing}: --path ${missing}: no such directory`);
    } finally {
      await nowhere.close();
    }
  });
});
