/**
 * The model the quality sections embed with: the default model, or `CODESEARCH_BENCH_MODEL` (a
 * hub name or a model directory) and `CODESEARCH_BENCH_PRECISION` (int8 | fp32), so that two
 * models can be evaluated side by side with the same code, questions and corpora. Caches and
 * indexes of each model live apart (`modelTag`), so switching never throws one away.
 */
export function benchModelOptions() {
  return {
    ...(process.env.CODESEARCH_BENCH_MODEL ? { model: process.env.CODESEARCH_BENCH_MODEL } : {}),
    ...(process.env.CODESEARCH_BENCH_PRECISION ? { precision: process.env.CODESEARCH_BENCH_PRECISION } : {}),
  };
}

/** The same choice as `codesearch index` flags. */
export function benchModelArgs() {
  const { model, precision } = benchModelOptions();
  return [...(model ? ['--model', model] : []), ...(precision ? ['--precision', precision] : [])];
}

/** A folder name for a model version (`sha256:1a1a…` → `sha256-1a1a…`). */
export function modelTag(modelVersion) {
  return modelVersion.replace(/[^\w.-]+/g, '-');
}
