"""The code key of stored results: a hash of the code that computes them (common.results).

The hash covers the entry files (a script, without its plot*/summarize* functions) and the common/
modules they import for computing, followed through their own imports; docstrings, comments and
formatting are outside it (the code as ast.unparse writes it), and so are the presentation modules.
Standard library only, so that `python -m common.report --check` need not import torch.
"""
import ast
import functools
import hashlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMON = os.path.join(ROOT, "common")
PRESENTATION = {"plots", "report", "claims", "results", "files", "run_figures",   # outside the code key
                "codekey", "png", "replication"}
PRESENTATION_FUNCTIONS = ("plot", "summarize")     # a script's functions named so are outside it too


def _without_docstrings(tree):
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _common_imports(tree):
    """Names of the common/ modules a module imports (any nesting level)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "common":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("common."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("common.")}
    return found


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@functools.lru_cache(maxsize=256)
def _imports_of_text(text):
    return frozenset(_common_imports(ast.parse(text)))


def compute_modules(entry_paths, common=COMMON):
    """The common/ modules (names) that the entry files import for computing, followed through
    their imports; presentation modules are left out."""
    seen, todo = set(), [_read(p) for p in entry_paths]
    while todo:
        for name in sorted(_imports_of_text(todo.pop()) - seen - PRESENTATION):
            path = os.path.join(common, f"{name}.py")
            if os.path.exists(path):
                seen.add(name)
                todo.append(_read(path))
    return sorted(seen)


def _normalized(path, drop_functions=()):
    """The module's code as ast.unparse writes it (comments, docstrings and formatting gone),
    without the top-level functions whose names start with drop_functions."""
    return _normalized_text(_read(path), tuple(drop_functions))


@functools.lru_cache(maxsize=256)
def _normalized_text(text, drop_functions):
    """_normalized of a module's text (cached by text: a report check hashes each common/ module
    once, not once per script)."""
    tree = _without_docstrings(ast.parse(text))
    tree.body = [n for n in tree.body if not (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                                              and n.name.startswith(drop_functions))] if drop_functions else tree.body
    return ast.unparse(tree)


def code_hash(entry_paths, common=COMMON):
    """sha256 (16 hex digits) of the code that computes: the entry files (a script: without its
    plot*/summarize* functions) and the common/ modules they import for computing."""
    entry_paths = [os.path.abspath(p) for p in entry_paths]
    digest = hashlib.sha256()
    for path in entry_paths:
        digest.update(b"script\0" + _normalized(path, PRESENTATION_FUNCTIONS).encode() + b"\0")
    for name in compute_modules(entry_paths, common):
        digest.update(name.encode() + b"\0" + _normalized(os.path.join(common, f"{name}.py")).encode() + b"\0")
    return digest.hexdigest()[:16]
