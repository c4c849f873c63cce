#!/usr/bin/env python3
"""Reference sentence embeddings for a transformers.js model directory, computed independently of
codesearch's embedder: Hugging Face `tokenizers` (Rust) + onnxruntime (Python) + numpy, on the same
model files.

    .venv-tools/bin/python tools/reference_embeddings.py MODEL_DIR [--batch-size N] [--threads N] < texts.json

stdin: a JSON array of strings (or {"texts": [...]}).
stdout: one JSON object:
    {"model": MODEL_DIR, "onnx": "onnx/model_quantized.onnx", "maxTokens": 256, "dimensions": 384,
     "versions": {...}, "tokens": [n, ...],          # token count of each text before truncation
     "truncated": [bool, ...], "vectors": [[...384 floats], ...]}

Recipe (sentence-transformers' for MiniLM-style models):
  * tokenizer.json, with truncation to tokenizer_config.json's model_max_length (bounded by
    config.json's max_position_embeddings) and padding to the longest text of each batch. The
    settings stored in tokenizer.json itself (all-MiniLM-L6-v2 ships 128 and fixed padding) are
    replaced. Truncation keeps [CLS] and [SEP] (the post-processor adds them after truncating).
  * One forward pass per batch of texts in input order (no sorting: deliberately not the
    embedder's batching, so padding differences would show).
  * Mean of last_hidden_state over positions where attention_mask is 1, then L2 normalisation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def model_limits(model_dir: str) -> tuple[int, int]:
    """(max tokens, hidden size) from tokenizer_config.json and config.json."""
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as handle:
        tokenizer_config = json.load(handle)
    positions = int(config.get("max_position_embeddings", 512))
    declared = tokenizer_config.get("model_max_length")
    max_tokens = positions
    if isinstance(declared, (int, float)) and 0 < declared < positions:
        max_tokens = int(declared)
    return max_tokens, int(config["hidden_size"])


def load_tokenizers(model_dir: str, max_tokens: int) -> tuple[Tokenizer, Tokenizer]:
    """(truncating + padding tokenizer for the model, plain one for untruncated token counts)."""
    path = os.path.join(model_dir, "tokenizer.json")
    counting = Tokenizer.from_file(path)
    counting.no_truncation()
    counting.no_padding()
    model_input = Tokenizer.from_file(path)
    model_input.enable_truncation(max_length=max_tokens)
    padding = json.load(open(path, encoding="utf-8")).get("padding") or {}
    model_input.enable_padding(
        pad_id=int(padding.get("pad_id", 0)),
        pad_type_id=int(padding.get("pad_type_id", 0)),
        pad_token=str(padding.get("pad_token", "[PAD]")),
    )  # length=None: pad to the longest sequence of each batch
    return model_input, counting


def load_session(model_dir: str, onnx_file: str, threads: int | None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(
        os.path.join(model_dir, onnx_file), sess_options=options, providers=["CPUExecutionProvider"]
    )


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1.0)
    means = summed / counts
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return means / np.maximum(norms, 1e-12)


def embed(
    session: ort.InferenceSession, tokenizer: Tokenizer, texts: list[str], batch_size: int
) -> np.ndarray:
    input_names = {item.name for item in session.get_inputs()}
    output_name = "last_hidden_state"
    if output_name not in {item.name for item in session.get_outputs()}:
        output_name = session.get_outputs()[0].name
    vectors = []
    for start in range(0, len(texts), batch_size):
        encodings = tokenizer.encode_batch(texts[start : start + batch_size])
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in input_names:
            feeds["token_type_ids"] = np.array([encoding.type_ids for encoding in encodings], dtype=np.int64)
        (hidden,) = session.run([output_name], feeds)
        vectors.append(mean_pool_normalise(hidden, mask))
    return np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", help="a transformers.js model directory (config.json, tokenizer.json, onnx/…)")
    parser.add_argument("--onnx", default="onnx/model_quantized.onnx", help="ONNX file inside model_dir")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: its default)")
    args = parser.parse_args()

    payload = json.load(sys.stdin)
    texts = payload["texts"] if isinstance(payload, dict) else payload
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        parser.error("stdin must be a JSON array of strings or {\"texts\": [...]}")

    max_tokens, dimensions = model_limits(args.model_dir)
    tokenizer, counting = load_tokenizers(args.model_dir, max_tokens)
    session = load_session(args.model_dir, args.onnx, args.threads or None)
    tokens = [len(encoding.ids) for encoding in counting.encode_batch(texts)]
    vectors = embed(session, tokenizer, texts, max(1, args.batch_size))

    import tokenizers

    json.dump(
        {
            "model": args.model_dir,
            "onnx": args.onnx,
            "maxTokens": max_tokens,
            "dimensions": dimensions,
            "versions": {
                "onnxruntime": ort.__version__,
                "tokenizers": tokenizers.__version__,
                "numpy": np.__version__,
                "python": sys.version.split()[0],
            },
            "tokens": tokens,
            "truncated": [count > max_tokens for count in tokens],
            "vectors": vectors.tolist(),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
