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

/**
 * The MCP server of one tree: three tools (`search`, `read`, `status`) over one session. A
 * failing call answers an error result naming the tool and the cause; the server goes on.
 */
export function createMcpServer(
  session: McpSession,
  version: string,
  log: (line: string) => void,
): McpServer {
  const server = new McpServer(
    { name: 'codesearch', version },
    {
      instructions: `Local semantic code search over ${session.service.root}: search finds code by meaning and words (kept fresh as files change), read shows a unit or lines, status tells the index's health.`,
    },
  );
  const respond = async (tool: string, work: () => Promise<string>): Promise<CallToolResult> => {
    try {
      return { content: [{ type: 'text', text: await work() }] };
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
    (args, extra) => respond('search', () => searchTool(session, args, progressSink(extra))),
  );
  server.registerTool('read', { description: readDescription, inputSchema: readInput, annotations }, (args) =>
    respond('read', () => readTool(session, args)),
  );
  server.registerTool('status', { description: statusDescription, annotations }, () =>
    respond('status', () => statusTool(session)),
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
