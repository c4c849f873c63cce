import { describe, expect, it } from 'vitest';
import { type BudgetAnswer, clipToBudget, estimateTokens, fitToBudget } from './token-budget.js';

describe('estimateTokens', () => {
  it('counts word pieces (split at camelCase, with a space before), digit groups, symbols and white space runs', () => {
    // parse · Config · ( · x · )
    expect(estimateTokens('parseConfig(x)')).toBe(5);
    // "    " · return · " " · 42 · ;
    expect(estimateTokens('    return 42;')).toBe(5);
    // 20 letters: ceil(20 / 8)
    expect(estimateTokens('supercalifragilistic')).toBe(3);
    // 123 · 456 · 7 (groups of at most three digits)
    expect(estimateTokens('1234567')).toBe(3);
    // HTTP · Server (an upper-case run before a capitalised word)
    expect(estimateTokens('HTTPServer')).toBe(2);
    // a · " " · = · " b": one space joins the word after it, not a symbol
    expect(estimateTokens('a = b')).toBe(4);
    // "x" · " yz" · " " (a trailing space stands alone)
    expect(estimateTokens('x yz ')).toBe(3);
    expect(estimateTokens('')).toBe(0);
  });

  it('counts a non-ASCII character as a token at least', () => {
    expect(estimateTokens('日本語')).toBe(3);
  });
});

const lines = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => `${index + 1}-    ${prefix} = compute(${index});`);

function answer(blockLines: number[]): BudgetAnswer {
  return {
    head: ['3 hits, paths relative to /repo'],
    blocks: blockLines.map((count, index) => ({
      header: `src/file${index}.ts:1-${count} unit${index} (function)`,
      lines: lines(count, `value${index}`),
    })),
    tail: [],
    hiddenNote: (hidden, shown) => `… ${hidden} ${shown > 0 ? 'more ' : ''}hits not shown`,
    linesCutNote: '(lines cut)',
  };
}

describe('fitToBudget', () => {
  it('leaves an answer within the budget as it is', () => {
    const whole = answer([3, 3, 3]);
    const fitted = fitToBudget(whole, 10_000);
    const expected = [whole.head[0], ...whole.blocks.flatMap((block) => [block.header, ...block.lines])].join(
      '\n',
    );
    expect(fitted.text).toBe(expected);
    expect(fitted).toMatchObject({ shown: 3, hidden: 0, cutLines: 0 });
  });

  it('cuts lines of the lowest blocks first, down to three each, and says so', () => {
    const whole = answer([10, 10, 10]);
    const full = estimateTokens(fitToBudget(whole, 10_000).text);
    // A line costs ~15 tokens: room for about 10 lines fewer than all, more than the last
    // block can give (7): it keeps 3, the middle one gives the rest, the first none.
    const fitted = fitToBudget(whole, full - 150);
    const text = fitted.text.split('\n');
    const shownOf = (block: number) =>
      whole.blocks[block]!.lines.filter((line) => text.includes(line)).length;
    expect(shownOf(0)).toBe(10);
    expect(shownOf(1)).toBeGreaterThan(3);
    expect(shownOf(1)).toBeLessThan(10);
    expect(shownOf(2)).toBe(3);
    expect(text).toContain(whole.blocks[2]!.lines[2]);
    expect(text.at(-1)).toBe('(lines cut)');
    expect(fitted.hidden).toBe(0);
    expect(fitted.tokens).toBeLessThanOrEqual(full - 150);
  });

  it('keeps the best block its first lines until every other block is gone', () => {
    const whole = answer([10, 10, 10]);
    const fitted = fitToBudget(whole, 100);
    const text = fitted.text.split('\n');
    expect(text).toContain(whole.blocks[0]!.header);
    expect(text).toContain(whole.blocks[0]!.lines[2]);
    expect(text).not.toContain(whole.blocks[0]!.lines[3]);
    expect(text).not.toContain(whole.blocks[2]!.header);
    expect(text).toContain(`… ${fitted.hidden} more hits not shown`);
    expect(fitted.hidden).toBeGreaterThan(0);
  });

  it('is never over the budget, whatever the budget', () => {
    const whole = answer([12, 1, 30, 0, 7]);
    for (let budget = 1; budget <= 700; budget += 3) {
      const fitted = fitToBudget(whole, budget);
      expect(estimateTokens(fitted.text), `budget ${budget}`).toBeLessThanOrEqual(budget);
      expect(fitted.tokens).toBe(estimateTokens(fitted.text));
    }
  });

  it('says how many lines of a read block were cut, with a per-block note', () => {
    const fitted = fitToBudget(
      {
        head: [],
        blocks: [
          { header: 'a.ts:1-200', lines: lines(200, 'x'), cutNote: (hidden) => `… ${hidden} lines cut` },
        ],
        tail: [],
        hiddenNote: () => 'nothing fits',
      },
      300,
      0,
    );
    const text = fitted.text.split('\n');
    const shownLines = text.length - 2;
    expect(text.at(-1)).toBe(`… ${200 - shownLines} lines cut`);
    expect(fitted.cutLines).toBe(200 - shownLines);
  });
});

describe('clipToBudget', () => {
  it('cuts a text too long for the budget and marks the cut', () => {
    const text = 'word '.repeat(100);
    const clipped = clipToBudget(text, 20);
    expect(clipped.endsWith('…')).toBe(true);
    expect(estimateTokens(clipped)).toBeLessThanOrEqual(20);
    expect(text.startsWith(clipped.slice(0, -1))).toBe(true);
  });
});
