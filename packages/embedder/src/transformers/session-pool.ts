import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A model input as it crosses to a session process. */
export interface PlainTensor {
  type: 'int64';
  data: BigInt64Array;
  dims: number[];
}

export interface SessionProcessOptions {
  modelPath: string;
  threads: number;
}

export interface SessionRequest {
  id: number;
  feeds: Record<string, PlainTensor>;
}

export interface SessionReply {
  id: number;
  outputs?: Record<string, { data: Float32Array; dims: readonly number[] }>;
  error?: string;
}

type StartReply =
  | { ready: true; inputNames: string[]; outputNames: string[] }
  | { ready: false; error: string };

const SESSION_SCRIPT = fileURLToPath(new URL('./session-process.js', import.meta.url));

/** True when this module runs from compiled JavaScript, where the session script exists. */
export const sessionProcessesAvailable = import.meta.url.endsWith('.js');

interface Pending {
  request: SessionRequest;
  resolve: (outputs: NonNullable<SessionReply['outputs']>) => void;
  reject: (error: Error) => void;
}

interface SessionProcess {
  child: ChildProcess;
  /** The run it is doing, if any: one at a time, so that each process keeps its core. */
  running?: Pending;
}

/**
 * Several onnxruntime sessions of one model, each in its own process with `threadsPerSession`
 * intra-op threads, fed from one queue. It has the shape of an onnxruntime session (`run`,
 * `inputNames`, `outputNames`, `release`), so the embedder can use either.
 *
 * Why: a one-text int8 run is short, and two intra-op threads synchronise on every operator;
 * two sessions of one thread each keep both cores busy instead (and never spin-wait on a busy
 * machine). Runs are independent, so a text's vector does not depend on which session ran it.
 */
export class SessionPool {
  private readonly processes: SessionProcess[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private released = false;

  private constructor(
    private readonly data: SessionProcessOptions,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /** Starts `sessions` processes, each loading the model; rejects with the first load error. */
  static async start(modelPath: string, sessions: number, threadsPerSession: number): Promise<SessionPool> {
    const data: SessionProcessOptions = { modelPath, threads: threadsPerSession };
    const started = await Promise.allSettled(Array.from({ length: sessions }, () => startProcess(data)));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      for (const result of started) if (result.status === 'fulfilled') result.value.child.kill();
      throw (failed as PromiseRejectedResult).reason;
    }
    const processes = started.map((result) => (result as PromiseFulfilledResult<StartedProcess>).value);
    const pool = new SessionPool(data, processes[0]!.inputNames, processes[0]!.outputNames);
    for (const { child } of processes) pool.adopt(child);
    return pool;
  }

  /** Sessions in the pool: runs it can do at once. */
  get size(): number {
    return this.processes.length;
  }

  run(feeds: Record<string, PlainTensor>): Promise<NonNullable<SessionReply['outputs']>> {
    if (this.released) return Promise.reject(new Error('the model sessions were released'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, feeds }, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends the processes once their current runs are done. Queued runs are refused. */
  async release(): Promise<void> {
    this.released = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the model sessions were released'));
    await Promise.all(
      this.processes.splice(0).map(async (session) => {
        const { child } = session;
        if (session.running) {
          holdParent(child, true);
          await new Promise<void>((resolve) => {
            child.once('message', () => resolve());
            child.once('exit', () => resolve());
          });
        }
        await stopProcess(child);
      }),
    );
  }

  private dispatch(): void {
    for (const session of this.processes) {
      if (this.queue.length === 0) return;
      if (session.running) continue;
      const pending = this.queue.shift()!;
      session.running = pending;
      // Held while it runs, so this process waits for the answer; idle, it never keeps this process alive.
      holdParent(session.child, true);
      session.child.send(pending.request);
    }
  }

  private adopt(child: ChildProcess): void {
    const session: SessionProcess = { child };
    holdParent(child, false);
    child.on('message', (reply: SessionReply) => {
      const pending = session.running;
      if (!pending || pending.request.id !== reply.id) return;
      session.running = undefined;
      holdParent(child, false);
      if (reply.outputs) pending.resolve(reply.outputs);
      else pending.reject(new Error(reply.error ?? 'the model run returned nothing'));
      this.dispatch();
    });
    // A process that dies fails only its own run; a fresh one takes its place for the rest.
    const fail = (error: Error): void => {
      // Its run fails even during release(), which has already taken it off the list.
      session.running?.reject(new Error(`the model process failed: ${error.message}`));
      session.running = undefined;
      const index = this.processes.indexOf(session);
      if (index < 0) return;
      this.processes.splice(index, 1);
      if (this.released) return;
      startProcess(this.data).then(
        ({ child: fresh }) => {
          if (this.released) return void fresh.kill();
          this.adopt(fresh);
          this.dispatch();
        },
        (startError: Error) => {
          // No process can load the model any more: refuse what is left rather than wait forever.
          if (this.processes.length > 0) return;
          for (const pending of this.queue.splice(0)) pending.reject(startError);
        },
      );
    };
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`exited with ${signal ?? `code ${code}`}`)));
    this.processes.push(session);
  }
}

interface StartedProcess {
  child: ChildProcess;
  inputNames: string[];
  outputNames: string[];
}

function startProcess(data: SessionProcessOptions): Promise<StartedProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(SESSION_SCRIPT, [JSON.stringify(data)], {
      // Typed arrays cross as typed arrays (not JSON); onnxruntime's own errors still reach stderr.
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // A debugger flag would make every session process fight for the same port.
      execArgv: process.execArgv.filter((flag) => !flag.startsWith('--inspect')),
    });
    const onError = (error: Error) => reject(error);
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`the model process exited with ${signal ?? `code ${code}`} while loading`));
    child.once('error', onError);
    child.once('exit', onExit);
    child.once('message', (reply: StartReply) => {
      child.off('error', onError);
      child.off('exit', onExit);
      if (reply.ready) resolve({ child, inputNames: reply.inputNames, outputNames: reply.outputNames });
      else {
        child.kill();
        reject(new Error(reply.error));
      }
    });
  });
}

/** Whether `child` (its process and its message channel) keeps this process running. */
function holdParent(child: ChildProcess, hold: boolean): void {
  const channel = (child as ChildProcess & { channel?: { ref(): void; unref(): void } }).channel;
  if (hold) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

/** Ends a session process: it exits when its channel closes; killed if it has not within a second. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
  await exited;
  clearTimeout(timer);
}
