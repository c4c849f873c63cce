import { z } from 'zod';

/**
 * How many tokens an agent's model reads for a text, estimated cheaply and from above.
 *
 * Code does not follow the "4 characters a token" rule of prose: on code, byte-pair tokenizers
 * (OpenAI's o200k_base and cl100k_base) give a token for every ~3.3 characters, so `chars / 4`
 * undercounts (0.83× the real count at the median, 0.54× at worst, on line-numbered code). This
 * count follows what such tokenizers cut instead: a run of letters (split at camelCase, with
 * the one space before it) is `ceil(letters / 8)` tokens; one to three digits, each other
 * symbol and each run of white space are a token each. On 400 line-numbered samples of the
 * evaluation corpora (five languages) it was never below the o200k_base or cl100k_base count:
 * 1.05× at least, 1.34× at the median, so an answer within the estimate is within the budget,
 * with room for tokenizers that cut code finer. `bench/sections/mcp.mjs` measures it on real
 * answers.
 */
const PIECES = / ?[A-Z]?[a-z]+| ?[A-Z]+(?![a-z])|[0-9]{1,3}|[^\sA-Za-z0-9]|\s+/g;

/** Letters per token of a word piece. */
const LETTERS_PER_TOKEN = 8;

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    const letters = piece.charCodeAt(0) === 32 ? piece.length - 1 : piece.length;
    tokens += isLetter(piece.charCodeAt(piece.length - 1)) ? Math.ceil(letters / LETTERS_PER_TOKEN) : 1;
  }
  return tokens;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** A hit (or a read range): a header line and its code lines, which may be cut from the end. */
export interface BudgetBlock {
  header: string;
  lines: readonly string[];
  /** The line under the block that says `hidden` of its lines were cut (none: only `linesCutNote`). */
  cutNote?(hidden: number): string;
}

/** An answer to fit: lines before the blocks, the blocks best first, lines after them. */
export interface BudgetAnswer {
  head: readonly string[];
  blocks: readonly BudgetBlock[];
  tail: readonly string[];
  /** The line that says `hidden` whole blocks were left out (after `shown` blocks). */
  hiddenNote(hidden: number, shown: number): string;
  /** One line after the blocks when lines of any block shown were cut. */
  linesCutNote?: string;
}

export interface FittedAnswer {
  text: string;
  /** Its estimated tokens (≤ the budget). */
  tokens: number;
  /** Blocks shown (the first ones). */
  shown: number;
  /** Blocks left out (the last ones). */
  hidden: number;
  /** Code lines cut from the blocks shown. */
  cutLines: number;
}

/**
 * The answer shortened to at most `maxTokens` estimated tokens: first the code lines of the
 * lowest blocks are cut down to `keepLines` each (lowest block first), then down to none
 * (lowest first, the best block keeps its `keepLines`), then whole blocks are left out from
 * the bottom (the best block last, its lines first); each cut is said in a line.
 * Never over the budget: if even the head alone is too long, the text is clipped.
 */
export function fitToBudget(answer: BudgetAnswer, maxTokens: number, keepLines = 3): FittedAnswer {
  // Per-line costs add up to at least the estimate of the joined text (white space runs merge
  // across newlines, nothing else spans a line), so a plan within the budget by the sum is within it.
  const cost = (line: string) => estimateTokens(line) + 1;
  const fixed = sum(answer.head.map(cost)) + sum(answer.tail.map(cost));
  const linesCutNote = answer.linesCutNote === undefined ? 0 : cost(answer.linesCutNote);
  const blocks = answer.blocks.map((block) => {
    const lines = block.lines.map(cost);
    return { block, header: cost(block.header), lines, kept: lines.length, keptCost: sum(lines) };
  });
  type Entry = (typeof blocks)[number];
  const isCut = (entry: Entry) => entry.kept < entry.lines.length;
  const blockCost = (entry: Entry) =>
    entry.header +
    entry.keptCost +
    (isCut(entry) && entry.block.cutNote ? cost(entry.block.cutNote(entry.lines.length - entry.kept)) : 0);
  const costs = blocks.map(blockCost);
  let shown = blocks.length;
  let shownCost = sum(costs);
  let cutBlocks = 0;
  const total = () =>
    fixed +
    shownCost +
    (cutBlocks > 0 ? linesCutNote : 0) +
    (shown < blocks.length ? cost(answer.hiddenNote(blocks.length - shown, shown)) : 0);

  let current = total();
  const trim = (position: number, floor: number) => {
    const entry = blocks[position]!;
    while (entry.kept > floor && current > maxTokens) {
      if (!isCut(entry)) cutBlocks++;
      entry.kept--;
      entry.keptCost -= entry.lines[entry.kept]!;
      const updated = blockCost(entry);
      shownCost += updated - costs[position]!;
      costs[position] = updated;
      current = total();
    }
  };
  const drop = (floor: number) => {
    while (shown > floor && current > maxTokens) {
      shown--;
      shownCost -= costs[shown]!;
      if (isCut(blocks[shown]!)) cutBlocks--;
      current = total();
    }
  };
  for (let position = blocks.length - 1; position >= 0; position--) trim(position, keepLines);
  // The best block keeps its first lines until every other block is gone.
  for (let position = blocks.length - 1; position >= 1; position--) trim(position, 0);
  drop(1);
  if (blocks.length > 0) trim(0, 0);
  drop(0);

  const lines = [...answer.head];
  for (const entry of blocks.slice(0, shown)) {
    lines.push(entry.block.header, ...entry.block.lines.slice(0, entry.kept));
    if (isCut(entry) && entry.block.cutNote) lines.push(entry.block.cutNote(entry.lines.length - entry.kept));
  }
  if (shown < blocks.length) lines.push(answer.hiddenNote(blocks.length - shown, shown));
  if (cutBlocks > 0 && answer.linesCutNote !== undefined) lines.push(answer.linesCutNote);
  lines.push(...answer.tail);
  const text = clipToBudget(lines.join('\n'), maxTokens);
  return {
    text,
    tokens: estimateTokens(text),
    shown,
    hidden: blocks.length - shown,
    cutLines: sum(blocks.slice(0, shown).map((entry) => entry.lines.length - entry.kept)),
  };
}

/** The text, or its longest start (ending in `…`) whose estimate is within `maxTokens`. */
export function clipToBudget(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (estimateTokens(`${text.slice(0, middle)}…`) <= maxTokens) low = middle;
    else high = middle - 1;
  }
  return low > 0 ? `${text.slice(0, low)}…` : '';
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The answer size a tool call gets when it does not say. */
export const DEFAULT_MAX_TOKENS = 2_000;

/** The `max_tokens` argument of the `search` and `read` tools. */
export const maxTokensArgument = z
  .number()
  .int()
  .min(100)
  .max(50_000)
  .default(DEFAULT_MAX_TOKENS)
  .describe('answer size limit in tokens (default 2000)');
