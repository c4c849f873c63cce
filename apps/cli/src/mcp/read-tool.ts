import { z } from 'zod';
import type { McpSession } from './session.js';
import { fitToBudget, maxTokensArgument } from './token-budget.js';
import { readTextLines, resolveTreeFile } from './tree-files.js';

/** A longer line (minified code) is cut so that the lines after it still fit. */
const MAX_LINE_CHARS = 2_000;

export const readInput = {
  id: z
    .string()
    .optional()
    .describe('a unit id from search: `path:line` (as in a hit, `path:start-end` works too)'),
  path: z.string().optional().describe('a file, relative to the root'),
  start: z.number().int().min(1).optional().describe('first line (default 1)'),
  end: z.number().int().min(1).optional().describe('last line (default: the end of the file)'),
  max_tokens: maxTokensArgument,
};

export const readDescription =
  "Read code: a unit by the id a search hit shows (`path:line`), or a file's lines (`path`, `start`, `end`). Lines come as `N:text`; cut to max_tokens, saying where to go on.";

type ReadArgs = {
  id?: string | undefined;
  path?: string | undefined;
  start?: number | undefined;
  end?: number | undefined;
  max_tokens: number;
};

/** The `read` tool. Throws (an MCP error result) for bad arguments, naming them. */
export async function readTool(session: McpSession, args: ReadArgs): Promise<string> {
  if ((args.id === undefined) === (args.path === undefined)) {
    throw new Error(
      'read takes either `id` (a unit id from search, path:line) or `path` (with optional start/end)',
    );
  }
  return args.id !== undefined ? readUnit(session, args.id, args.max_tokens) : readRange(session, args);
}

async function readUnit(session: McpSession, rawId: string, maxTokens: number): Promise<string> {
  // `path:12-40` as a hit's header shows it names the unit `path:12`.
  const id = rawId.trim().replace(/^(.*:\d+)-\d+$/, '$1');
  if (!/^.+:\d+$/.test(id)) {
    throw new Error(
      `id ${JSON.stringify(rawId)} is not a unit id; ids are \`path:line\` as search hits show them`,
    );
  }
  const readiness = await session.prepare();
  if (!readiness.ready) return readiness.message;
  const [unit] = await session.service.units([id]);
  if (!unit) {
    throw new Error(
      `no unit ${id} in the index (ids are \`path:line\` from search hits; if the file changed since, search again)`,
    );
  }
  const file = await resolveTreeFile(session.service.root, unit.filePath);
  const lines = await readTextLines(file);
  const end = Math.min(unit.endLine, lines.length);
  if (unit.lineNumber > end) {
    throw new Error(
      `${unit.filePath} has ${lines.length} lines now, fewer than unit ${id} had (${unit.lineNumber}-${unit.endLine}); search again`,
    );
  }
  // With --no-sync (or more changes than a search re-indexes) the unit's lines may have moved.
  const stale = (await session.service.staleFiles([unit])).get(unit.filePath);
  const note = stale ? ` [file ${stale} since indexed: the lines may have moved; search again]` : '';
  return fitLines(
    `${unit.filePath}:${unit.lineNumber}-${end} ${unit.qualifiedName} (${unit.kind})${note}`,
    file.relative,
    lines,
    unit.lineNumber,
    end,
    maxTokens,
  );
}

async function readRange(session: McpSession, args: ReadArgs): Promise<string> {
  const file = await resolveTreeFile(session.service.root, args.path!);
  const lines = await readTextLines(file);
  const start = args.start ?? 1;
  const end = Math.min(args.end ?? lines.length, lines.length);
  if (start > lines.length)
    throw new Error(`${file.relative} has ${lines.length} lines; start ${start} is past its end`);
  if (start > end) throw new Error(`start ${start} is after end ${args.end}`);
  return fitLines(
    `${file.relative}:${start}-${end} (of ${lines.length} lines)`,
    file.relative,
    lines,
    start,
    end,
    args.max_tokens,
  );
}

function fitLines(
  header: string,
  relative: string,
  lines: readonly string[],
  start: number,
  end: number,
  maxTokens: number,
): string {
  const shown: string[] = [];
  for (let line = start; line <= end; line++) {
    const text = lines[line - 1]!.trimEnd();
    shown.push(`${line}:${text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS - 1)}…`}`);
  }
  return fitToBudget(
    {
      head: [],
      blocks: [
        {
          header,
          lines: shown,
          cutNote: (hidden) => {
            const from = end - hidden + 1;
            return `… lines ${from}-${end} not shown (max_tokens ${maxTokens}); read path ${relative} start ${from} for the rest`;
          },
        },
      ],
      tail: [],
      hiddenNote: () => `(max_tokens ${maxTokens} is too small for any of it)`,
    },
    maxTokens,
    0,
  ).text;
}
