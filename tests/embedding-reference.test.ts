/**
 * The default embedder against an independent reference, on real code texts.
 *
 * 200 functions, methods and classes from a few Python standard library packages go through the
 * real pipeline (parseDirectory → text-prep) and are embedded twice: by TransformersEmbedder
 * (transformers.js tokenizer + onnxruntime-node) and by tools/reference_embeddings.py (Hugging
 * Face `tokenizers` + Python onnxruntime + numpy) on the same model files. Every pair of vectors
 * must agree (cosine ≥ 0.999), the same text must always get the same vector, and the texts the
 * embedder says it truncated must be exactly those the reference tokenizer finds longer than the
 * model's limit.
 *
 * Needs the model (default all-MiniLM-L6-v2 under $CODESEARCH_MODELS_DIR or ~/.codesearch/models)
 * and the Python tooling venv (.venv-tools); `npm run setup` provides both. Missing either is a
 * failure, never a skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeEntity, EmbedOutcome } from '@codesearch/core';
import { createTransformersEmbedder, type TransformersEmbedder } from '@codesearch/embedder';
import { parseDirectory } from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const VENV_PYTHON = path.join(REPO_ROOT, '.venv-tools', 'bin', 'python');
const REFERENCE_SCRIPT = path.join(REPO_ROOT, 'tools', 'reference_embeddings.py');
const PYTHON = process.env.PYTHON ?? 'python3';
const FOLDERS = ['json', 'email', 'asyncio', 'http', 'collections'];
const SAMPLE_SIZE = 200;
/** fp32 against fp32: the same computation on two runtimes. */
const MIN_COSINE = 0.999;
/**
 * int8 against int8: onnxruntime-node 1.14 and Python onnxruntime 1.32 fuse and round the float
 * parts a little differently, and a tiny difference can flip an activation's int8 rounding.
 */
const MIN_COSINE_INT8 = 0.99;
/** The parity gate: int8 against the fp32 file, median cosine over real texts. */
const MIN_MEDIAN_PARITY = 0.99;
/** Each precision's vectors, for the parity check after both have run. */
const vectorsByPrecision = new Map<string, EmbedOutcome[]>();
/** Texts embedded again for the determinism check (every DETERMINISM_STRIDE-th of the sample). */
const DETERMINISM_STRIDE = 10;
/** The sample must contain some texts over the token limit, or the truncation check proves nothing. */
const MIN_TRUNCATED = 10;
const SETUP_HINT = 'run `npm run setup`';

interface Reference {
  maxTokens: number;
  dimensions: number;
  versions: Record<string, string>;
  tokens: number[];
  truncated: boolean[];
  vectors: number[][];
}

function stdlibRoot(): string {
  const probe = spawnSync(PYTHON, ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    throw new Error(`${PYTHON} could not report its stdlib: ${probe.stderr || probe.error}`);
  return probe.stdout.trim();
}

function requireToolsVenv(): void {
  const probe = existsSync(VENV_PYTHON)
    ? spawnSync(VENV_PYTHON, ['-c', 'import numpy, onnxruntime, tokenizers'], { encoding: 'utf8' })
    : undefined;
  if (probe?.status !== 0) {
    throw new Error(
      `the Python tooling venv ${VENV_PYTHON} is missing or incomplete (${
        probe ? probe.stderr.trim().split('\n').at(-1) : 'no interpreter'
      }): ${SETUP_HINT} (it runs tools/setup-python.sh)`,
    );
  }
}

const byLocation = (a: CodeEntity, b: CodeEntity): number =>
  (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : 0) ||
  a.lineNumber - b.lineNumber ||
  (a.qualifiedName < b.qualifiedName ? -1 : a.qualifiedName > b.qualifiedName ? 1 : 0);

/** 200 texts: entities sorted by filePath:lineNumber, every k-th, prepared with long windows. */
async function sampleTexts(root: string): Promise<{ texts: string[]; labels: string[] }> {
  const result = await parseDirectory(root, {
    languages: ['python'],
    include: FOLDERS.map((folder) => `${folder}/**`),
    exclude: ['site-packages/'],
    skipGenerated: false,
    defaultExcludes: false,
    gitignore: false,
  });
  const entities = [...result.entities].sort(byLocation);
  if (entities.length < SAMPLE_SIZE)
    throw new Error(`only ${entities.length} entities under ${FOLDERS.join(', ')}`);
  const step = Math.floor(entities.length / SAMPLE_SIZE);
  const sample = entities.filter((_, index) => index % step === 0).slice(0, SAMPLE_SIZE);
  // A 2,000-character budget, not the indexer's 700-character windows (which nearly always fit
  // 256 tokens): the truncation check needs texts over the model's limit.
  const preparator = createTextPreparator({ maxChars: 2000 });
  return {
    texts: sample.map((entity) => preparator.prepareEntity(entity).text),
    labels: sample.map((entity) => `${entity.filePath}:${entity.lineNumber} ${entity.qualifiedName}`),
  };
}

/** How the reference runs each precision's file. */
const PRECISIONS = [
  // One text per run: int8 quantizes a run's activations with one scale, so a padded batch (or
  // a neighbour) changes a text's vector; the embedder runs int8 one text at a time too.
  { precision: 'int8', onnx: 'onnx/model_quantized.onnx', referenceBatch: 1, minCosine: MIN_COSINE_INT8 },
  // Pairs in input order: padded (about a quarter more tokens), unlike the embedder's length-sorted
  // batches, yet cheap enough to keep the test short.
  { precision: 'fp32', onnx: 'onnx/model.onnx', referenceBatch: 2, minCosine: MIN_COSINE },
] as const;

function runReference(modelDir: string, texts: string[], onnx: string, batch: number): Promise<Reference> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      VENV_PYTHON,
      [REFERENCE_SCRIPT, modelDir, '--onnx', onnx, '--batch-size', String(batch)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`reference_embeddings.py exited with ${code}: ${stderr.slice(0, 2000)}`));
      resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as Reference);
    });
    child.stdin.end(JSON.stringify(texts));
  });
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(normA * normB);
}

function vectorOf(outcome: EmbedOutcome | undefined, label: string): Float32Array {
  if (!outcome?.ok) throw new Error(`${label}: ${outcome ? outcome.error.message : 'no outcome'}`);
  return outcome.vector;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let d = 0; d < a.length; d++) max = Math.max(max, Math.abs(a[d]! - b[d]!));
  return max;
}

describe.each(PRECISIONS)(
  'TransformersEmbedder ($precision) agrees with the Python reference (tokenizers + onnxruntime)',
  ({ precision, onnx, referenceBatch, minCosine }) => {
    let embedder: TransformersEmbedder;
    let maxTokens: number;
    let texts: string[];
    let labels: string[];
    let ours: EmbedOutcome[];
    let reference: Reference;
    let cosines: number[];

    beforeAll(async () => {
      requireToolsVenv();
      embedder = createTransformersEmbedder({ precision });
      try {
        ({ maxTokens } = await embedder.describe());
      } catch (error) {
        throw new Error(
          `the embedding model is not available (${(error as Error).message}): ${SETUP_HINT} ` +
            '(or `codesearch model pull`, or set CODESEARCH_MODELS_DIR)',
        );
      }
      ({ texts, labels } = await sampleTexts(stdlibRoot()));
      const started = performance.now();
      ours = await embedder.embed(texts);
      const embedMs = performance.now() - started;
      vectorsByPrecision.set(precision, ours);
      const referenceStarted = performance.now();
      reference = await runReference(embedder.location.directory, texts, onnx, referenceBatch);
      const referenceMs = performance.now() - referenceStarted;
      cosines = texts.map((_, index) =>
        cosine(vectorOf(ours[index], labels[index]!), reference.vectors[index]!),
      );
      const mean = cosines.reduce((sum, value) => sum + value, 0) / cosines.length;
      console.info(
        `[embedding-reference ${precision}] ${texts.length} texts, ${reference.truncated.filter(Boolean).length} over ${maxTokens} tokens; ` +
          `embedder ${embedMs.toFixed(0)} ms, reference ${referenceMs.toFixed(0)} ms ` +
          `(onnxruntime ${reference.versions.onnxruntime}, tokenizers ${reference.versions.tokenizers}); ` +
          `cosine min ${Math.min(...cosines).toPrecision(10)}, mean ${mean.toPrecision(10)}`,
      );
    });

    afterAll(async () => {
      await embedder?.dispose();
    });

    it('embeds every text, with the model’s dimensions and limit', () => {
      expect(ours.filter((outcome) => !outcome.ok)).toEqual([]);
      expect(reference.vectors).toHaveLength(texts.length);
      expect(reference.dimensions).toBe(384);
      expect(reference.maxTokens).toBe(maxTokens);
      for (const outcome of ours) expect(outcome.ok && outcome.vector.length).toBe(reference.dimensions);
    });

    it(`gives vectors with cosine ≥ ${minCosine} to the reference`, () => {
      const min = Math.min(...cosines);
      const mean = cosines.reduce((sum, value) => sum + value, 0) / cosines.length;
      const worst = cosines
        .map((value, index) => ({ value, index }))
        .sort((a, b) => a.value - b.value)
        .slice(0, 5)
        .map(
          ({ value, index }) => `  ${value.toFixed(6)}  ${labels[index]} (${reference.tokens[index]} tokens)`,
        );
      expect(
        min,
        `cosine to the reference: min ${min.toFixed(6)}, mean ${mean.toFixed(6)} over ${cosines.length} texts; lowest:\n${worst.join('\n')}`,
      ).toBeGreaterThanOrEqual(minCosine);
    });

    it('gives the same text the same vector every time', async () => {
      const subset = texts.map((_, index) => index).filter((index) => index % DETERMINISM_STRIDE === 0);
      // Each text twice in one call, and the first of them once more alone: other batch
      // companions, other padding. Each must reproduce the vector of the first embed() bit for bit.
      const twice = await embedder.embed([...subset, ...subset].map((index) => texts[index]!));
      const [alone] = await embedder.embed([texts[subset[0]!]!]);
      const repeats = [
        ...subset.flatMap((textIndex, position) => [
          { textIndex, outcome: twice[position], how: 'again, in a batch' },
          {
            textIndex,
            outcome: twice[position + subset.length],
            how: 'again, its duplicate in the same batch',
          },
        ]),
        { textIndex: subset[0]!, outcome: alone, how: 'again, alone' },
      ];
      const differing = repeats
        .map(({ textIndex, outcome, how }) => ({
          label: `${labels[textIndex]} (${how})`,
          difference: maxDifference(
            vectorOf(ours[textIndex], labels[textIndex]!),
            vectorOf(outcome, labels[textIndex]!),
          ),
        }))
        .filter(({ difference }) => difference !== 0)
        .map(({ label, difference }) => `${label}: max |difference| ${difference.toExponential(2)}`);
      expect(
        differing,
        `vectors that changed when the same text was embedded again:\n${differing.join('\n')}`,
      ).toEqual([]);
    });

    it('flags as truncated exactly the texts the reference tokenizer finds over the limit', () => {
      const overLimit = reference.tokens.filter((count) => count > maxTokens).length;
      expect(
        overLimit,
        `the sample should hold at least ${MIN_TRUNCATED} texts over ${maxTokens} tokens`,
      ).toBeGreaterThanOrEqual(MIN_TRUNCATED);
      const disagreements: string[] = [];
      ours.forEach((outcome, index) => {
        const overLimitByReference = reference.tokens[index]! > maxTokens;
        if (outcome.ok && outcome.truncated !== overLimitByReference) {
          disagreements.push(
            `${labels[index]}: ${reference.tokens[index]} tokens by the reference, embedder truncated=${outcome.truncated}`,
          );
        }
      });
      expect(
        disagreements,
        `truncation flags that disagree with the reference:\n${disagreements.join('\n')}`,
      ).toEqual([]);
    });
  },
);

describe('int8 against fp32 (the parity gate of integer inference)', () => {
  it(`keeps a median cosine ≥ ${MIN_MEDIAN_PARITY} to the fp32 file on the same texts`, () => {
    const int8 = vectorsByPrecision.get('int8');
    const fp32 = vectorsByPrecision.get('fp32');
    expect(int8 && fp32, 'both precisions embedded the sample above').toBeTruthy();
    const cosines = int8!
      .map((outcome, index) =>
        cosine(vectorOf(outcome, `int8 ${index}`), vectorOf(fp32![index], `fp32 ${index}`)),
      )
      .sort((a, b) => a - b);
    const median = cosines[Math.floor(cosines.length / 2)]!;
    console.info(
      `[embedding-reference parity] int8 vs fp32 over ${cosines.length} texts: min ${cosines[0]!.toFixed(4)}, ` +
        `p5 ${cosines[Math.floor(cosines.length * 0.05)]!.toFixed(4)}, median ${median.toFixed(4)}`,
    );
    expect(median).toBeGreaterThanOrEqual(MIN_MEDIAN_PARITY);
    // No text far off: the quantization error is small everywhere, not just on average.
    expect(cosines[0]).toBeGreaterThanOrEqual(0.97);
  });
});
