/**
 * Embeds texts through a persistent embedding cache, keyed by the text alone: the vector of a
 * text does not depend on which benchmark variant prepared it, so variants that share texts (and
 * reruns) embed each distinct text once. Used by sections that need many real vectors.
 */
import { benchModelOptions } from './bench-model.mjs';
import { loadDist } from './dist.mjs';

/** The cache's text-format slot: constant, so that a key depends on the model and the text only. */
const KEY_NAMESPACE = 'bench-text-as-is';
const CHUNK = 64;
const FLUSH_EVERY = 512;

/**
 * `const embed = await cachedEmbedder(repoRoot, cacheDir)`; then `await embed.vectors(texts)`
 * → Float32Array[] in input order. `embed.model` is `{ modelName, modelVersion, dimensions }`;
 * `embed.stats` counts texts served from the cache and embedded, and the seconds spent embedding.
 */
export async function cachedEmbedder(repoRoot, cacheDir, { log = () => {} } = {}) {
  const [{ createEmbeddingCache, contentKey }, { createTransformersEmbedder }] = await Promise.all([
    loadDist(repoRoot, 'cache'),
    loadDist(repoRoot, 'embedder'),
  ]);
  const embedder = createTransformersEmbedder(benchModelOptions());
  const described = await embedder.describe();
  const model = {
    modelName: described.modelName,
    modelVersion: described.modelVersion,
    dimensions: described.dimensions,
  };
  const cache = createEmbeddingCache(cacheDir);
  await cache.open(described);
  const stats = { cached: 0, embedded: 0, embedSeconds: 0 };
  const keyOf = (text) =>
    contentKey({
      modelName: model.modelName,
      modelVersion: model.modelVersion,
      textPrepVersion: KEY_NAMESPACE,
      text,
    });

  async function vectors(texts, label = 'texts') {
    const keys = texts.map(keyOf);
    const found = await cache.getMany(keys);
    const out = found.map((entry) => entry?.embedding);
    const missing = new Map(); // key → first index
    keys.forEach((key, index) => {
      if (!out[index] && !missing.has(key)) missing.set(key, index);
    });
    stats.cached += texts.length - missing.size;
    const todo = [...missing.entries()];
    if (todo.length) log(`${label}: ${texts.length - todo.length} cached, embedding ${todo.length}`);
    let sinceFlush = 0;
    const started = performance.now();
    for (let start = 0; start < todo.length; start += CHUNK) {
      const chunk = todo.slice(start, start + CHUNK);
      const outcomes = await embedder.embed(chunk.map(([, index]) => texts[index]));
      const entries = [];
      outcomes.forEach((outcome, position) => {
        const [key, index] = chunk[position];
        if (!outcome.ok)
          throw new Error(`embedding ${label} item ${index} failed: ${outcome.error?.message}`);
        out[index] = outcome.vector;
        entries.push([
          key,
          {
            name: label,
            embedding: outcome.vector,
            timestamp: new Date().toISOString(),
            modelVersion: model.modelVersion,
          },
        ]);
      });
      await cache.setMany(entries);
      sinceFlush += entries.length;
      if (sinceFlush >= FLUSH_EVERY) {
        await cache.flush();
        sinceFlush = 0;
      }
      const done = Math.min(start + CHUNK, todo.length);
      if (done % (CHUNK * 8) === 0 || done === todo.length) {
        const rate = done / ((performance.now() - started) / 1000);
        log(`${label}: embedded ${done}/${todo.length} (${rate.toFixed(1)} texts/s)`);
      }
    }
    if (todo.length) await cache.flush();
    stats.embedded += todo.length;
    stats.embedSeconds += (performance.now() - started) / 1000;
    // Texts repeated within this call share the first one's vector.
    keys.forEach((key, index) => {
      if (!out[index]) out[index] = out[missing.get(key)];
    });
    return out;
  }

  async function close() {
    await cache.close();
    await embedder.dispose?.();
  }

  return { model, vectors, stats, close, keyOf, location: cache.location };
}
