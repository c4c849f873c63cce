import type { Terminal } from '../terminal.js';

export interface WatchCommandOptions {
  index?: string;
  model?: string;
  modelsDir?: string;
  json?: boolean;
}

/** `codesearch watch`: not built yet (owned by the watch work). */
export async function runWatch(
  _target: string,
  _options: WatchCommandOptions,
  terminal: Terminal,
): Promise<number> {
  terminal.error('codesearch: watch is not built yet');
  return 2;
}
