import { createRequire } from 'node:module';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { applyGovernor, type GovernorOptions } from '../governor.js';
import { SearchService } from '../search-service.js';
import type { Terminal } from '../terminal.js';
import { createMcpServer } from './server.js';
import { McpSession } from './session.js';

export interface McpCommandOptions extends GovernorOptions {
  path?: string;
  index?: string;
  model?: string;
  modelsDir?: string;
  /** The embedding cache a whole-tree build uses (`--cache`; `false` with `--no-cache`). */
  cache?: string | boolean;
  /** `--no-sync` makes this false. */
  sync?: boolean;
}

// By the package's own name, so that it resolves from src/ and dist/ alike.
const { version: VERSION } = createRequire(import.meta.url)('codesearch/package.json') as { version: string };

/**
 * `codesearch mcp`: serves one tree to an MCP client over stdio until the client closes the
 * connection (or SIGINT/SIGTERM). Standard output carries only the protocol; the log goes to
 * standard error.
 */
export async function runMcp(options: McpCommandOptions, terminal: Terminal): Promise<number> {
  const log = (line: string) => terminal.error(`codesearch mcp: ${line}`);
  // Whatever a library prints with console.log must not corrupt the protocol on stdout.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  const root = options.path ?? '.';
  const service = await SearchService.open({
    root,
    ...(options.index ? { index: options.index } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
    ...applyGovernor(options, log),
    ...(typeof options.cache === 'string' || options.cache === false ? { cache: options.cache } : {}),
    rootFlag: '--path',
    create: true,
  }).catch((error: unknown) => {
    // Served all the same: each call answers why (the agent sees it; a server that exits is
    // only "failed" in the client's list).
    const message = `cannot serve ${root}: ${error instanceof Error ? error.message : String(error)}`;
    log(message);
    return { unavailable: message };
  });
  const session =
    'unavailable' in service ? undefined : new McpSession(service, { sync: options.sync ?? true, log });
  const server = createMcpServer(session ?? (service as { unavailable: string }), VERSION, log);
  const transport = new StdioServerTransport();

  let stopping = false;
  const closed = new Promise<void>((resolve) => {
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        log(`stopping (${why})`);
        process.stdin.off('end', onEnd);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await server.close().catch(() => undefined);
        await session?.close().catch((error: unknown) => log(`closing the index: ${String(error)}`));
        resolve();
      })();
    };
    const onEnd = () => stop('the client closed the connection');
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    process.stdin.on('end', onEnd);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    server.server.onclose = () => stop('the connection closed');
  });
  await server.connect(transport);
  if (!session) {
    await closed;
    return 1;
  }
  if (session.service.gitignore?.state === 'failed') log(`warning: ${session.service.gitignore.reason}`);
  log(`serving ${session.service.root} (index ${session.service.directory}) over stdio`);
  // The model loads now, not at the first question; a model that fails to load shows in the
  // log and in every search's error result.
  void session.service.embedder.embed(['warm up']).then(
    (outcomes) => {
      const failed = outcomes.find((outcome) => !outcome.ok);
      if (failed && !failed.ok) log(`the model could not be loaded: ${failed.error.message}`);
    },
    (error: unknown) => log(`the model could not be loaded: ${String(error)}`),
  );
  await closed;
  return 0;
}
