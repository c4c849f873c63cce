import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { readDescription, readInput, readTool } from './read-tool.js';
import { searchDescription, searchInput, searchTool } from './search-tool.js';
import type { McpSession, ProgressSink } from './session.js';
import { statusDescription, statusTool } from './status-tool.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Progress notifications no closer together than this (embedding reports every batch). */
const PROGRESS_INTERVAL_MS = 250;

/** What a server serves: an open session, or why the tree could not be opened (every call says so). */
export type McpTarget = McpSession | { unavailable: string };

/**
 * The MCP server of one tree: three tools (`search`, `read`, `status`) over one session. A
 * failing call answers an error result naming the tool and the cause; the server goes on. A
 * tree that could not be opened (a missing model, a bad root) still gets a server, whose every
 * call answers why and what to run: an agent reads tool results, not the server's log.
 */
export function createMcpServer(target: McpTarget, version: string, log: (line: string) => void): McpServer {
  const server = new McpServer(
    { name: 'codesearch', version },
    {
      instructions:
        'unavailable' in target
          ? `Local semantic code search, unavailable: ${target.unavailable}`
          : `Local semantic code search over ${target.service.root}: search finds code by meaning and words (kept fresh as files change), read shows a unit or lines, status tells the index's health.`,
    },
  );
  const respond = async (
    tool: string,
    work: (session: McpSession) => Promise<string>,
  ): Promise<CallToolResult> => {
    try {
      if ('unavailable' in target) throw new Error(target.unavailable);
      return { content: [{ type: 'text', text: await work(target) }] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${tool}: ${message}`);
      return { content: [{ type: 'text', text: `${tool}: ${message}` }], isError: true };
    }
  };
  // The tools change no file of the tree; search may update codesearch's own index first.
  const annotations = { readOnlyHint: true, openWorldHint: false };
  server.registerTool(
    'search',
    { description: searchDescription, inputSchema: searchInput, annotations },
    (args, extra) => respond('search', (session) => searchTool(session, args, progressSink(extra))),
  );
  server.registerTool('read', { description: readDescription, inputSchema: readInput, annotations }, (args) =>
    respond('read', (session) => readTool(session, args)),
  );
  server.registerTool('status', { description: statusDescription, annotations }, () =>
    respond('status', (session) => statusTool(session)),
  );
  return server;
}

/**
 * MCP progress notifications for this request, when the client asked for them (it sent a
 * `progressToken`): the units embedded of all, or a step count, always increasing.
 */
function progressSink(extra: Extra): ProgressSink | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = 0;
  let sentAt = Number.NEGATIVE_INFINITY;
  return (message, progress) => {
    const now = performance.now();
    const finished = progress !== undefined && progress.done >= progress.total;
    if (now - sentAt < PROGRESS_INTERVAL_MS && !finished) return;
    const value = progress ? progress.done : last + 1;
    if (value <= last) return;
    last = value;
    sentAt = now;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: value,
          ...(progress ? { total: progress.total } : {}),
          message,
        },
      })
      .catch(() => undefined);
  };
}
