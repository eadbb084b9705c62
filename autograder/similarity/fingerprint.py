"""Fingerprints of Python code that survive renaming, reformatting, comments and reordering.

The code is never executed: it is parsed (``ast``) and turned into a sequence of
normalised tokens, and the k-grams of that sequence are hashed and *winnowed*
(Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
fingerprinting", SIGMOD 2003): in every window of ``WINDOW`` consecutive k-gram
hashes the smallest is kept, so any match of at least ``WINDOW + K - 1``
tokens shares a fingerprint, and no match shorter than ``K`` tokens does.

What the normalisation removes
------------------------------
* **Names**: every variable, parameter, function, class and attribute name the
  student chose becomes one symbol. Names a student cannot rename without
  changing what the code does stay: builtins (``len``, ``zip``), NumPy's
  functions (``np.sqrt``), array, list and dict methods (``.sum``, ``.append``)
  and NumPy keywords (``axis=``).
* **Literals** become their kind (a number, a string).
* **Layout, comments and docstrings** are not in the syntax tree; type hints are dropped.
* **Order of independent statements**: a run of consecutive simple statements
  (assignments, expression statements) none of which reads or writes what
  another writes is sorted into a canonical order, so swapping them changes
  nothing.
* **Order of functions**: each function (each method of a class) is its own
  *unit*; its k-grams never span two units, so moving whole functions changes
  nothing either.

A chunk that does not parse (a half-written function) is split at its
top-level ``def``/``class`` lines; a piece that still does not parse is
tokenised with :mod:`tokenize` instead (it then matches only other code that
does not parse either). IPython lines (``%magic``, ``!cmd``) are ignored.
"""

from __future__ import annotations

import ast
import builtins
import io
import itertools
import re
import tokenize
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["WINDOW", "K", "Unit", "all_kgram_hashes", "units_of", "winnow"]

K = 10  # tokens per k-gram: a short statement (`m = b1 * m + (1 - b1) * g` is 15 tokens)
WINDOW = 5  # winnowing window: any common run of K + WINDOW - 1 = 14 tokens is found

_MODULES = frozenset({"np", "numpy", "math", "random", "torch", "scipy"})
_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))
# Attribute names a copier cannot rename: the public API of arrays, lists, dicts, sets and strings.
_API_ATTRS = frozenset(
    n for t in (np.ndarray, list, dict, set, str) for n in dir(t) if not n.startswith("_")
) | {"random", "linalg", "default_rng", "normal", "permutation", "integers", "uniform"}
_PURE_METHODS = frozenset(
    n for n in dir(np.ndarray) if not n.startswith("_") and n not in {"fill", "sort", "resize", "put", "itemset",
                                                                        "setfield", "setflags", "partition"}
) | {"get", "keys", "values", "items", "copy", "index", "count", "startswith", "format", "join"}
_API_KEYWORDS = frozenset({"axis", "keepdims", "dtype", "out", "size", "shape", "ord", "rcond", "replace", "p",
                           "where", "initial", "key", "reverse", "default", "strict"})
_IMPURE_CALLS = frozenset({"print", "input", "exec", "eval", "setattr", "delattr", "next", "open", "display"})
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)
_BODIES = frozenset({"body", "orelse", "finalbody"})
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "type_comment", "simple"})  # type hints are cosmetic
_MAGIC = re.compile(r"^\s*[%!]")
_CHUNK_START = re.compile(r"^(?:@|def\s|class\s|async\s+def\s)")


@dataclass
class Unit:
    """One function (or method, or the rest of a piece of code): its normalised tokens and their lines.

    Attributes
    ----------
    name : str
        ``f``, ``Class.method``, ``Class`` (its other statements) or ``(top level)``.
    tokens : list of str
        The normalised tokens, in canonical order.
    lines : list of int
        The source line (1-based, in the text the unit came from) of each token.
    """

    name: str
    tokens: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def _base_name(node: ast.AST) -> str | None:
    """The variable at the root of ``a.b[c].d`` (``a``), if any."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _children(node: ast.AST) -> list[ast.AST]:
    """The child nodes (as ``ast.iter_child_nodes``, without its generators: this is the hot loop)."""
    out: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _walk(root: ast.AST) -> list[ast.AST]:
    """Every node under ``root``, ``root`` first (iteratively)."""
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(_children(node))
    return out


def _effects(stmt: ast.stmt) -> tuple[set[str], set[str]]:
    """The names a simple statement reads and the names it (possibly) changes."""
    reads: set[str] = set()
    writes: set[str] = set()
    for node in _walk(stmt):
        kind = type(node)
        if kind is ast.Name:
            (writes if type(node.ctx) is not ast.Load else reads).add(node.id)
        elif kind in (ast.Attribute, ast.Subscript) and type(node.ctx) is not ast.Load:
            base = _base_name(node)
            if base:
                writes.add(base)
        elif kind is ast.Call:
            func = node.func
            if isinstance(func, ast.Attribute):
                base = _base_name(func.value)
                if base and base not in _MODULES and func.attr not in _PURE_METHODS:
                    writes.add(base)  # `stack.append(x)` changes `stack`
            elif isinstance(func, ast.Name) and func.id in _IMPURE_CALLS:
                reads.add("<io>")
                writes.add("<io>")  # two prints keep their order
    if isinstance(stmt, ast.AugAssign):
        base = _base_name(stmt.target)
        if base:
            reads.add(base)
    return reads, writes


def _name_token(node: ast.Name) -> str:
    return f"b:{node.id}" if node.id in _BUILTINS else "N"


def _constant_token(node: ast.Constant) -> str:
    v = node.value
    if v is None or isinstance(v, bool) or v is Ellipsis:
        return repr(v)
    return {int: "num", float: "num", complex: "num", str: "str", bytes: "bytes"}.get(type(v), "const")


def _attribute_token(node: ast.Attribute) -> str:
    keep = node.attr in _API_ATTRS or (isinstance(node.value, ast.Name) and node.value.id in _MODULES)
    return f".{node.attr}" if keep else "."


_SPECIAL_TOKENS = {
    ast.Name: _name_token,
    ast.Constant: _constant_token,
    ast.Attribute: _attribute_token,
    ast.keyword: lambda node: f"kw:{node.arg}" if node.arg in _API_KEYWORDS else "kw",
    ast.alias: lambda node: f"alias:{node.name}",
    ast.ImportFrom: lambda node: f"from:{node.module}",
    ast.AnnAssign: lambda node: "Assign",  # `x: int = 1` is `x = 1`: type hints are cosmetic
}
_PLAIN_TOKENS: dict[type, str | None] = {ast.Load: None, ast.Store: None, ast.Del: None}


def _token(node: ast.AST) -> str | None:
    """The normalised token of one node (None: the node carries nothing, as a Load/Store context)."""
    kind = type(node)
    special = _SPECIAL_TOKENS.get(kind)
    if special is not None:
        return special(node)
    try:
        return _PLAIN_TOKENS[kind]
    except KeyError:
        _PLAIN_TOKENS[kind] = kind.__name__
        return kind.__name__


def _is_bare_string(node: ast.AST) -> bool:
    """A docstring, or any string written as a statement (a comment in disguise)."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _canonical(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """The statements with docstrings dropped and each run of independent simple statements sorted.

    A run grows while the next statement neither reads nor writes a name that
    a statement of the run writes, nor writes one it reads; a run is sorted by
    the statement's normalised tokens, so any order of the same independent
    statements gives the same list.
    """
    out: list[ast.stmt] = []
    run: list[tuple[int, ast.stmt]] = []
    run_reads: set[str] = set()
    run_writes: set[str] = set()

    def flush() -> None:
        if len(run) > 1:
            run.sort(key=lambda item: tuple(t for t in map(_token, _walk(item[1])) if t is not None))
        out.extend(s for _, s in run)
        run.clear()
        run_reads.clear()
        run_writes.clear()

    for stmt in stmts:
        if _is_bare_string(stmt) or isinstance(stmt, ast.Pass) or isinstance(stmt, ast.AnnAssign) and stmt.value is None:
            continue  # docstrings, `pass` and bare declarations (`x: int`) do nothing
        if not isinstance(stmt, _SIMPLE):
            flush()
            out.append(stmt)
            continue
        reads, writes = _effects(stmt)
        if writes & (run_reads | run_writes) or reads & run_writes:
            flush()
        run.append((len(run), stmt))
        run_reads |= reads
        run_writes |= writes
    flush()
    return out


def _emit(root: ast.AST, unit: Unit, default_line: int) -> None:
    """Append the tokens of ``root`` to ``unit`` in pre-order (iteratively: deep expressions are fine)."""
    stack: list[tuple[ast.AST, int]] = [(root, default_line)]
    while stack:
        node, line = stack.pop()
        line = getattr(node, "lineno", line)
        tok = _token(node)
        if tok is None:
            continue
        unit.tokens.append(tok)
        unit.lines.append(line)
        children: list[ast.AST] = []
        for name in node._fields:
            if name in _SKIPPED_FIELDS:
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                items = [v for v in value if isinstance(v, ast.AST)]
                if name in _BODIES and items and isinstance(items[0], ast.stmt):
                    items = _canonical(items)
                children.extend(items)
            elif isinstance(value, ast.AST):
                children.append(value)
        stack.extend((child, line) for child in reversed(children))


def _units_of_module(tree: ast.Module) -> list[Unit]:
    units: dict[str, Unit] = {}

    def unit(name: str) -> Unit:
        return units.setdefault(name, Unit(name))

    for stmt in _canonical(tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _emit(stmt, unit(stmt.name), stmt.lineno)
        elif isinstance(stmt, ast.ClassDef):
            for item in _canonical(stmt.body):
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    _emit(item, unit(f"{stmt.name}.{item.name}"), item.lineno)
                else:
                    _emit(item, unit(stmt.name), item.lineno)
        else:
            _emit(stmt, unit("(top level)"), stmt.lineno)
    return list(units.values())


def _tokenize_units(text: str, first_line: int) -> list[Unit]:
    """Fallback for code that does not parse: Python tokens, names as one symbol, literals as their kind."""
    unit = Unit(f"(lines {first_line}+, not valid Python)")
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME:
                word = tok.string if tok.string in _KEYWORDS or tok.string in _BUILTINS else "N"
            elif tok.type == tokenize.NUMBER:
                word = "num"
            elif tok.type == tokenize.STRING:
                word = "str"
            elif tok.type == tokenize.OP:
                word = tok.string
            else:
                continue
            unit.tokens.append("t:" + word)
            unit.lines.append(tok.start[0])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # keep the tokens read before the error
    return [unit] if unit.tokens else []


_KEYWORDS = frozenset(__import__("keyword").kwlist)


def _parse(text: str) -> ast.Module:
    """``ast.parse`` without its warnings (``"\\d"`` in a student's string is not the instructor's concern)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def units_of(code: str) -> list[Unit]:
    """The units (functions, methods, the rest) of a piece of code, as normalised tokens.

    Parameters
    ----------
    code : str
        Python source (a notebook cell or several joined); untrusted, never executed.

    Returns
    -------
    list of Unit
        Units with at least one token; line numbers are those of ``code``.

    Examples
    --------
    >>> a = units_of("def f(x, y):\\n    s = x + y  # add\\n    return s\\n")
    >>> b = units_of("def g(p, q):\\n    total = p + q\\n\\n    return total\\n")
    >>> a[0].tokens == b[0].tokens
    True
    """
    lines = [("" if _MAGIC.match(line) else line) for line in code.split("\n")]
    text = "\n".join(lines) + "\n"
    try:
        return _units_of_module(_parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    # Parse what parses: split at top-level definitions and try each piece.
    starts = [i for i, line in enumerate(lines) if _CHUNK_START.match(line)]
    bounds = sorted({0, *starts, len(lines)})
    out: list[Unit] = []
    for lo, hi in itertools.pairwise(bounds):
        piece = "\n" * lo + "\n".join(lines[lo:hi]) + "\n"  # padding keeps the line numbers
        try:
            out.extend(_units_of_module(_parse(piece)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            out.extend(_tokenize_units(piece, lo + 1))
    return out


def _kgram_hashes(tokens: list[str]) -> list[int]:
    """Hashes of every K-gram (stable across runs: token ids from CRC-32, tuples of ints hash deterministically)."""
    ids = [zlib.crc32(t.encode()) for t in tokens]
    return [hash(tuple(ids[i:i + K])) for i in range(len(ids) - K + 1)]


def winnow(tokens: list[str], lines: list[int]) -> dict[int, set[int]]:
    """The winnowed fingerprints of one unit: hash -> the source lines its k-gram covers.

    In each window of ``WINDOW`` consecutive k-gram hashes the smallest is
    selected (the rightmost on ties, as in the paper's robust winnowing).
    A unit shorter than ``K`` tokens has no fingerprint.
    """
    hashes = _kgram_hashes(tokens)
    out: dict[int, set[int]] = {}
    if not hashes:
        return out
    last = -1
    for start in range(max(1, len(hashes) - WINDOW + 1)):
        window = hashes[start:start + WINDOW]
        low = min(window)
        pick = start + len(window) - 1 - window[::-1].index(low)
        if pick != last:
            last = pick
            # (a k-gram seen twice in the unit keeps the lines of both places)
            out.setdefault(low, set()).update(lines[pick:pick + K])
    return out


def all_kgram_hashes(code: str) -> set[int]:
    """Every k-gram hash of some code, not only the winnowed ones (for code that never counts, e.g. the release).

    The tokens of the fallback for unparseable code are included too, so given
    code in a cell the student broke still does not count.
    """
    units = units_of(code) + _tokenize_units(code, 1)
    return {h for unit in units for h in _kgram_hashes(unit.tokens)}
