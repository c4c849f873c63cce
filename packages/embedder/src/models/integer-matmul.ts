import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

// onnx-proto is CommonJS (protobufjs static code); its namespace is a property of the module.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };
type NodeProto = OnnxNamespace.INodeProto;
type TensorProto = OnnxNamespace.ITensorProto;
const { DataType } = onnx.TensorProto;

/** What `rewriteToIntegerMatMul` changed. */
export interface IntegerRewrite {
  model: Uint8Array;
  /** Weight matrices now multiplied as int8 (MatMulInteger). */
  matMuls: number;
  /** Embedding tables now gathered as int8 and dequantized per looked-up row. */
  gathers: number;
}

/** A weight stored as int8 and turned into fp32 by `Mul(Cast(q), scale)` in the graph. */
interface DequantizedWeight {
  quantized: TensorProto;
  scale: TensorProto;
  cast: NodeProto;
  mul: NodeProto;
}

/**
 * Rewrites a model whose int8 weights are dequantized to fp32 before every MatMul (the graph
 * computes in fp32; onnxruntime folds `Cast`+`Mul` into fp32 weights at load) into one that
 * multiplies in integers, as onnxruntime's dynamic quantization does:
 *
 *   MatMul(x, Mul(Cast(Wq), s))  →  DynamicQuantizeLinear(x) → (xq, xs, xz)
 *                                    Mul(Cast(MatMulInteger(xq, Wq, xz)), Mul(xs, s))
 *
 * Weights must be symmetric int8 with one scale per output column (`s` of shape [1, N] or
 * [N]), so the weights' zero point is 0 and no weight value changes. onnxruntime fuses the
 * pattern into one `DynamicQuantizeMatMul` kernel. An activation feeding several MatMuls is
 * quantized once. Embedding tables (`Gather` of such a weight with a scale per row) are
 * gathered as int8 and only the looked-up rows dequantized, instead of a 47 MB fp32 table.
 */
export function rewriteToIntegerMatMul(bytes: Uint8Array): IntegerRewrite {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph?.node) throw new Error('not an ONNX model: no graph');
  const nodes = graph.node;
  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name!, tensor]));
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of nodes) {
    for (const output of node.output ?? []) producers.set(output, node);
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }

  const dequantizedWeight = (name: string, scaleAxis: 0 | 1): DequantizedWeight | undefined => {
    const mul = producers.get(name);
    if (mul?.opType !== 'Mul' || mul.input?.length !== 2) return undefined;
    const cast = producers.get(mul.input[0]!);
    const scale = initializers.get(mul.input[1]!);
    if (cast?.opType !== 'Cast' || !scale || scale.dataType !== DataType.FLOAT) return undefined;
    const quantized = initializers.get(cast.input?.[0] ?? '');
    const dims = quantized?.dims?.map(Number);
    if (!quantized || quantized.dataType !== DataType.INT8 || dims?.length !== 2) return undefined;
    // One scale per output column (MatMul) or per row (embedding lookup), nothing else.
    const scaleDims = (scale.dims ?? []).map(Number);
    const perChannel = scaleAxis === 1 ? [1, dims[1]] : [dims[0], 1];
    const matches = scaleDims.length === 2 && scaleDims.every((d, i) => d === perChannel[i]);
    if (!matches && !(scaleAxis === 1 && scaleDims.length === 1 && scaleDims[0] === dims[1]))
      return undefined;
    return { quantized, scale, cast, mul };
  };

  const replaced = new Map<NodeProto, NodeProto[]>();
  const quantizedActivations = new Map<string, { q: string; scale: string; zeroPoint: string }>();
  const unused = new Set<NodeProto>();
  let matMuls = 0;
  let gathers = 0;
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; producers.has(name) || initializers.has(name); i++) name = `${base}_${i}`;
    producers.set(name, {});
    return name;
  };

  for (const node of nodes) {
    const [input, weightName] = node.input ?? [];
    if (!input || !weightName) continue;
    if (node.opType === 'MatMul') {
      const weight = dequantizedWeight(weightName, 1);
      if (!weight) continue;
      const added: NodeProto[] = [];
      let activation = quantizedActivations.get(input);
      if (!activation) {
        activation = {
          q: unique(`${input}_q8`),
          scale: unique(`${input}_q8_scale`),
          zeroPoint: unique(`${input}_q8_zp`),
        };
        quantizedActivations.set(input, activation);
        added.push(
          makeNode('DynamicQuantizeLinear', [input], [activation.q, activation.scale, activation.zeroPoint]),
        );
      }
      const output = node.output![0]!;
      const integer = unique(`${output}_i32`);
      const asFloat = unique(`${output}_f32`);
      const scale = unique(`${output}_scale`);
      // onnxruntime's fusion wants the weight scale as a vector of N (the same bytes as [1, N]).
      weight.scale.dims = [weight.quantized.dims![1]!];
      added.push(
        makeNode('MatMulInteger', [activation.q, weight.quantized.name!, activation.zeroPoint], [integer]),
        makeNode('Cast', [integer], [asFloat], [castTo(DataType.FLOAT)]),
        makeNode('Mul', [activation.scale, weight.scale.name!], [scale]),
        makeNode('Mul', [asFloat, scale], [output]),
      );
      replaced.set(node, added);
      markUnused(weight, weightName, node);
      matMuls++;
    } else if (node.opType === 'Gather') {
      // Gather(table, ids): the table is the first input here.
      const weight = dequantizedWeight(input, 0);
      if (!weight || (node.attribute ?? []).some((a) => a.name === 'axis' && Number(a.i) !== 0)) continue;
      const output = node.output![0]!;
      const rows = unique(`${output}_q8`);
      const rowScales = unique(`${output}_scale`);
      const asFloat = unique(`${output}_f32`);
      replaced.set(node, [
        makeNode('Gather', [weight.quantized.name!, weightName], [rows]),
        makeNode('Gather', [weight.scale.name!, weightName], [rowScales]),
        makeNode('Cast', [rows], [asFloat], [castTo(DataType.FLOAT)]),
        makeNode('Mul', [asFloat, rowScales], [output]),
      ]);
      markUnused(weight, input, node);
      gathers++;
    }
  }
  if (matMuls === 0)
    throw new Error('no MatMul over int8 weights dequantized in the graph: nothing to rewrite');

  graph.node = nodes.flatMap((node) => (unused.has(node) ? [] : (replaced.get(node) ?? [node])));
  const removedValues = new Set([...unused].flatMap((node) => node.output ?? []));
  graph.valueInfo = (graph.valueInfo ?? []).filter((info) => !removedValues.has(info.name!));
  return { model: onnx.ModelProto.encode(model).finish(), matMuls, gathers };

  /** The Cast and Mul that dequantized `weight` go once their only consumer was replaced. */
  function markUnused(weight: DequantizedWeight, dequantized: string, consumer: NodeProto): void {
    if ((consumers.get(dequantized) ?? []).every((node) => node === consumer)) {
      unused.add(weight.mul);
      if ((consumers.get(weight.cast.output![0]!) ?? []).every((node) => node === weight.mul))
        unused.add(weight.cast);
    }
  }
}

function makeNode(
  opType: string,
  input: string[],
  output: string[],
  attribute: OnnxNamespace.IAttributeProto[] = [],
): NodeProto {
  return { opType, input, output, name: `${output[0]}_${opType}`, attribute, domain: '' };
}

function castTo(type: number): OnnxNamespace.IAttributeProto {
  return { name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: type };
}
