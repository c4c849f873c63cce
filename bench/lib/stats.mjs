/** Small helpers shared by the bench sections: summaries of repeated runs and a text table. */

/** { median, min, max } of a list of numbers (median of an even count: mean of the middle two). */
export function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1) };
}

/** Applies `summarise` to each named figure of a list of run records. */
export function summariseRuns(runs, keys) {
  return Object.fromEntries(keys.map((key) => [key, summarise(runs.map((run) => run[key]))]));
}

/** Rounds for the JSON report: 4 significant digits is plenty for timings. */
export function round(value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(digits));
}

export function roundDeep(value) {
  if (typeof value === 'number') return round(value);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, roundDeep(inner)]));
  }
  return value;
}

/** `median (min–max)` with a fixed number of decimals. */
export function formatRange({ median, min, max }, decimals = 1) {
  return `${median.toFixed(decimals)} (${min.toFixed(decimals)}–${max.toFixed(decimals)})`;
}

/** Plain-text table: first row is the header, columns padded, numbers right-aligned. */
export function formatTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) =>
    row
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ');
  return [
    line(rows[0]),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}
