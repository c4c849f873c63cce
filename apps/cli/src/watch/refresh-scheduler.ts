/** What one refresh asks of the scheduler: nothing more (`done`), or to be tried again later. */
export type RefreshOutcome = 'done' | 'retry';

export interface RefreshSchedulerOptions {
  /** Runs one refresh. Aborted through `signal` by `stop()`. A rejection counts as `retry`. */
  refresh: (signal: AbortSignal) => Promise<RefreshOutcome>;
  /** A refresh starts once no event came for this long (default 300 ms)… */
  quietMs?: number;
  /** …or this long after the first event it would answer, however busy the tree (default 1 s). */
  maxDelayMs?: number;
  /** Wait before the first retry of a refresh that asked for one; doubled each time (default 2 s)… */
  retryMs?: number;
  /** …up to this (default 60 s). A refresh that is `done` starts the count again. */
  maxRetryMs?: number;
}

/**
 * Turns file events into refreshes: events are coalesced (a refresh starts after `quietMs`
 * without events, or `maxDelayMs` after the first one), never two refreshes run at once, and
 * events that arrive during a refresh queue exactly one more after it. So a branch switch
 * (hundreds of events in a second) is one or a few refreshes, and an idle tree costs nothing:
 * no timer runs unless an event or a retry is pending.
 */
export class RefreshScheduler {
  readonly #refresh: RefreshSchedulerOptions['refresh'];
  readonly #quietMs: number;
  readonly #maxDelayMs: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  /** When the first event not yet answered by a refresh arrived. */
  #firstEventAt: number | undefined;
  #running: Promise<void> | undefined;
  /** Events (or `runNow`) came while a refresh was running. */
  #queued = false;
  #nextRetryMs: number;
  #stopped = false;

  constructor(options: RefreshSchedulerOptions) {
    this.#refresh = options.refresh;
    this.#quietMs = options.quietMs ?? 300;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000;
    this.#retryMs = options.retryMs ?? 2_000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#nextRetryMs = this.#retryMs;
  }

  /** A file event: a refresh follows, debounced. */
  notify(): void {
    if (this.#stopped) return;
    this.#firstEventAt ??= Date.now();
    if (this.#running) {
      this.#queued = true;
      return;
    }
    this.#arm();
  }

  /** A refresh now (the catch-up when watching starts), or right after the one running. */
  runNow(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#queued = true;
      this.#firstEventAt ??= Date.now() - this.#maxDelayMs;
      return;
    }
    this.#start();
  }

  /** Whether a refresh is running now. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Cancels what is pending, aborts the refresh in flight through its signal and waits for it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller.abort(new DOMException('watch stopped', 'AbortError'));
    await this.#running;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const first = this.#firstEventAt ?? Date.now();
    const delay = Math.min(this.#quietMs, first + this.#maxDelayMs - Date.now());
    if (delay <= 0) this.#start();
    else this.#timer = setTimeout(() => this.#start(), delay);
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstEventAt = undefined;
    this.#queued = false;
    this.#running = this.#refresh(this.#controller.signal)
      .catch((): RefreshOutcome => 'retry')
      .then((outcome) => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (outcome === 'done') this.#nextRetryMs = this.#retryMs;
        if (this.#queued) {
          this.#queued = false;
          this.#arm();
        } else if (outcome === 'retry') {
          const wait = this.#nextRetryMs;
          this.#nextRetryMs = Math.min(wait * 2, this.#maxRetryMs);
          this.#timer = setTimeout(() => this.#start(), wait);
        }
      });
  }

  /** How long the next retry waits (for the message that announces it). */
  get nextRetryMs(): number {
    return this.#nextRetryMs;
  }
}
