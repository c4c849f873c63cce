import {
  type Embedder,
  EmbeddingError,
  type EmbeddingModelInfo,
  type EmbedOptions,
  type EmbedOutcome,
} from '@codesearch/core';
import { chunk, normalizeInPlace, screenTexts } from './vectors.js';

export interface HttpEmbedderOptions {
  /** Base URL of an OpenAI-compatible API, up to and including `/v1`: `http://localhost:8080/v1`. */
  baseUrl: string;
  /** Model name sent with each request and recorded as the model's identity. */
  model: string;
  /** Name of the environment variable holding the API key (default `CODESEARCH_API_KEY`). */
  apiKeyEnv?: string;
  /** Expected vector size; when unset, learned from the first response. */
  dimensions?: number;
  /** Identifies the served model's weights (default: the model name). Change it when the server's model changes. */
  modelVersion?: string;
  /** Most texts per request; the server's batch limit (default 64). */
  batchSize?: number;
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Retries after a 429, a 5xx, a timeout or a network error (default 4). */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled each retry, with jitter (default 500). */
  retryBaseMs?: number;
  /** For tests and custom transports. */
  fetch?: typeof fetch;
}

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * An `Embedder` backed by any OpenAI-compatible `/v1/embeddings` endpoint: Hugging Face TEI,
 * vLLM, Ollama, OpenAI. Batches requests, retries with backoff on 429/5xx, checks every
 * response, and L2-normalises the vectors (not every server does).
 */
export class HttpEmbedder implements Embedder {
  readonly specificationVersion = 'v1';
  private readonly endpoint: string;
  private readonly options: Required<Omit<HttpEmbedderOptions, 'dimensions' | 'modelVersion' | 'apiKeyEnv'>>;
  private readonly apiKey: string | undefined;
  private readonly modelVersion: string;
  private dimensions: number | undefined;

  constructor(options: HttpEmbedderOptions) {
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.apiKey = process.env[options.apiKeyEnv ?? 'CODESEARCH_API_KEY'] || undefined;
    this.modelVersion = options.modelVersion ?? options.model;
    this.dimensions = options.dimensions;
    this.options = {
      baseUrl: options.baseUrl,
      model: options.model,
      batchSize: options.batchSize ?? 64,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 4,
      retryBaseMs: options.retryBaseMs ?? 500,
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** Without configured dimensions, one short request learns them. */
  async describe(): Promise<EmbeddingModelInfo> {
    if (this.dimensions === undefined) {
      const [probe] = await this.embed(['dimension probe']);
      if (!probe?.ok)
        throw probe?.error ?? new EmbeddingError(`${this.endpoint}: no answer to the dimension probe`);
    }
    return { modelName: this.options.model, modelVersion: this.modelVersion, dimensions: this.dimensions! };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedOutcome[]> {
    const { outcomes, valid } = screenTexts(texts);
    for (const indices of chunk(valid, this.options.batchSize)) {
      options.signal?.throwIfAborted();
      try {
        const vectors = await this.request(
          indices.map((index) => texts[index]!),
          options.signal,
        );
        indices.forEach((index, position) => {
          outcomes[index] = { ok: true, vector: vectors[position]!, truncated: false };
        });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const failure = EmbeddingError.isInstance(error)
          ? error
          : new EmbeddingError(`${this.endpoint}: ${(error as Error).message}`, { cause: error });
        for (const index of indices) outcomes[index] = { ok: false, error: failure };
      }
    }
    return outcomes;
  }

  private async request(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(input, signal);
      } catch (error) {
        if (!(error instanceof RetryableError) || attempt >= this.options.maxRetries || signal?.aborted) {
          throw error instanceof RetryableError
            ? new EmbeddingError(
                `${this.endpoint}: ${error.message} (gave up after ${attempt + 1} attempts)`,
                {
                  code: 'HTTP_UNAVAILABLE',
                },
              )
            : error;
        }
        const backoff = this.options.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
        await sleep(Math.max(backoff, error.retryAfterMs ?? 0), signal);
      }
    }
  }

  private async attempt(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await this.options.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input, encoding_format: 'float' }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) throw new RetryableError(`no answer within ${this.options.timeoutMs} ms`);
      throw new RetryableError(`request failed: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new RetryableError(`HTTP ${response.status}`, retryAfterMs(response.headers.get('retry-after')));
    }
    const text = await response.text();
    if (!response.ok) {
      throw new EmbeddingError(`${this.endpoint}: HTTP ${response.status}: ${text.slice(0, 200)}`, {
        code: 'HTTP_ERROR',
      });
    }
    return this.parse(text, input.length);
  }

  private parse(body: string, expected: number): Float32Array[] {
    const fail = (why: string) =>
      new EmbeddingError(`${this.endpoint}: malformed response: ${why}`, { code: 'BAD_RESPONSE' });
    let parsed: EmbeddingsResponse;
    try {
      parsed = JSON.parse(body) as EmbeddingsResponse;
    } catch {
      throw fail(`not JSON: ${body.slice(0, 80)}`);
    }
    if (!Array.isArray(parsed?.data)) throw fail('no `data` array');
    if (parsed.data.length !== expected)
      throw fail(`${parsed.data.length} embeddings for ${expected} inputs`);
    const vectors: Float32Array[] = new Array(expected);
    parsed.data.forEach((item, position) => {
      const index = item?.index ?? position;
      const embedding = item?.embedding;
      if (!Number.isInteger(index) || index < 0 || index >= expected || vectors[index])
        throw fail(`bad index ${index}`);
      if (
        !Array.isArray(embedding) ||
        !embedding.every((value) => typeof value === 'number' && Number.isFinite(value))
      ) {
        throw fail(`embedding ${index} is not an array of finite numbers`);
      }
      this.dimensions ??= embedding.length;
      if (embedding.length !== this.dimensions) {
        throw new EmbeddingError(
          `${this.endpoint}: the server returned ${embedding.length}-d vectors, expected ${this.dimensions} (model changed?)`,
          { code: 'WRONG_DIMENSIONS' },
        );
      }
      vectors[index] = normalizeInPlace(Float32Array.from(embedding as number[]));
    });
    return vectors;
  }
}

export function createHttpEmbedder(options: HttpEmbedderOptions): HttpEmbedder {
  return new HttpEmbedder(options);
}
