import type { CodeEntity } from '@codesearch/core';

/** Statement blocks of a realistic report-building function, varied by a step number. */
const BLOCKS: Array<(step: number) => string[]> = [
  (step) => [
    `    # Stage ${step}: drop rows the upstream export marked as deleted`,
    `    rows = [row for row in rows if not row.get("deleted_${step}")]`,
  ],
  (step) => [
    `    if options.get("normalise_${step}"):`,
    `        for row in rows:`,
    `            row["amount"] = round(float(row.get("amount", 0)) * ${1 + step / 100}, 2)`,
  ],
  (step) => [
    `    try:`,
    `        totals["stage_${step}"] = sum(int(row.get("count", 0)) for row in rows)`,
    `    except (TypeError, ValueError) as error:`,
    `        log.warning("stage ${step}: bad count in %s rows: %s", len(rows), error)`,
    `        totals["stage_${step}"] = 0`,
  ],
  (step) => [
    `    seen_${step} = set()`,
    `    for row in rows:`,
    `        key = (row.get("region"), row.get("sku"), ${step})`,
    `        if key in seen_${step}:`,
    `            duplicates.append(row)`,
    `        seen_${step}.add(key)`,
  ],
];

/**
 * A ~`lineCount`-line Python function (a report builder with many stages), ending with the
 * given closing lines. Lines are numbered from `def` = line 0.
 */
export function longPythonSource(lineCount: number, closing: string[] = ['    return totals']): string {
  const lines = [
    'def build_quarterly_report(rows, options, log):',
    '    """Build the quarterly sales report from exported rows."""',
    '    totals = {}',
    '    duplicates = []',
  ];
  for (let step = 0; lines.length < lineCount - closing.length; step++) {
    lines.push(...BLOCKS[step % BLOCKS.length]!(step));
  }
  lines.length = Math.min(lines.length, lineCount - closing.length);
  lines.push(...closing);
  return `${lines.join('\n')}\n`;
}

export function longFunctionEntity(lineCount: number, lineNumber = 40): CodeEntity {
  const sourceCode = longPythonSource(lineCount);
  return {
    kind: 'function',
    name: 'build_quarterly_report',
    qualifiedName: 'build_quarterly_report',
    filePath: 'reports/quarterly.py',
    lineNumber,
    endLine: lineNumber + sourceCode.trimEnd().split('\n').length - 1,
    language: 'python',
    signature: 'def build_quarterly_report(rows, options, log):',
    docstring: 'Build the quarterly sales report from exported rows.',
    sourceCode,
  };
}
