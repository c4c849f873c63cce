import { parentPort } from 'node:worker_threads';
import { ParseError } from '@codesearch/core';
import { parseFile } from './parse-file.js';
import type { WorkerReply, WorkerTask } from './worker-pool.js';

// Runs `parseFile` for the pool: tree-sitter parsing is synchronous CPU work, so threads
// are how a directory parse uses more than one core.
parentPort!.on('message', async (task: WorkerTask) => {
  let reply: WorkerReply;
  try {
    const file = await parseFile(task.absolutePath, task.options);
    reply = { id: task.id, file };
  } catch (error) {
    const parseError = ParseError.isInstance(error) ? error : undefined;
    reply = {
      id: task.id,
      error: {
        filePath: parseError?.filePath ?? task.absolutePath,
        reason: parseError?.reason ?? String(error),
        code: parseError?.code ?? 'PARSE_FAILED',
      },
    };
  }
  parentPort!.postMessage(reply);
});
