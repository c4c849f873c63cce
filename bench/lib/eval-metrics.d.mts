/** Types of eval-metrics.mjs, for the tests that check it. */
export interface EvalTarget {
  file: string;
  lines?: [number, number];
}
export interface EvalUnit {
  filePath: string;
  lineNumber: number;
  endLine: number;
}
export function hits(hit: EvalUnit, target: EvalTarget): boolean;
export function ndcgAt(
  hitList: EvalUnit[],
  targets: EvalTarget[],
  present: number,
  k?: number,
): number | undefined;
export function fileMrrAt(hitList: EvalUnit[], targets: EvalTarget[], k?: number): number;
export function fileRecallAt(hitList: EvalUnit[], targets: EvalTarget[], k?: number): number;
export function presentTargets(targets: EvalTarget[], unitsByFile: Map<string, EvalUnit[]>): EvalTarget[];
export function splitOf(questionId: string): 'dev' | 'test';
export function meanAndError(values: number[]): {
  mean: number | undefined;
  stderr: number | undefined;
  n: number;
};
