import path from 'node:path';
import {
  type Embedder,
  EmbeddingError,
  type EmbeddingModelInfo,
  type EmbedOptions,
  type EmbedOutcome,
  ModelNotFoundError,
} from '@codesearch/core';
import {
  compareWithManifest,
  describeProblems,
  MANIFEST_FILE,
  type ModelCheck,
  readManifest,
} from '../models/manifest.js';
import { screenTexts } from '../vectors.js';
import {
  DEFAULT_MODEL,
  defaultModelsDir,
  digestOfFingerprints,
  fingerprintModelFiles,
  locateModel,
  type ModelLocation,
  missingFiles,
  type Precision,
  pullCommand,
  readModelConfig,
  requiredModelFiles,
} from './model-files.js';
import { createOrtSession, loadOnnxRuntime, type OnnxRuntime } from './ort-session.js';
import { meanPoolNormalized, padBatch } from './pooling.js';
import { type PlainTensor, SessionPool, sessionProcessesAvailable } from './session-pool.js';
import { defaultSessionCount, defaultThreadCount } from './threads.js';

export interface TransformersEmbedderOptions {
  /** A transformers.js feature-extraction model: hub name or local directory (default all-MiniLM-L6-v2). */
  model?: string;
  /** Where hub models are kept (default `$CODESEARCH_MODELS_DIR` or `~/.codesearch/models`). */
  modelsDir?: string;
  /** `int8` (default, `onnx/model_quantized.onnx`) or `fp32` (`onnx/model.onnx`). */
  precision?: Precision;
  /** @deprecated `precision`; `quantized: false` is `precision: 'fp32'`. */
  quantized?: boolean;
  /**
   * Texts per model run for `fp32` (default 8: the fastest in `pnpm bench` on 2 cores; larger
   * batches pad more). `int8` always runs one text at a time, so a vector never depends on its batch.
   */
  batchSize?: number;
  /** Cores the model may use (default `defaultThreadCount()`: every core, all but one from 4 cores up). */
  threads?: number;
  /**
   * Model sessions run side by side, each in its own process with `threads / sessions`
   * onnxruntime threads (default `defaultSessionCount`: one per thread for int8, whose one-text
   * runs are too short to share cores well; one for fp32). `1` runs the model in this thread.
   * Sessions need the compiled package (from TypeScript sources, the model always runs in this thread).
   */
  sessions?: number;
  /**
   * The session processes end after this long without a call that uses them (default
   * `SESSION_IDLE_MS`, 60 s), so a long-running caller (an MCP server, `watch`) does not hold
   * their memory between bursts; the next big call starts them again (~0.3 s).
   */
  sessionIdleMs?: number;
  /**
   * Called when the model is not on disk. The CLI passes a downloader (hub, then registry
   * fallback); without one, a missing model is a `ModelNotFoundError` saying how to get it.
   */
  fetchModel?: (location: ModelLocation, files: readonly string[]) => Promise<void>;
}

/** Texts in one `embed()` call from which the session processes are started (a batch run's calls have 16). */
export const POOL_MIN_TEXTS = 16;
/** How long idle session processes are kept (see `sessionIdleMs`). */
export const SESSION_IDLE_MS = 60_000;

// Narrow views of the two runtime libraries, loaded on first use only.
interface Tokenizer {
  encode(text: string): number[];
  pad_token_id: number;
  all_special_ids: number[];
  normalizer?: { config?: { type?: string; strip_accents?: boolean | null; lowercase?: boolean } } | null;
}
interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface Runtime {
  tokenizer: Tokenizer;
  /** An onnxruntime session, or a `SessionPool` of several. */
  session: OrtSession;
  /** Model runs that can be in flight at once (the pool's size; 1 for a session). */
  parallelRuns: number;
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
  stripAccents: boolean;
}

/** The input tensors of a `SessionPool` run: plain data, built into onnxruntime tensors by its threads. */
class PoolTensor implements PlainTensor {
  constructor(
    readonly type: 'int64',
    readonly data: BigInt64Array,
    readonly dims: number[],
  ) {}
}

/** Where embedding time went, summed over the embedder's life (for benchmarks and tuning). */
export interface EmbedTimings {
  texts: number;
  batches: number;
  tokenizeMs: number;
  /** onnxruntime `session.run`, summed over runs (several at once with sessions > 1). */
  runMs: number;
  poolMs: number;
}

export interface Prepared {
  index: number;
  ids: number[];
  truncated: boolean;
}

/**
 * The default embedder: a transformers.js model run locally with onnxruntime. The tokenizer
 * comes from transformers.js; the ONNX session is created here so that the thread count can
 * be set, texts are grouped by length to cut padding, and truncation keeps the closing
 * special token (transformers.js 2.17 drops it).
 */
export class TransformersEmbedder implements Embedder {
  readonly specificationVersion = 'v1';
  readonly location: ModelLocation;
  readonly precision: Precision;
  private readonly files: string[];
  private readonly modelsDir: string;
  /** The model's name for messages: the hub name, or for a directory its manifest's name if any. */
  private label: string;
  private readonly batchSize: number;
  readonly threads: number;
  readonly sessions: number;
  private info: Promise<EmbeddingModelInfo & { maxTokens: number }> | undefined;
  private runtime: Promise<Runtime> | undefined;
  private tokenizer: Promise<{ tokenizer: Tokenizer; stripAccents: boolean; ort: OnnxRuntime }> | undefined;
  /** The session processes, once a call big enough to use them has come (`POOL_MIN_TEXTS`). */
  private pooled: Promise<Runtime> | undefined;
  /** `embed()` calls running now: idle session processes are ended only when there are none. */
  private activeCalls = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  readonly timings: EmbedTimings = { texts: 0, batches: 0, tokenizeMs: 0, runMs: 0, poolMs: 0 };

  constructor(private readonly options: TransformersEmbedderOptions = {}) {
    this.modelsDir = options.modelsDir ?? defaultModelsDir();
    this.location = locateModel(options.model ?? DEFAULT_MODEL, this.modelsDir);
    this.label = this.location.name;
    this.precision = options.precision ?? (options.quantized === false ? 'fp32' : 'int8');
    this.files = requiredModelFiles(this.precision);
    // int8 quantizes a run's activations with one scale for the whole run: in a batch, a text's
    // vector would depend on its neighbours (and their padding). One text per run keeps every
    // text's vector its own, and costs nothing in int8 (no padding; measured in `pnpm bench`).
    const batchSize = options.batchSize ?? 8;
    this.batchSize = this.precision === 'int8' ? 1 : batchSize;
    this.threads = options.threads ?? defaultThreadCount();
    if (!Number.isInteger(this.threads) || this.threads < 1) {
      throw new EmbeddingError(`threads must be a positive integer, got ${options.threads}`, {
        code: 'INVALID_OPTION',
      });
    }
    if (options.sessionIdleMs !== undefined && !(options.sessionIdleMs >= 0)) {
      throw new EmbeddingError(`sessionIdleMs must be a number ≥ 0, got ${options.sessionIdleMs}`, {
        code: 'INVALID_OPTION',
      });
    }
    this.sessions = options.sessions ?? defaultSessionCount(this.precision, this.threads);
    if (!Number.isInteger(this.sessions) || this.sessions < 1) {
      throw new EmbeddingError(`sessions must be a positive integer, got ${options.sessions}`, {
        code: 'INVALID_OPTION',
      });
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new EmbeddingError(`batchSize must be a positive integer, got ${options.batchSize}`, {
        code: 'INVALID_OPTION',
      });
    }
  }

  /** Reads the model's identity from its files; downloads them first if allowed. Never starts onnxruntime. */
  describe(): Promise<EmbeddingModelInfo & { maxTokens: number }> {
    this.info ??= this.readInfo().catch((error: unknown) => {
      this.info = undefined; // let a later call retry (e.g. after `model pull`)
      throw error;
    });
    return this.info;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedOutcome[]> {
    // Counted from the first line: the idle timer must never end sessions a call is about to use.
    this.activeCalls++;
    clearTimeout(this.idleTimer);
    try {
      return await this.embedTexts(texts, options);
    } finally {
      this.activeCalls--;
      if (this.activeCalls === 0 && this.pooled) this.scheduleIdleRelease();
    }
  }

  /** Ends the session processes once no call has used them for `sessionIdleMs`. */
  private scheduleIdleRelease(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.activeCalls > 0 || !this.pooled) return;
      const pooled = this.pooled;
      this.pooled = undefined;
      void pooled.then((runtime) => runtime.session.release?.()).catch(() => undefined);
    }, this.options.sessionIdleMs ?? SESSION_IDLE_MS);
    this.idleTimer.unref();
  }

  private async embedTexts(texts: readonly string[], options: EmbedOptions): Promise<EmbedOutcome[]> {
    const { outcomes, valid } = screenTexts(texts);
    if (valid.length === 0) return outcomes;

    const { maxTokens } = await this.describe();
    const runtime = await this.runtimeFor(valid.length);
    const prepared: Prepared[] = [];
    const tokenizeStart = performance.now();
    for (const index of valid) {
      try {
        prepared.push(this.tokenize(runtime, texts[index]!, index, maxTokens));
      } catch (error) {
        outcomes[index] = {
          ok: false,
          error: new EmbeddingError(`text ${index}: tokenizer failed: ${String(error)}`, { cause: error }),
        };
      }
    }
    this.timings.tokenizeMs += performance.now() - tokenizeStart;
    this.timings.texts += prepared.length;
    // Longest first, so each batch holds texts of similar length and little padding (and with
    // several sessions, the short texts at the end even out their finishing times).
    prepared.sort((a, b) => b.ids.length - a.ids.length || a.index - b.index);
    const batches: Prepared[][] = [];
    for (let start = 0; start < prepared.length; start += this.batchSize) {
      batches.push(prepared.slice(start, start + this.batchSize));
    }
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        options.signal?.throwIfAborted();
        await this.runBatch(runtime, batches[next++]!, outcomes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(runtime.parallelRuns, batches.length) }, lane));
    return outcomes;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    const runtimes = await Promise.all(
      [this.runtime, this.pooled].map((runtime) => runtime?.catch(() => undefined)),
    );
    this.runtime = undefined;
    this.pooled = undefined;
    await Promise.all(runtimes.map((runtime) => runtime?.session.release?.()));
  }

  private async readInfo(): Promise<EmbeddingModelInfo & { maxTokens: number }> {
    const { directory, name } = this.location;
    let missing = await missingFiles(directory, this.files);
    if (missing.length > 0 && this.options.fetchModel && !this.location.isLocalPath) {
      await this.options.fetchModel(this.location, this.files);
      missing = await missingFiles(directory, this.files);
    }
    if (missing.length > 0) {
      const how = this.location.isLocalPath
        ? `put ${missing.join(', ')} there (a transformers.js model directory)`
        : `run \`${pullCommand(name, this.modelsDir)}\``;
      throw new ModelNotFoundError(
        `model ${name} not found: ${directory} lacks ${missing.join(', ')}; ${how}`,
      );
    }
    // The files are read once: their hashes are both the identity and the check against the manifest.
    const [fingerprints, manifest] = await Promise.all([
      fingerprintModelFiles(directory, this.files),
      readManifest(directory),
    ]);
    // A directory pulled by codesearch is the same model as its hub name: same label, same identity.
    const label = this.location.isLocalPath && manifest ? manifest.name : name;
    if (manifest) {
      const check = compareWithManifest(manifest, fingerprints);
      if (check.state !== 'ok') throw this.damagedModelError(label, check);
    }
    const config = await readModelConfig(directory);
    this.label = label;
    return {
      modelName: label,
      modelVersion: digestOfFingerprints(fingerprints),
      dimensions: config.dimensions,
      maxTokens: config.maxTokens,
    };
  }

  private damagedModelError(label: string, check: ModelCheck): EmbeddingError {
    const { directory, isLocalPath } = this.location;
    // A model given by path can be repaired by a pull when it sits where a pull puts it.
    const modelsDir = isLocalPath ? modelsDirHolding(directory, label) : this.modelsDir;
    const how = modelsDir
      ? `run \`${pullCommand(label, modelsDir, { force: true })}\``
      : `replace them (${MANIFEST_FILE} lists their sizes and sha256)`;
    return new EmbeddingError(
      `model ${label} in ${directory} is damaged: ${describeProblems(check.problems)}; ${how}`,
      { code: 'MODEL_DAMAGED' },
    );
  }

  /**
   * The session processes for a call of `count` texts once they are worth starting (~0.3 s
   * each, in parallel): from `POOL_MIN_TEXTS` texts, and for every call after that. Smaller
   * calls (a search query) use one session in this thread. The vectors are the same either way.
   */
  private runtimeFor(count: number): Promise<Runtime> {
    const poolable = this.sessions > 1 && sessionProcessesAvailable;
    if (poolable && (this.pooled || count >= POOL_MIN_TEXTS)) {
      this.pooled ??= this.createRuntime(true).catch((error: unknown) => {
        this.pooled = undefined;
        throw asLoadError(this.label, this.location, error);
      });
      return this.pooled;
    }
    this.runtime ??= this.createRuntime(false).catch((error: unknown) => {
      this.runtime = undefined;
      throw asLoadError(this.label, this.location, error);
    });
    return this.runtime;
  }

  private async createRuntime(pooled: boolean): Promise<Runtime> {
    const { tokenizer, stripAccents, ort } = await this.loadTokenizer();
    const modelPath = path.join(this.location.directory, this.files[3]!);
    if (pooled) {
      const threadsPerSession = Math.max(1, Math.floor(this.threads / this.sessions));
      const pool = await SessionPool.start(modelPath, this.sessions, threadsPerSession);
      return {
        tokenizer,
        stripAccents,
        session: pool as unknown as OrtSession,
        parallelRuns: pool.size,
        Tensor: PoolTensor,
      };
    }
    const session = await createOrtSession(ort, modelPath, this.threads);
    return {
      tokenizer,
      stripAccents,
      session: session as unknown as OrtSession,
      parallelRuns: 1,
      Tensor: ort.Tensor as unknown as Runtime['Tensor'],
    };
  }

  /** The tokenizer (and onnxruntime), loaded once for the in-thread session and the session processes alike. */
  private loadTokenizer(): Promise<{ tokenizer: Tokenizer; stripAccents: boolean; ort: OnnxRuntime }> {
    this.tokenizer ??= (async () => {
      const [{ AutoTokenizer, env }, ort] = await Promise.all([
        import('@xenova/transformers'),
        loadOnnxRuntime(),
      ]);
      const { directory } = this.location;
      // transformers.js resolves `<localModelPath>/<id>/…`; point it at the model's own folder.
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = `${path.dirname(directory)}${path.sep}`;
      const tokenizer = (await AutoTokenizer.from_pretrained(
        path.basename(directory),
      )) as unknown as Tokenizer;
      const normalizer = tokenizer.normalizer?.config;
      // transformers.js 2.17 strips only U+0300–036F accents; BERT's normalizer strips every
      // nonspacing mark after NFD. Doing it first makes both tokenizers agree.
      const stripAccents =
        normalizer?.type === 'BertNormalizer' &&
        normalizer.lowercase !== false &&
        normalizer.strip_accents !== false;
      return { tokenizer, stripAccents, ort };
    })().catch((error: unknown) => {
      this.tokenizer = undefined; // a later call retries
      throw error;
    });
    return this.tokenizer;
  }

  private tokenize(runtime: Runtime, text: string, index: number, maxTokens: number): Prepared {
    const input = runtime.stripAccents ? text.normalize('NFD').replace(/\p{Mn}/gu, '') : text;
    const ids = runtime.tokenizer.encode(input);
    if (ids.length <= maxTokens) return { index, ids, truncated: false };
    const last = ids[ids.length - 1]!;
    const keepsClosingToken = runtime.tokenizer.all_special_ids.includes(last);
    const kept = keepsClosingToken ? [...ids.slice(0, maxTokens - 1), last] : ids.slice(0, maxTokens);
    return { index, ids: kept, truncated: true };
  }

  /** Runs one batch; if the runtime throws, retries in halves down to single texts. */
  private async runBatch(runtime: Runtime, batch: Prepared[], outcomes: EmbedOutcome[]): Promise<void> {
    try {
      const vectors = await this.runModel(runtime, batch);
      batch.forEach((item, position) => {
        outcomes[item.index] = { ok: true, vector: vectors[position]!, truncated: item.truncated };
      });
    } catch (error) {
      if (batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await this.runBatch(runtime, batch.slice(0, middle), outcomes);
        await this.runBatch(runtime, batch.slice(middle), outcomes);
        return;
      }
      const only = batch[0]!;
      outcomes[only.index] = {
        ok: false,
        error: new EmbeddingError(
          `text ${only.index}: onnxruntime failed: ${(error as Error).message ?? error}`,
          { cause: error },
        ),
      };
    }
  }

  /** One forward pass over a batch. Protected so tests can make the runtime fail. */
  protected async runModel(runtime: Runtime, batch: Prepared[]): Promise<Float32Array[]> {
    const { ids, mask, types, sequenceLength } = padBatch(
      batch.map((item) => item.ids),
      runtime.tokenizer.pad_token_id ?? 0,
    );
    const dims = [batch.length, sequenceLength];
    const feeds: Record<string, unknown> = {
      input_ids: new runtime.Tensor('int64', ids, dims),
      attention_mask: new runtime.Tensor('int64', mask, dims),
    };
    if (runtime.session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new runtime.Tensor('int64', types, dims);
    const runStart = performance.now();
    const outputs = await runtime.session.run(feeds);
    const poolStart = performance.now();
    const hidden = outputs.last_hidden_state ?? outputs[runtime.session.outputNames[0]!]!;
    const vectors = meanPoolNormalized(
      hidden.data,
      batch.map((item) => item.ids.length),
      sequenceLength,
      hidden.dims[2]!,
    );
    this.timings.runMs += poolStart - runStart;
    this.timings.poolMs += performance.now() - poolStart;
    this.timings.batches++;
    return vectors;
  }
}

/** The models directory that holds `directory` as `<modelsDir>/<org>/<name>`, if it does. */
function modelsDirHolding(directory: string, name: string): string | undefined {
  const parts = name.split('/');
  const segments = path.resolve(directory).split(path.sep);
  const tail = segments.slice(-parts.length);
  if (tail.length !== parts.length || tail.some((part, i) => part !== parts[i])) return undefined;
  return segments.slice(0, -parts.length).join(path.sep) || path.sep;
}

function asLoadError(label: string, location: ModelLocation, error: unknown): Error {
  if (ModelNotFoundError.isInstance(error) || EmbeddingError.isInstance(error)) return error;
  return new EmbeddingError(
    `cannot load model ${label} from ${location.directory}: ${(error as Error).message ?? error}`,
    {
      code: 'MODEL_LOAD_FAILED',
      cause: error,
    },
  );
}

export function createTransformersEmbedder(options: TransformersEmbedderOptions = {}): TransformersEmbedder {
  return new TransformersEmbedder(options);
}
