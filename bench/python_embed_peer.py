#!/usr/bin/env python3
"""Python peer for the `embed` bench section: the same model files and texts as codesearch's
TransformersEmbedder, embedded with Hugging Face `tokenizers` + onnxruntime + numpy and the same
batching: tokenize everything (truncated to the model's limit, [SEP] kept), sort longest first,
pad each batch to its longest text, one session.run per batch, mean pooling with the attention
mask, L2 normalisation.

    .venv-tools/bin/python bench/python_embed_peer.py MODEL_DIR --batch-size 16 --threads 2 --runs 3 < texts.json

stdin: JSON array of strings. stdout: JSON with the load time, the library versions and one
record per run (wall, CPU, tokenize, run, pool seconds), each timed inside Python with perf_counter
(interpreter start-up and imports not counted; session creation is `loadSeconds`). A warm-up
call on a few texts precedes the timed runs, as the Node side's does. Needs the tools venv
(`bash tools/setup-python.sh`); the model recipe is tools/reference_embeddings.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tokenizers  # noqa: E402
from reference_embeddings import load_session, mean_pool_normalise, model_limits  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402


def embed_all(session, tokenizer, texts, batch_size, pad_id, timings):
    started = time.perf_counter()
    encodings = tokenizer.encode_batch(texts)
    sequences = [encoding.ids for encoding in encodings]
    order = sorted(range(len(texts)), key=lambda index: (-len(sequences[index]), index))
    timings["tokenize"] += time.perf_counter() - started
    timings["tokens"] += sum(len(sequence) for sequence in sequences)
    input_names = {item.name for item in session.get_inputs()}
    vectors = [None] * len(texts)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        longest = len(sequences[batch[0]])
        ids = np.full((len(batch), longest), pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), longest), dtype=np.int64)
        for row, index in enumerate(batch):
            sequence = sequences[index]
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        run_started = time.perf_counter()
        hidden = session.run(None, feeds)[0]  # last_hidden_state
        pool_started = time.perf_counter()
        pooled = mean_pool_normalise(hidden, mask)
        for row, index in enumerate(batch):
            vectors[index] = pooled[row]
        timings["run"] += pool_started - run_started
        timings["pool"] += time.perf_counter() - pool_started
        timings["batches"] += 1
        timings["paddedTokens"] += len(batch) * longest
    return vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--onnx", default="onnx/model_quantized.onnx")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    texts = json.load(sys.stdin)

    load_started = time.perf_counter()
    max_tokens, _ = model_limits(args.model_dir)
    tokenizer = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    session = load_session(args.model_dir, args.onnx, args.threads)
    load_seconds = time.perf_counter() - load_started

    scratch = {"tokenize": 0.0, "run": 0.0, "pool": 0.0, "batches": 0, "tokens": 0, "paddedTokens": 0}
    embed_all(session, tokenizer, texts[: min(len(texts), 4)], args.batch_size, pad_id, scratch)  # warm-up

    runs = []
    for _ in range(args.runs):
        timings = {"tokenize": 0.0, "run": 0.0, "pool": 0.0, "batches": 0, "tokens": 0, "paddedTokens": 0}
        started = time.perf_counter()
        cpu_started = time.process_time()  # every thread of the process
        vectors = embed_all(session, tokenizer, texts, args.batch_size, pad_id, timings)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        assert len(vectors) == len(texts) and all(vector is not None for vector in vectors)
        runs.append(
            {
                "wallSeconds": wall,
                "cpuSeconds": cpu,
                "tokenizeSeconds": timings["tokenize"],
                "runSeconds": timings["run"],
                "poolSeconds": timings["pool"],
                "batches": timings["batches"],
                "tokens": timings["tokens"],
                "paddedTokens": timings["paddedTokens"],
                "texts": len(texts),
            }
        )

    json.dump(
        {
            "loadSeconds": load_seconds,
            "batchSize": args.batch_size,
            "threads": args.threads,
            "versions": {
                "onnxruntime": ort.__version__,
                "tokenizers": tokenizers.__version__,
                "numpy": np.__version__,
                "python": sys.version.split()[0],
            },
            "runs": runs,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
