import path from 'node:path';
import { fileStates, walkOptionsFromJson } from '@codesearch/batch';
import { type Candidate, CodesearchError, type EntityKind, type Language } from '@codesearch/core';
import type { Precision, TransformersEmbedder } from '@codesearch/embedder';
import { type RankedHit, type RankMode, searchCode } from '@codesearch/search';
import type { CodeIndex } from '@codesearch/store';
import { type GitignoreOutcome, ignoreCodesearchDirectory } from './codesearch-dir.js';
import { openTreeIndex } from './existing-index.js';
import { indexHint } from './index-location.js';
import { type FreshnessReport, MAX_REFRESH_FILES, type RefreshOptions, refreshIndex } from './refresh.js';

export {
  type FreshnessReport,
  MAX_REFRESH_FILES,
  type RefreshOptions,
  type RefreshReport,
} from './refresh.js';

/** A hit in a file that changed (`changed`) or vanished (`deleted`) since it was indexed. */
export type HitFreshness = 'changed' | 'deleted';

export interface SearchServiceOptions {
  /** The indexed tree. */
  root: string;
  /** `--index`: the index directory (default `<root>/.codesearch/index`). */
  index?: string;
  model?: string;
  modelsDir?: string;
  /** `--precision`; by default the one the index was built with. */
  precision?: Precision;
  /** `--threads`: onnxruntime threads for queries and refreshes. */
  threads?: number;
  /**
   * How long a refresh waits for another process writing the index before answering from the
   * index as it is (flagging stale hits). Default 2 s: a question should not wait for a build.
   */
  lockWaitMs?: number;
  /**
   * The embedding cache a large refresh reads and writes (a location as `--cache` takes it;
   * default the user's cache, `false` none). Small refreshes use only the vectors the index holds.
   */
  cache?: string | false;
  /** The flag that named the tree, for messages (`--path`, `status`, `mcp --path`). */
  rootFlag?: string;
}

export interface ServiceSearchRequest {
  query: string;
  /** Hits to return (default 10). */
  k?: number;
  /** `ranked` (default), `vector` or `lexical`. */
  mode?: Exclude<RankMode, 'hybrid'>;
  languages?: readonly Language[];
  kinds?: readonly EntityKind[];
  /** Only hits whose root-relative path this accepts (`--include` / `--exclude`). */
  pathFilter?: (filePath: string) => boolean;
}

export interface ServiceAnswer {
  query: string;
  hits: RankedHit[];
}

/**
 * One indexed tree, opened for answering questions: the seam that `codesearch search`,
 * `codesearch mcp` and `codesearch watch` share. The model is described at open and loaded at
 * the first embedding, then reused for every query and refresh until `close()`.
 */
export class SearchService {
  /** Absolute root of the tree. */
  readonly root: string;
  readonly directory: string;
  readonly index: CodeIndex;
  readonly embedder: TransformersEmbedder;
  /** `codesearch index …` with the flags the index was built with: what to run when stale. */
  refreshCommand: string;
  /** What opening with `create` did about `<root>/.codesearch/.gitignore` (undefined without `create`). */
  readonly gitignore: GitignoreOutcome | undefined;
  readonly #options: SearchServiceOptions;

  private constructor(
    options: SearchServiceOptions,
    directory: string,
    index: CodeIndex,
    embedder: TransformersEmbedder,
    refreshCommand: string,
    gitignore: GitignoreOutcome | undefined,
  ) {
    this.#options = options;
    this.gitignore = gitignore;
    this.root = path.resolve(options.root);
    this.directory = directory;
    this.index = index;
    this.embedder = embedder;
    this.refreshCommand = refreshCommand;
  }

  /**
   * Opens the index of `options.root`. Rejects with an error (code `NO_INDEX`, or `BAD_ROOT`
   * for a root that is not a directory) whose message says what to run; with
   * `create`, a tree without an index gets an empty one that the first refresh fills.
   */
  static async open(options: SearchServiceOptions & { create?: boolean }): Promise<SearchService> {
    const root = options.root;
    const { index, directory, embedder } = await openTreeIndex({
      ...options,
      rootFlag: options.rootFlag ?? '--path',
      lockWaitMs: options.lockWaitMs ?? 2_000,
    });
    // A default index created inside the tree is kept out of `git status` (never rejects).
    const gitignore = options.create ? await ignoreCodesearchDirectory(root, options.index) : undefined;
    const manifest = await index.manifest().catch(() => undefined);
    const refreshCommand = indexHint(root, options.index, manifest ? walkOptionsFromJson(manifest.walk) : {});
    return new SearchService(options, directory, index, embedder, refreshCommand, gitignore);
  }

  /**
   * Brings the index up to date with the tree before answering, when that is cheap: compares
   * the tree with the manifest and re-indexes the files that changed when there are at most
   * `maxFiles` of them (default 50). Otherwise the index is left as it is and the report says
   * why and what to run.
   */
  ensureFresh(options: RefreshOptions = {}): Promise<FreshnessReport> {
    return refreshIndex(this, { maxFiles: MAX_REFRESH_FILES, ...options });
  }

  /** Re-indexes every file that changed, however many (`watch`). */
  refresh(options: Omit<RefreshOptions, 'maxFiles'> = {}): Promise<FreshnessReport> {
    return refreshIndex(this, { ...options, maxFiles: Number.POSITIVE_INFINITY });
  }

  /**
   * The queries that need a vector (all but `lexical` ones), embedded in one model run, by
   * position. Separate from `search` so that a caller can start it (and the model's loading)
   * while the index is being brought up to date.
   */
  async embedQueries(requests: readonly ServiceSearchRequest[]): Promise<Map<number, Float32Array>> {
    const positions = requests.flatMap((request, position) =>
      (request.mode ?? 'ranked') === 'lexical' ? [] : [position],
    );
    const vectors = new Map<number, Float32Array>();
    if (positions.length === 0) return vectors;
    const outcomes = await this.embedder.embed(positions.map((position) => requests[position]!.query));
    for (const [next, position] of positions.entries()) {
      const outcome = outcomes[next]!;
      if (!outcome.ok) {
        throw new CodesearchError(
          `cannot embed the query "${requests[position]!.query}": ${outcome.error.message}`,
          { code: 'EMBED_FAILED', stage: 'search' },
        );
      }
      vectors.set(position, outcome.vector);
    }
    return vectors;
  }

  /**
   * Answers the queries, each ranked by `@codesearch/search`; `vectors` from `embedQueries`
   * when the caller started it already (otherwise embedded here, in one model run).
   */
  async search(
    requests: readonly ServiceSearchRequest[],
    vectors?: ReadonlyMap<number, Float32Array>,
  ): Promise<ServiceAnswer[]> {
    vectors ??= await this.embedQueries(requests);
    const answers: ServiceAnswer[] = [];
    for (const [position, request] of requests.entries()) {
      const vector = vectors.get(position);
      const hits = await searchCode(this.index, {
        query: request.query,
        ...(vector ? { vector } : {}),
        k: request.k ?? 10,
        mode: request.mode ?? 'ranked',
        ...(request.languages?.length ? { languages: request.languages } : {}),
        ...(request.kinds?.length ? { kinds: request.kinds } : {}),
        ...(request.pathFilter ? { pathFilter: request.pathFilter } : {}),
      });
      answers.push({ query: request.query, hits });
    }
    return answers;
  }

  /**
   * The files of these hits that changed or vanished since they were indexed (compared with
   * the manifest: a stat per file, a hash only when the times differ). Given the answer's
   * `freshness`, nothing is checked unless it is `stale`: after a fresh or refreshed check the
   * index matches the tree.
   */
  async staleFiles(
    hits: ReadonlyArray<Pick<RankedHit, 'filePath'>>,
    freshness?: Pick<FreshnessReport, 'state'>,
  ): Promise<Map<string, HitFreshness>> {
    const files = new Map<string, HitFreshness>();
    if (hits.length === 0 || (freshness && freshness.state !== 'stale')) return files;
    const manifest = await this.index.manifest();
    if (!manifest) return files;
    const states = await fileStates(
      this.root,
      manifest,
      hits.map((hit) => hit.filePath),
    );
    for (const [file, state] of states) {
      if (state === 'changed' || state === 'deleted') files.set(file, state);
    }
    return files;
  }

  /** The units (window-0 rows) with these ids (`path:line`, the `locationKey`), in that order; unknown ids are left out. */
  units(ids: readonly string[]): Promise<Candidate[]> {
    return this.index.units(ids);
  }

  /** The options this service was opened with. */
  get options(): Readonly<SearchServiceOptions> {
    return this.#options;
  }

  async close(): Promise<void> {
    try {
      await this.index.close();
    } finally {
      await this.embedder.dispose?.();
    }
  }
}
