/**
 * A `lineCount`-line Python function: a report builder with many stages, ending with
 * `closing`. Realistic enough that its windows look like real code to a model.
 */
export function longPythonSource(lineCount: number, closing: string[] = ['    return totals']): string {
  const lines = [
    'def build_quarterly_report(rows, options, log):',
    '    """Build the quarterly sales report from exported rows."""',
    '    totals = {}',
    '    duplicates = []',
  ];
  for (let step = 0; lines.length < lineCount - closing.length; step++) {
    const block = [
      [
        `    # Stage ${step}: drop rows the upstream export marked as deleted`,
        `    rows = [row for row in rows if not row.get("deleted_${step}")]`,
      ],
      [
        `    if options.get("normalise_${step}"):`,
        '        for row in rows:',
        `            row["amount"] = round(float(row.get("amount", 0)) * ${1 + step / 100}, 2)`,
      ],
      [
        '    try:',
        `        totals["stage_${step}"] = sum(int(row.get("count", 0)) for row in rows)`,
        '    except (TypeError, ValueError) as error:',
        `        log.warning("stage ${step}: bad count in %s rows: %s", len(rows), error)`,
      ],
    ][step % 3]!;
    lines.push(...block);
  }
  lines.length = Math.min(lines.length, lineCount - closing.length);
  lines.push(...closing);
  return `${lines.join('\n')}\n`;
}
