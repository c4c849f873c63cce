"""Reference entities from CPython's own `ast` module, one JSON object per file on stdout.

Usage: python3 python_ast_entities.py ROOT < relative-paths.txt
For each path: {"file": path, "entities": [[kind, qualifiedName, lineno, end_lineno], ...]}
or {"file": path, "error": "..."} when CPython cannot parse it.
kind is function / method / class; a function is a method when its nearest enclosing
definition is a class, and qualified names join enclosing definitions with dots.
"""
import ast
import json
import sys
import time

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _row(node, scope, in_class):
    is_class = isinstance(node, ast.ClassDef)
    kind = "class" if is_class else ("method" if in_class else "function")
    qualified = f"{scope}.{node.name}" if scope else node.name
    return [kind, qualified, node.lineno, node.end_lineno], qualified, is_class


def _entities_recursive(tree):
    found = []

    def visit(node, scope, in_class):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, DEFINITIONS):
                row, qualified, is_class = _row(child, scope, in_class)
                found.append(row)
                visit(child, qualified, is_class)
            else:
                visit(child, scope, in_class)

    visit(tree, "", False)
    return found


def _entities_iterative(tree):
    found = []
    stack = [(tree, "", False)]
    while stack:
        node, scope, in_class = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, DEFINITIONS):
                row, qualified, is_class = _row(child, scope, in_class)
                found.append(row)
                stack.append((child, qualified, is_class))
            else:
                stack.append((child, scope, in_class))
    found.sort(key=lambda row: row[2])
    return found


def entities(tree):
    """[kind, qualifiedName, lineno, end_lineno] of every definition, in source order.

    ast.parse accepts trees deeper than Python's recursion limit (it allows three times as
    much), so a tree the fast recursive walk cannot finish is walked again with a stack rather
    than being reported as a file CPython cannot parse.
    """
    try:
        return _entities_recursive(tree)
    except RecursionError:
        return _entities_iterative(tree)


def main():
    root = sys.argv[1]
    parse_seconds = 0.0
    for line in sys.stdin:
        rel = line.rstrip("\n")
        if not rel:
            continue
        try:
            with open(f"{root}/{rel}", "rb") as handle:
                source = handle.read()
            started = time.perf_counter()
            tree = ast.parse(source)
            found = entities(tree)
            parse_seconds += time.perf_counter() - started
            print(json.dumps({"file": rel, "entities": found}))
        except Exception as error:  # SyntaxError, ValueError (NUL bytes), decoding errors
            print(json.dumps({"file": rel, "error": f"{type(error).__name__}: {error}"}))
    print(json.dumps({"parseSeconds": parse_seconds}))


if __name__ == "__main__":
    main()
