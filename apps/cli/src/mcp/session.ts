import { walkSourceFiles } from '@codesearch/parser';
import type { FreshnessReport, SearchService } from '../search-service.js';

/** A progress line, with the units done and to do while embedding. */
export type ProgressSink = (message: string, progress?: { done: number; total: number }) => void;

/**
 * Above this many source files, a first search does not wait for the index to be built: it
 * answers at once that indexing started and how long it will take (a typical tree of that many
 * files holds ~36k units: half an hour or more on two cores without cached embeddings).
 */
export const LARGE_TREE_FILES = 2_000;

/**
 * Cold indexing speed on two cores, for estimates before the embedding rate is known: ~15
 * units a second (gorilla-mux, 287 units, 19 s cold), a unit per ~500 bytes of source (the
 * evaluation corpora: 5.6 MB, 11k units), and at least one unit per file.
 */
const COLD_BYTES_PER_SECOND = 7_500;
const COLD_UNITS_PER_SECOND = 15;

/** How long a first search waits for the index to be built before answering "still indexing". */
export interface BuildWait {
  /** When the client asked for progress notifications (it sees the build move). Default 10 min. */
  withProgressMs: number;
  /** Otherwise: under the 60 s request timeout of the SDK's client. Default 50 s. */
  withoutProgressMs: number;
}

const DEFAULT_WAIT: BuildWait = { withProgressMs: 10 * 60_000, withoutProgressMs: 50_000 };

/** Whether a question can be answered from the index now, and what was done first. */
export type Readiness = { ready: true; freshness: FreshnessReport } | { ready: false; message: string };

/** The whole-tree index build started by the first question on a tree without an index. */
interface Build {
  files: number;
  /** Their size in bytes. */
  bytes: number;
  started: number;
  promise: Promise<FreshnessReport>;
  settled: boolean;
  message: string;
  progress?: { done: number; total: number };
  /** When the first embedding progress came (the rate is measured from there). */
  embeddingSince?: number;
  listeners: Set<ProgressSink>;
}

export interface McpSessionOptions {
  /** False with `--no-sync`: never write the index, answer from it as it is. */
  sync: boolean;
  /** Lines for the server's log (stderr). */
  log: (line: string) => void;
  wait?: Partial<BuildWait>;
}

/**
 * The state of one MCP server around its `SearchService`: freshness checks run one at a time,
 * and the first question on an unindexed tree starts one background build that later
 * questions wait for (or hear about) instead of starting another.
 */
export class McpSession {
  readonly service: SearchService;
  readonly sync: boolean;
  readonly #log: (line: string) => void;
  readonly #wait: BuildWait;
  readonly #abort = new AbortController();
  #queue: Promise<unknown> = Promise.resolve();
  #build?: Build;

  constructor(service: SearchService, options: McpSessionOptions) {
    this.service = service;
    this.sync = options.sync;
    this.#log = options.log;
    this.#wait = { ...DEFAULT_WAIT, ...options.wait };
  }

  /**
   * Gets the index ready to answer: waits for (or starts) the build of an unindexed tree, or
   * re-indexes the few files that changed (`ensureFresh`). `progress` is set when the client
   * asked for progress notifications.
   */
  async prepare(progress?: ProgressSink): Promise<Readiness> {
    if (this.#build && !this.#build.settled) return this.#awaitBuild(this.#build, progress);
    const manifest = await this.service.index.manifest();
    if (!manifest?.consistent && this.sync) {
      return this.#awaitBuild(await this.#startBuild(), progress);
    }
    if (!manifest && !this.sync && (await this.service.index.stats()).entities === 0) {
      return {
        ready: false,
        message: `${this.service.root} is not indexed yet, and this server runs with --no-sync (it never writes the index): run \`${this.service.refreshCommand}\` first`,
      };
    }
    return { ready: true, freshness: await this.freshness(this.sync) };
  }

  /** Compares the tree with the index and, with `sync`, re-indexes the few changed files; one at a time. */
  freshness(sync: boolean): Promise<FreshnessReport> {
    const next = this.#queue.then(() => this.service.ensureFresh({ sync, signal: this.#abort.signal }));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The build in progress, in a line for `status`; undefined when none runs. */
  buildState(): string | undefined {
    const build = this.#build;
    if (!build || build.settled) return undefined;
    return describeBuild(build, this.service.root);
  }

  /** Stops a build in progress (the index keeps what was saved) and closes the service. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#build?.promise.catch(() => undefined);
    await this.#queue;
    await this.service.close();
  }

  async #startBuild(): Promise<Build> {
    const { files, bytes } = await measureSourceFiles(this.service.root, this.#abort.signal);
    // Checked again: another question may have started it while the files were counted.
    if (this.#build && !this.#build.settled) return this.#build;
    const state: Omit<Build, 'promise'> = {
      files,
      bytes,
      started: performance.now(),
      settled: false,
      message: `indexing ${this.service.root} …`,
      listeners: new Set(),
    };
    this.#log(`indexing ${this.service.root} (${files} source files) for the first search …`);
    const promise = this.service
      .refresh({
        signal: this.#abort.signal,
        onProgress: (message, progress) => {
          state.message = message;
          if (progress) {
            state.embeddingSince ??= performance.now();
            state.progress = progress;
          }
          for (const listener of state.listeners) listener(message, progress);
        },
      })
      .then(
        (report) => {
          const seconds = ((performance.now() - state.started) / 1000).toFixed(1);
          this.#log(
            report.state === 'refreshed'
              ? `indexed ${this.service.root}: ${report.refreshed?.units ?? 0} units in ${seconds} s`
              : `could not index ${this.service.root}: ${report.reason}`,
          );
          return report;
        },
        (error: unknown) => {
          this.#log(
            `indexing ${this.service.root} failed: ${error instanceof Error ? error.message : error}`,
          );
          throw error;
        },
      )
      .finally(() => {
        state.settled = true;
      });
    const build: Build = Object.assign(state, { promise });
    // Nobody may be waiting when it fails; the next question sees it and starts again.
    build.promise.catch(() => undefined);
    this.#build = build;
    return build;
  }

  async #awaitBuild(build: Build, progress: ProgressSink | undefined): Promise<Readiness> {
    if (build.files > LARGE_TREE_FILES && !build.settled) {
      return { ready: false, message: stillIndexing(build, this.service) };
    }
    if (progress) {
      build.listeners.add(progress);
      progress(build.message, build.progress);
    }
    let timer: NodeJS.Timeout | undefined;
    const waitMs = progress ? this.#wait.withProgressMs : this.#wait.withoutProgressMs;
    try {
      const outcome = await Promise.race([
        build.promise,
        new Promise<'waiting'>((resolve) => {
          timer = setTimeout(() => resolve('waiting'), waitMs);
        }),
      ]);
      if (outcome === 'waiting') return { ready: false, message: stillIndexing(build, this.service) };
      if (outcome.state !== 'refreshed') {
        return {
          ready: false,
          message: `${this.service.root} could not be indexed: ${outcome.reason}; run \`${outcome.refreshCommand}\``,
        };
      }
      return { ready: true, freshness: outcome };
    } finally {
      clearTimeout(timer);
      if (progress) build.listeners.delete(progress);
    }
  }
}

/** The source files `codesearch index` would read under `root` (default walk options): how many, how big. */
async function measureSourceFiles(
  root: string,
  signal: AbortSignal,
): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for await (const entry of walkSourceFiles(root)) {
    if (entry.type === 'file') {
      files++;
      bytes += entry.file.size;
    }
    if (signal.aborted) break;
  }
  return { files, bytes };
}

function stillIndexing(build: Build, service: SearchService): string {
  return `${describeBuild(build, service.root)}. Search again when it is done (the status tool shows progress), or stop this server and run \`${service.refreshCommand}\` in a terminal.`;
}

function describeBuild(build: Build, root: string): string {
  const elapsed = (performance.now() - build.started) / 1000;
  const done = build.progress
    ? `${build.progress.done}/${build.progress.total} units embedded`
    : `${build.files} source files (${formatBytes(build.bytes)}) to index`;
  return `indexing ${root} in the background (started ${formatDuration(elapsed)} ago): ${done}, about ${formatDuration(secondsLeft(build, elapsed))} left`;
}

/** From the embedding rate once it has run a few seconds; before that from the file count. */
function secondsLeft(build: Build, elapsed: number): number {
  const progress = build.progress;
  if (progress && build.embeddingSince !== undefined && progress.done > 0) {
    const embedding = (performance.now() - build.embeddingSince) / 1000;
    if (embedding >= 5) return ((progress.total - progress.done) * embedding) / progress.done;
  }
  const cold = Math.max(build.bytes / COLD_BYTES_PER_SECOND, build.files / COLD_UNITS_PER_SECOND);
  return Math.max(cold - elapsed, 5);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
