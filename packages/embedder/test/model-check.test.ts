import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddingError, sameModel } from '@codesearch/core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTransformersEmbedder,
  DEFAULT_MODEL,
  listModels,
  MANIFEST_FILE,
  type ModelManifest,
  pullCommand,
} from '../src/index.js';
import { requireDefaultModel } from './model-dir.js';

// Each test works on its own copy of the provisioned model: the real one is shared and never damaged.

const ONNX = 'onnx/model_quantized.onnx';
let provisioned = '';
let modelsDir = '';
let modelDir = '';
/** The ONNX file's size as the provisioned manifest records it (the hub's and PyPI's builds differ). */
let onnxSize = 0;

beforeAll(async () => {
  provisioned = await requireDefaultModel();
  const manifestFile = path.join(provisioned, ...DEFAULT_MODEL.split('/'), MANIFEST_FILE);
  onnxSize = (JSON.parse(await readFile(manifestFile, 'utf8')) as ModelManifest).files[ONNX]!.size;
});
beforeEach(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), 'codesearch-model-check-'));
  modelDir = path.join(modelsDir, ...DEFAULT_MODEL.split('/'));
  await cp(path.join(provisioned, ...DEFAULT_MODEL.split('/')), modelDir, { recursive: true });
});
afterEach(async () => {
  delete process.env.CODESEARCH_MODELS_DIR;
  await rm(modelsDir, { recursive: true, force: true });
});

/** Same length, one byte changed: only a checksum sees it. */
async function flipLastByte(file: string): Promise<void> {
  const data = await readFile(file);
  data[data.length - 1] = data[data.length - 1]! ^ 0xff;
  await writeFile(file, data);
}

async function describeError(options: Parameters<typeof createTransformersEmbedder>[0]): Promise<Error> {
  const error = await createTransformersEmbedder(options)
    .describe()
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  if (!(error instanceof Error)) throw new Error('describe() succeeded on a damaged model');
  return error;
}

describe('a damaged model', () => {
  it('is one MODEL_DAMAGED error from describe(), naming the file and the repair command', async () => {
    await truncate(path.join(modelDir, ONNX), 1000);
    const error = await describeError({ modelsDir });
    expect(EmbeddingError.isInstance(error)).toBe(true);
    expect((error as EmbeddingError).code).toBe('MODEL_DAMAGED');
    expect(error.message).toBe(
      `[embedder] model ${DEFAULT_MODEL} in ${modelDir} is damaged: ${ONNX} (1000 bytes, expected ${onnxSize}); ` +
        `run \`codesearch model pull ${DEFAULT_MODEL} --force --models-dir ${modelsDir}\``,
    );
  });

  it('says the plain repair command when the models directory is the default one', async () => {
    process.env.CODESEARCH_MODELS_DIR = modelsDir;
    await truncate(path.join(modelDir, ONNX), 1000);
    expect((await describeError({})).message).toMatch(
      /is damaged: onnx\/model_quantized\.onnx \(1000 bytes, expected \d+\); run `codesearch model pull Xenova\/all-MiniLM-L6-v2 --force`$/,
    );
  });

  it('fails embed() as a whole, before any text, instead of once per text', async () => {
    await truncate(path.join(modelDir, ONNX), 1000);
    const embedder = createTransformersEmbedder({ modelsDir });
    await expect(embedder.embed(['def a(): pass', 'def b(): pass'])).rejects.toMatchObject({
      code: 'MODEL_DAMAGED',
    });
    // Never got as far as onnxruntime.
    expect((embedder as unknown as { runtime?: unknown }).runtime).toBeUndefined();
  });

  it('is found by its checksum when the size is unchanged', async () => {
    await flipLastByte(path.join(modelDir, 'tokenizer.json'));
    expect((await describeError({ modelsDir })).message).toContain(
      'is damaged: tokenizer.json (sha256 differs from the manifest)',
    );
  });

  it('given by path, is repaired by a pull into the models directory that holds it', async () => {
    await truncate(path.join(modelDir, 'config.json'), 10);
    const error = await describeError({ model: modelDir });
    expect(error.message).toContain(`model ${DEFAULT_MODEL} in ${modelDir} is damaged: config.json`);
    expect(error.message).toContain(`--force --models-dir ${modelsDir}\``);
  });

  it('given by path somewhere else, is described without a pull command', async () => {
    const elsewhere = path.join(modelsDir, 'my-copy');
    await cp(modelDir, elsewhere, { recursive: true });
    await truncate(path.join(elsewhere, ONNX), 1000);
    expect((await describeError({ model: elsewhere })).message).toMatch(
      /model Xenova\/all-MiniLM-L6-v2 in .*my-copy is damaged: .*; replace them \(codesearch-model\.json lists their sizes and sha256\)$/,
    );
  });
});

describe('model identity by name and by path', () => {
  it('is the same model, with the same name, when the directory has our manifest', async () => {
    const byName = await createTransformersEmbedder({ modelsDir }).describe();
    const byPath = await createTransformersEmbedder({ model: modelDir }).describe();
    expect(byPath.modelName).toBe(DEFAULT_MODEL);
    expect(byPath).toEqual(byName);
    expect(sameModel(byName, byPath)).toBe(true);
  });

  it('a directory without a manifest is not verified and keeps its own name', async () => {
    const own = path.join(modelsDir, 'my-model');
    await cp(modelDir, own, { recursive: true });
    await rm(path.join(own, MANIFEST_FILE));
    const pristine = await createTransformersEmbedder({ model: own }).describe();
    expect(pristine.modelName).toBe('my-model');
    expect(sameModel(pristine, await createTransformersEmbedder({ modelsDir }).describe())).toBe(true);
    // Changed bytes are a different model (another identity), not an error: nothing to compare with.
    await flipLastByte(path.join(own, 'tokenizer.json'));
    const changed = await createTransformersEmbedder({ model: own }).describe();
    expect(changed.modelVersion).not.toBe(pristine.modelVersion);
  });
});

describe('listModels', () => {
  it('reports ok, damaged (size or checksum) and incomplete, naming the files', async () => {
    expect(
      (await listModels(modelsDir)).map(({ name, state, problems }) => ({ name, state, problems })),
    ).toEqual([{ name: DEFAULT_MODEL, state: 'ok', problems: [] }]);

    await truncate(path.join(modelDir, ONNX), 1000);
    await flipLastByte(path.join(modelDir, 'tokenizer.json'));
    const [damaged] = await listModels(modelsDir);
    expect(damaged?.state).toBe('damaged');
    expect(damaged?.problems).toEqual([
      { file: 'tokenizer.json', problem: 'sha256' },
      { file: ONNX, problem: 'size', expectedSize: onnxSize, actualSize: 1000 },
    ]);
    // Without checksums only the size is judged.
    expect((await listModels(modelsDir, { checksums: false }))[0]?.problems).toEqual([
      { file: ONNX, problem: 'size', expectedSize: onnxSize, actualSize: 1000 },
    ]);

    await cp(path.join(provisioned, ...DEFAULT_MODEL.split('/')), modelDir, { recursive: true });
    await rm(path.join(modelDir, 'tokenizer_config.json'));
    const [incomplete] = await listModels(modelsDir);
    expect(incomplete?.state).toBe('incomplete');
    expect(incomplete?.problems).toEqual([{ file: 'tokenizer_config.json', problem: 'missing' }]);
  });
});

describe('pullCommand', () => {
  it('adds --models-dir only for a directory other than the default, quoted for the shell', () => {
    process.env.CODESEARCH_MODELS_DIR = '/data/models';
    expect(pullCommand('Xenova/codebert-base', '/data/models/', { force: true })).toBe(
      'codesearch model pull Xenova/codebert-base --force',
    );
    expect(pullCommand('Xenova/codebert-base', "/tmp/it's here")).toBe(
      `codesearch model pull Xenova/codebert-base --models-dir '/tmp/it'\\''s here'`,
    );
  });
});
