"""CPython `ast` reference timing for the parse benchmark.

Usage: python3 python_ast_bench.py ROOT RUNS < relative-paths.txt

Each run reads every file (bytes), ast.parse()s it and walks the tree for functions, methods
and classes exactly as tests/tools/python_ast_entities.py does (the agreement test's reference).
Times are taken in-process with perf_counter, so interpreter start-up is not counted.
Prints one JSON object: {"python": version, "runs": [{...}, ...]}.
"""
import ast
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools"))
from python_ast_entities import entities  # noqa: E402  (the same walk the agreement test uses)


def one_run(root, files):
    read_s = parse_s = walk_s = 0.0
    parsed = failed = found = size = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    for rel in files:
        t0 = time.perf_counter()
        with open(os.path.join(root, rel), "rb") as handle:
            source = handle.read()
        t1 = time.perf_counter()
        size += len(source)
        read_s += t1 - t0
        try:
            tree = ast.parse(source)
        except Exception:  # SyntaxError, ValueError (NUL bytes), bad encodings: time still counted
            parse_s += time.perf_counter() - t1
            failed += 1
            continue
        t2 = time.perf_counter()
        found += len(entities(tree))
        walk_s += time.perf_counter() - t2
        parse_s += t2 - t1
        parsed += 1
    wall = time.perf_counter() - started
    return {
        "wallSeconds": wall,
        "cpuSeconds": time.process_time() - cpu_started,
        "readSeconds": read_s,
        "parseSeconds": parse_s,
        "walkSeconds": walk_s,
        "files": len(files),
        "filesParsed": parsed,
        "filesFailed": failed,
        "entities": found,
        "bytes": size,
    }


def main():
    root = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    files = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    results = [one_run(root, files) for _ in range(runs)]
    print(json.dumps({"python": sys.version.split()[0], "runs": results}))


if __name__ == "__main__":
    main()
