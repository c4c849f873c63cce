import type { Terminal } from '../terminal.js';

export interface McpCommandOptions {
  path?: string;
  index?: string;
  model?: string;
  modelsDir?: string;
  /** `--no-sync` makes this false. */
  sync?: boolean;
}

/** `codesearch mcp`: not built yet (owned by the MCP work). */
export async function runMcp(_options: McpCommandOptions, terminal: Terminal): Promise<number> {
  terminal.error('codesearch: mcp is not built yet');
  return 2;
}
