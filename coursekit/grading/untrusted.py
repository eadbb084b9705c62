"""Parse bytes that came out of a student's process: bounded before parsing, strict while parsing.

``load_json`` refuses, with one exception type and a short reason, what would
otherwise crash or stall the grader: documents larger than ``max_bytes``,
nesting deeper than ``max_depth`` (checked by an iterative scan before the
recursive parser runs), integers of more than 20 digits, non-finite numbers
(``1e400``, ``NaN``, ``Infinity``), duplicate keys, invalid UTF-8 and lone
surrogates, too many items and too long strings.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["UntrustedDataError", "load_json"]

_MAX_INT_DIGITS = 20


class UntrustedDataError(ValueError):
    """Data from the sandbox that the grader refuses (the message says why)."""


def _max_depth(data: bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, found without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise UntrustedDataError(f"an integer has more than {_MAX_INT_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UntrustedDataError("a number is not finite")
    return value


def _constant(name: str) -> float:
    raise UntrustedDataError(f"{name} is not allowed")


def load_json(
    data: bytes, *, max_bytes: int = 1 << 20, max_depth: int = 32, max_items: int = 100_000,
    max_str: int = 100_000,
) -> Any:
    """Parse ``data`` as a small JSON document, or raise :class:`UntrustedDataError`.

    Examples
    --------
    >>> load_json(b'{"a": [1, 2.5, "x"]}')
    {'a': [1, 2.5, 'x']}
    >>> load_json(b"[" * 100_000)
    Traceback (most recent call last):
    ...
    coursekit.grading.untrusted.UntrustedDataError: nesting deeper than 32
    """
    if not isinstance(data, (bytes, bytearray)):
        raise UntrustedDataError(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise UntrustedDataError(f"{len(data)} bytes, more than {max_bytes}")
    if _max_depth(data) > max_depth:
        raise UntrustedDataError(f"nesting deeper than {max_depth}")
    count = [0]

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        count[0] += len(items)
        result = dict(items)
        if len(result) != len(items):
            raise UntrustedDataError("a key repeats")
        return result

    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant,
                           object_pairs_hook=pairs)
    except UntrustedDataError:
        raise
    except (ValueError, RecursionError, UnicodeError) as err:
        raise UntrustedDataError(f"not valid JSON ({type(err).__name__})") from None
    stack = [value]
    while stack:  # iterative: strings must be valid Unicode and bounded, lists bounded
        item = stack.pop()
        count[0] += 1
        if count[0] > max_items:
            raise UntrustedDataError(f"more than {max_items} items")
        if isinstance(item, str):
            if len(item) > max_str:
                raise UntrustedDataError(f"a string of {len(item)} characters, more than {max_str}")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise UntrustedDataError("a string holds a lone surrogate") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value
