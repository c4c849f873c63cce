/** A SQL string literal (DataFusion dialect): quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `column IN ('a', 'b')`; the caller never passes an empty list. */
export function sqlIn(column: string, values: Iterable<string>): string {
  return `${column} IN (${[...values].map(sqlString).join(', ')})`;
}
