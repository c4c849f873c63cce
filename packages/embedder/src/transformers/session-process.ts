import { createOrtSession, loadOnnxRuntime } from './ort-session.js';
import type { SessionProcessOptions, SessionReply, SessionRequest } from './session-pool.js';

// One onnxruntime session in its own process, for `SessionPool`. `session.run` of
// onnxruntime-node is synchronous, so one process runs one model at a time; several processes
// use several cores. (Not worker threads: onnxruntime-node keeps per-process state that a
// worker thread's exit breaks, after which loading it again or reporting an error crashes.)
const port = process as NodeJS.Process & { send: NonNullable<NodeJS.Process['send']> };
const { modelPath, threads } = JSON.parse(process.argv[2] ?? '{}') as SessionProcessOptions;

// The parent decides when this process stops: Ctrl-C (or a kill of the process group) reaches
// this process too, and a run cut short would be reported as a failed text. It ends when the
// parent disconnects, or goes away.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));

try {
  const ort = await loadOnnxRuntime();
  const session = await createOrtSession(ort, modelPath, threads);
  process.on('message', async (request: SessionRequest) => {
    let reply: SessionReply;
    try {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, feed] of Object.entries(request.feeds)) {
        feeds[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
      }
      const results = await session.run(feeds);
      const outputs: SessionReply['outputs'] = {};
      for (const [name, tensor] of Object.entries(results)) {
        outputs[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
      }
      reply = { id: request.id, outputs };
    } catch (error) {
      reply = { id: request.id, error: (error as Error).message ?? String(error) };
    }
    port.send(reply);
  });
  port.send({ ready: true, inputNames: session.inputNames, outputNames: session.outputNames });
} catch (error) {
  port.send({ ready: false, error: (error as Error).message ?? String(error) });
}
