"""Read bytes that hostile code wrote (record files, summaries, notebooks) without crashing.

Everything that comes out of the sandbox may have been written by the
student's code, so it is parsed as an attack: the size is checked before
anything is decoded, the nesting depth is measured by a scan of the bytes
(no recursion, so a document nested 200,000 deep costs one pass and a
clear error), and the parse rejects what Python's ``json`` would accept but
later code chokes on: integers of thousands of digits (``ValueError`` from
the int-string limit), ``1e400`` / ``NaN`` / ``Infinity``, lone surrogates
(``UnicodeEncodeError`` when the text is stored), duplicate keys (which one
wins is a matter of taste). Every failure is one exception type,
:class:`UntrustedDataError`, with a short reason fit for a status line.

The schema helpers then turn the parsed value into exactly what the caller
expects, or fail the same way::

    >>> doc = load_json(b'{"status": "ok", "seconds": 1.5}', max_bytes=1000)
    >>> expect(doc, {"status": one_of("ok", "timeout"), "seconds": float})
    {'status': 'ok', 'seconds': 1.5}
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["UntrustedDataError", "clean_text", "expect", "integer", "list_of", "load_json", "number", "one_of",
           "optional", "text"]

MAX_DEPTH_CEILING = 500  # json's C parser recurses once per level; Python's limit is 1000 frames
MAX_INT_DIGITS = 20
MAX_NUMBER_CHARS = 100

_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 opens, -1 (as int8) closes
_DEPTH_CHUNK = 1 << 20
_QUOTE = ord('"')


class UntrustedDataError(ValueError):
    """Bytes from the sandbox are not what the protocol allows; the message says what was wrong."""


def _outside_strings(data: bytes) -> bytes:
    """The bytes of ``data`` that are not inside JSON strings, found without a regex.

    Escapes are two characters, read left to right, so dropping every ``\\\\``
    and then every ``\\"`` leaves exactly the quotes that open and close strings;
    every other piece between two quotes is outside.  Past the first byte that is
    not valid JSON this may guess wrong, but the parser stops there too.
    """
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Vectorised in chunks: a split on every quote would make one Python object per string
    # (gigabytes for a file of millions of tiny strings).
    pieces, inside = [], 0
    for start in range(0, len(unescaped), _DEPTH_CHUNK):
        chunk = np.frombuffer(unescaped, dtype=np.uint8, count=min(_DEPTH_CHUNK, len(unescaped) - start),
                              offset=start)
        quote = chunk == _QUOTE
        parity = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ inside  # 1 inside a string (and on its opening quote)
        pieces.append(chunk[(parity == 0) & ~quote].tobytes())
        if len(parity):
            inside = int(parity[-1])
    return b"".join(pieces)


def _depth(structure: bytes) -> int:
    """The deepest nesting of brackets in ``structure`` (strings already removed), without recursion."""
    steps = np.frombuffer(structure.translate(_STEPS, _NOT_BRACKET), dtype=np.int8)
    depth = deepest = 0
    for start in range(0, len(steps), _DEPTH_CHUNK):  # chunks keep the int64 running sum small
        running = np.cumsum(steps[start:start + _DEPTH_CHUNK], dtype=np.int64) + depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


def _reject_constant(name: str) -> Any:
    raise UntrustedDataError(f"{name} is not allowed (only finite numbers)")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise UntrustedDataError(f"an integer has {len(digits.lstrip('-'))} digits, more than {MAX_INT_DIGITS}")
    return int(digits)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise UntrustedDataError(f"a number is written with {len(literal)} characters, more than {MAX_NUMBER_CHARS}")
    value = float(literal)
    if not math.isfinite(value):
        raise UntrustedDataError(f"the number {literal[:30]} is too large for a float")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise UntrustedDataError(f"duplicate key {clean_text(key, 40)!r}")
        out[key] = value
    return out


def _check_values(doc: Any, max_items: int, max_str: int) -> None:
    """Walk the parsed document with an explicit stack: item count, string lengths, surrogates."""
    stack, items = [doc], 0
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if len(value) > max_str:
                raise UntrustedDataError(f"a string has {len(value)} characters, more than {max_str}")
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise UntrustedDataError("a string holds a lone surrogate (an invalid \\u escape)") from None
            continue
        if isinstance(value, dict):
            items += len(value)
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            items += len(value)
            stack.extend(value)
        else:
            continue
        if items > max_items:
            raise UntrustedDataError(f"more than {max_items} values")


def load_json(data: bytes, *, max_bytes: int, max_depth: int = 32, max_items: int = 100_000,
              max_str: int = 100_000) -> Any:
    """Parse untrusted JSON bytes within limits, or raise :class:`UntrustedDataError`.

    Parameters
    ----------
    data : bytes
        UTF-8 encoded JSON, as read from a file the sandbox wrote.
    max_bytes : int
        Largest accepted ``len(data)``; checked before anything else.
    max_depth : int
        Deepest accepted nesting of arrays and objects (at most 500).
    max_items : int
        Most array elements plus object members in the whole document.
    max_str : int
        Longest accepted string (keys included), in characters.

    Returns
    -------
    The parsed value: dicts, lists, str, int (at most 20 digits), finite
    float, bool or None.

    Raises
    ------
    UntrustedDataError
        Too large, too deep, too many values, invalid UTF-8 or JSON (with line
        and column), a huge integer, a non-finite number, a lone surrogate, a
        duplicate key or an overlong string.

    Examples
    --------
    >>> load_json(b'[1, 2.5, "a"]', max_bytes=100)
    [1, 2.5, 'a']
    >>> load_json(b'{"seconds": 1e400}', max_bytes=100)
    Traceback (most recent call last):
    ...
    coursekit.grading.untrusted.UntrustedDataError: the number 1e400 is too large for a float
    """
    if not 0 <= max_depth <= MAX_DEPTH_CEILING:
        raise ValueError(f"max_depth must be between 0 and {MAX_DEPTH_CEILING}, got {max_depth}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UntrustedDataError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UntrustedDataError(f"{len(data)} bytes, more than the limit of {max_bytes}")
    try:
        text_ = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UntrustedDataError(f"invalid UTF-8 at byte {exc.start}") from None
    structure = _outside_strings(data)
    depth = _depth(structure)
    if depth > max_depth:
        raise UntrustedDataError(f"nested {depth} levels deep, more than {max_depth}")
    # Each member of an array or object is followed by a comma or a closing bracket: a bound
    # checked before the parser allocates anything.
    bound = structure.count(b",") + structure.count(b"]") + structure.count(b"}")
    if bound > 2 * max_items + 2:
        raise UntrustedDataError(f"more than {max_items} values")
    try:
        doc = json.loads(text_, parse_int=_parse_int, parse_float=_parse_float,
                         parse_constant=_reject_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise UntrustedDataError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # only if the caller is already deep in its own stack
        raise UntrustedDataError("nested too deeply to parse here") from None
    _check_values(doc, max_items, max_str)
    return doc


_PRINTABLE_EXTRA = frozenset("\n\t")


def clean_text(value: str, max_len: int) -> str:
    """``value`` as printable text of at most ``max_len`` characters.

    Control characters, lone surrogates and other unprintable characters
    become ``?`` (newlines and tabs stay), and longer text is cut with ``...``,
    so the result can be stored, shown in HTML (after escaping) or logged.

    Examples
    --------
    >>> clean_text("ok\\x1b[31m\\ud800", 20)
    'ok?[31m?'
    >>> clean_text("abcdefghij", 8)
    'abcde...'
    """
    if len(value) > max_len:
        value = value[:max(max_len - 3, 0)] + "..."[:max_len]
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c in _PRINTABLE_EXTRA else "?" for c in value)


# --- strict schemas -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Spec:
    """A check on one value: ``check(value, where)`` returns the cleaned value or raises."""

    describe: str
    check: Callable[[Any, str], Any]


def text(max_len: int = 1000) -> _Spec:
    """A string, cleaned to printable text and cut to ``max_len`` characters."""

    def check(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise UntrustedDataError(f"{where} must be a string, not {_kind(value)}")
        return clean_text(value, max_len)

    return _Spec(f"text of at most {max_len} characters", check)


def number(min_value: float = -math.inf, max_value: float = math.inf) -> _Spec:
    """A finite number (an integer is fine) in ``[min_value, max_value]``, returned as float."""

    def check(value: Any, where: str) -> float:
        value = _validate(value, float, where)
        if not min_value <= value <= max_value:
            raise UntrustedDataError(f"{where} must be between {min_value:g} and {max_value:g}, got {value:g}")
        return value

    return _Spec(f"a number between {min_value:g} and {max_value:g}", check)


def integer(min_value: int, max_value: int) -> _Spec:
    """An integer (not a boolean) in ``[min_value, max_value]``."""

    def check(value: Any, where: str) -> int:
        value = _validate(value, int, where)
        if not min_value <= value <= max_value:
            raise UntrustedDataError(f"{where} must be between {min_value} and {max_value}, got {value}")
        return value

    return _Spec(f"an integer between {min_value} and {max_value}", check)


def one_of(*choices: Any) -> _Spec:
    """Exactly one of ``choices`` (compared with ``==`` and the same type)."""

    def check(value: Any, where: str) -> Any:
        for choice in choices:
            if type(value) is type(choice) and value == choice:
                return value
        raise UntrustedDataError(f"{where} must be one of {', '.join(map(repr, choices))}")

    return _Spec("one of " + ", ".join(map(repr, choices)), check)


def list_of(spec: Any, max_len: int = 1000) -> _Spec:
    """A list of at most ``max_len`` items, each matching ``spec``."""

    def check(value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise UntrustedDataError(f"{where} must be a list, not {_kind(value)}")
        if len(value) > max_len:
            raise UntrustedDataError(f"{where} has {len(value)} items, more than {max_len}")
        return [_validate(item, spec, f"{where}[{i}]") for i, item in enumerate(value)]

    return _Spec(f"a list of at most {max_len} items", check)


def optional(spec: Any) -> _Spec:
    """``spec`` or ``None`` (JSON ``null``)."""
    return _Spec(f"null or {_describe(spec)}",
                 lambda value, where: None if value is None else _validate(value, spec, where))


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _describe(spec: Any) -> str:
    if isinstance(spec, _Spec):
        return spec.describe
    if isinstance(spec, Mapping):
        return "an object"
    return getattr(spec, "__name__", repr(spec))


def _validate(value: Any, spec: Any, where: str) -> Any:
    if isinstance(spec, _Spec):
        return spec.check(value, where)
    if isinstance(spec, Mapping):
        return expect(value, spec, where=where)
    if spec is float:  # JSON writes 2.0 as 2: an integer is a valid float
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UntrustedDataError(f"{where} must be a number, not {_kind(value)}")
        value = float(value) if abs(value) < 2**1023 else math.inf
        if not math.isfinite(value):
            raise UntrustedDataError(f"{where} must be a finite number")
        return value
    if spec is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UntrustedDataError(f"{where} must be an integer, not {_kind(value)}")
        return value
    if spec is str:
        return _validate(value, text(), where)
    if spec is bool:
        if not isinstance(value, bool):
            raise UntrustedDataError(f"{where} must be true or false, not {_kind(value)}")
        return value
    if spec is None:
        if value is not None:
            raise UntrustedDataError(f"{where} must be null, not {_kind(value)}")
        return None
    raise TypeError(f"unknown schema entry {spec!r} for {where}")


def expect(obj: Any, schema: Mapping[str, Any], *, where: str = "the document",
           required: bool = True) -> dict[str, Any]:
    """Check that ``obj`` is an object with exactly the keys of ``schema``; return the cleaned copy.

    Parameters
    ----------
    obj : Any
        A value returned by :func:`load_json`.
    schema : Mapping
        Key -> spec. A spec is ``str`` (text of at most 1000 printable
        characters), ``int``, ``float`` (an integer or finite number, returned
        as float), ``bool``, ``None``, a nested schema dict, or one of
        :func:`text`, :func:`number`, :func:`integer`, :func:`one_of`,
        :func:`list_of`, :func:`optional`.
    where : str
        How the value is named in error messages.
    required : bool
        If False, keys of ``schema`` may be absent (unknown keys are still
        rejected).

    Returns
    -------
    dict
        A new dict with the cleaned values, in the order of ``schema``.

    Raises
    ------
    UntrustedDataError
        Not an object, an unknown or missing key, or a value that does not match.

    Examples
    --------
    >>> expect({"status": "ok", "seconds": 2}, {"status": str, "seconds": float})
    {'status': 'ok', 'seconds': 2.0}
    >>> expect({"status": "ok", "admin": True}, {"status": str})
    Traceback (most recent call last):
    ...
    coursekit.grading.untrusted.UntrustedDataError: the document has an unknown key 'admin'
    """
    if not isinstance(obj, dict):
        raise UntrustedDataError(f"{where} must be an object, not {_kind(obj)}")
    for key in obj:
        if key not in schema:
            raise UntrustedDataError(f"{where} has an unknown key {clean_text(str(key), 40)!r}")
    out: dict[str, Any] = {}
    for key, spec in schema.items():
        if key not in obj:
            if required:
                raise UntrustedDataError(f"{where} has no {key!r}")
            continue
        out[key] = _validate(obj[key], spec, f"{where}[{key!r}]")
    return out
