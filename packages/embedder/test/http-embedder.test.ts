import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpEmbedder, type HttpEmbedderOptions } from '../src/index.js';
import { embedderConformance } from './embedder-conformance.js';

const DIMENSIONS = 16;
const BATCH_LIMIT = 8;

/** A deterministic stand-in for a model: character statistics, deliberately not normalised. */
function fakeEmbedding(text: string, dimensions = DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) vector[(text.charCodeAt(i) * 31 + i) % dimensions]! += 1 + (i % 5);
  return vector;
}

type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'body'; body: string }
  | { kind: 'dimensions'; dimensions: number }
  | { kind: 'hang' };

/** A real OpenAI-compatible embeddings server on loopback whose next answers can be scripted. */
class ScriptedServer {
  readonly requests: Array<{ input: string[]; authorization: string | undefined; model: string }> = [];
  script: Behaviour[] = [];
  private server: Server = createServer((request, response) => void this.handle(request, response));

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const part of request) body += part;
    if (request.url !== '/v1/embeddings' || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const payload = JSON.parse(body) as { input: string[]; model: string };
    this.requests.push({
      input: payload.input,
      authorization: request.headers.authorization,
      model: payload.model,
    });
    const behaviour = this.script.shift() ?? { kind: 'ok' };
    if (behaviour.kind === 'hang') return; // never answers
    if (behaviour.kind === 'status') {
      response.writeHead(
        behaviour.status,
        behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {},
      );
      response.end('{"error":"scripted"}');
      return;
    }
    if (behaviour.kind === 'body') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(behaviour.body);
      return;
    }
    if (payload.input.length > BATCH_LIMIT) {
      response.writeHead(413).end('{"error":"batch too large"}');
      return;
    }
    const dimensions = behaviour.kind === 'dimensions' ? behaviour.dimensions : DIMENSIONS;
    // Answer out of order, as some servers do: the client must use `index`.
    const data = payload.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: fakeEmbedding(text, dimensions),
    }));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ object: 'list', data: data.reverse(), model: payload.model }));
  }
}

const server = new ScriptedServer();
let baseUrl = '';

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.stop());
afterEach(() => {
  server.script = [];
  server.requests.length = 0;
});

const make = (overrides: Partial<HttpEmbedderOptions> = {}) =>
  createHttpEmbedder({
    baseUrl,
    model: 'fake-model',
    batchSize: BATCH_LIMIT,
    retryBaseMs: 5,
    timeoutMs: 2000,
    ...overrides,
  });

describe('HttpEmbedder conformance (real HTTP server on loopback)', () => {
  embedderConformance(() => make(), { largeBatch: 3 * BATCH_LIMIT + 1 });
});

describe('HttpEmbedder', () => {
  it('learns the dimensions from the first answer and names the model', async () => {
    expect(await make().describe()).toEqual({
      modelName: 'fake-model',
      modelVersion: 'fake-model',
      dimensions: DIMENSIONS,
    });
    expect(await make({ modelVersion: 'sha-123', dimensions: DIMENSIONS }).describe()).toEqual({
      modelName: 'fake-model',
      modelVersion: 'sha-123',
      dimensions: DIMENSIONS,
    });
  });

  it('returns the server vectors normalised, matched by index', async () => {
    const [outcome] = await make().embed(['abc']);
    const raw = fakeEmbedding('abc');
    const length = Math.hypot(...raw);
    expect(outcome?.ok && Array.from(outcome.vector)).toEqual(
      raw.map((value) => Math.fround(value / length)),
    );
  });

  it('splits a large input into requests within the batch limit', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `text ${i}`);
    const outcomes = await make().embed(texts);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(server.requests.map((request) => request.input.length)).toEqual([8, 8, 4]);
  });

  it('sends the API key from the named environment variable', async () => {
    process.env.TEST_EMBEDDINGS_KEY = 'secret-key';
    try {
      await make({ apiKeyEnv: 'TEST_EMBEDDINGS_KEY' }).embed(['x']);
      expect(server.requests[0]?.authorization).toBe('Bearer secret-key');
    } finally {
      delete process.env.TEST_EMBEDDINGS_KEY;
    }
  });

  it('retries 429 and 5xx answers with backoff, then succeeds', async () => {
    server.script = [
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 503 },
      { kind: 'ok' },
    ];
    const [outcome] = await make().embed(['retry me']);
    expect(outcome?.ok).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After', async () => {
    server.script = [{ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'ok' }];
    const started = Date.now();
    const [outcome] = await make().embed(['wait']);
    expect(outcome?.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries and fails only that request’s texts', async () => {
    server.script = Array.from({ length: 3 }, () => ({ kind: 'status', status: 500 }) as const);
    const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const outcomes = await make({ maxRetries: 2 }).embed(texts);
    expect(outcomes.slice(0, 8).every((outcome) => !outcome.ok)).toBe(true);
    expect(outcomes.slice(8).every((outcome) => outcome.ok)).toBe(true);
    const failed = outcomes[0]!;
    expect(!failed.ok && failed.error.message).toMatch(/HTTP 500 \(gave up after 3 attempts\)/);
  });

  it('does not retry other 4xx answers', async () => {
    server.script = [{ kind: 'status', status: 401 }];
    const [outcome] = await make().embed(['x']);
    expect(!outcome?.ok && outcome?.error.message).toMatch(/HTTP 401/);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a request that never answers, retries, and reports the timeout', async () => {
    server.script = [{ kind: 'hang' }, { kind: 'hang' }];
    const [outcome] = await make({ timeoutMs: 200, maxRetries: 1 }).embed(['slow']);
    expect(!outcome?.ok && outcome?.error.message).toMatch(/no answer within 200 ms/);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['not JSON', 'this is not json', /not JSON/],
    ['no data array', '{"object":"list"}', /no `data` array/],
    ['too few embeddings', '{"data":[]}', /0 embeddings for 1 inputs/],
    ['non-numeric values', '{"data":[{"index":0,"embedding":["a","b"]}]}', /not an array of finite numbers/],
    ['a bad index', '{"data":[{"index":5,"embedding":[1,2]}]}', /bad index 5/],
  ])('reports a malformed response (%s) as a failure of that request', async (_name, body, message) => {
    server.script = [{ kind: 'body', body }];
    const [outcome] = await make().embed(['x']);
    expect(outcome?.ok).toBe(false);
    expect(!outcome?.ok && outcome?.error.message).toMatch(message);
  });

  it('refuses vectors of the wrong dimensions', async () => {
    server.script = [{ kind: 'dimensions', dimensions: 7 }];
    const [outcome] = await make({ dimensions: DIMENSIONS }).embed(['x']);
    expect(!outcome?.ok && outcome?.error.message).toMatch(/returned 7-d vectors, expected 16/);
  });

  it('reports an unreachable server per text without throwing', async () => {
    const [outcome] = await createHttpEmbedder({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      maxRetries: 1,
      retryBaseMs: 1,
    }).embed(['x']);
    expect(!outcome?.ok && outcome?.error.message).toMatch(/127\.0\.0\.1:9\/v1\/embeddings: request failed/);
  });
});
