"""Replay and guessing attacks for ``autograder check`` (issue 19, items 1 and 5), and the leak finder.

Three hostile submissions of any assignment, built on the trusted side:

* **exfiltrate** (attempt 1): the release with a cell that reads every hidden
  input file of the job, raises an exception holding all the numbers (a cell
  error: "Problems in your notebook") and patches the harness so that every
  case "raises" them too (the visible checks' exception messages).  It must
  score 0, and :func:`leaked_numbers` must find none of this attempt's hidden
  numbers in anything the student sees (the stored result's text, the
  feedback page, the autograded notebook).
* **table** (attempt 2 of the same student): answers every check from a lookup
  table: the visible answers (everybody can compute them) and the answers to
  attempt 1's hidden inputs, computed "at home" from what attempt 1 could have
  learned.  Hidden inputs are drawn per submission, so its visible cases pass
  (the table works) and no hidden case does.
* **guess**: answers every case with the visible case's answer (the best
  constant guess a student has; it passed ``a1.find_wrong_gradients`` for 18 %
  of students before hidden answers were drawn from 2**8 per case).  It must
  score 0.

The table's lookup key hashes a case's numbers in order (:data:`FINGERPRINT`,
the same code on both sides), so it is independent of file formats.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

import numpy as np

from coursekit import grading

__all__ = ["FINGERPRINT", "exfiltrate_cell", "leaked_numbers", "table_cells"]

FINGERPRINT = '''
def _fingerprint(value):
    """A hash of a case's numbers and strings, in order (dict keys sorted, grader-only keys skipped)."""
    import hashlib
    import numpy as np
    parts = []

    def walk(v):
        if isinstance(v, dict):
            for k in sorted(v):
                if not str(k).startswith("_"):
                    parts.append(str(k))
                    walk(v[k])
        elif isinstance(v, (list, tuple)):
            parts.append("[")
            for x in v:
                walk(x)
            parts.append("]")
        elif v is None or isinstance(v, (str, bool)):
            parts.append(repr(v))
        else:
            parts.extend(repr(float(x)) for x in np.ravel(np.asarray(v, dtype=np.float64)))

    walk(value)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
'''

_EXFILTRATE = """# threat: read this attempt's hidden inputs and get them printed in the feedback
import glob, os
import numpy as np
import coursekit.grading.harness.record as _record
from coursekit.grading.harness.run import Outcome as _Outcome
_folder = os.environ.get("COURSEKIT_GRADING_INPUTS", "/job/inputs")
_numbers = []
for _path in sorted(glob.glob(os.path.join(_folder, "*.hidden.npz"))):
    with np.load(_path) as _z:
        for _k in _z.files:
            _numbers += [repr(float(_v)) for _v in np.ravel(_z[_k])]
for _path in sorted(glob.glob(os.path.join(_folder, "*.hidden.json"))):
    _numbers.append(open(_path).read()[:3000])
_text = " ".join(_numbers)
print(_text)
_record.run_call = lambda call, student, inputs, guard=None: _Outcome(
    "exception", error_type="ValueError", error_message=_text[:2000], location="in f, line 1 of its cell")
raise ValueError(_text)
"""

_REPLAY_CHECK = """# threat: answer every check from a lookup table (fallback: {fallback})
import base64, io, json, os
import numpy as np
from coursekit.grading.harness.record import send_record as _send
from coursekit.grading.harness.wire import read_inputs as _read
{fingerprint}

def check(check_id, student, hidden=False, seed=None):
    variant = "hidden" if hidden else "visible"
    cases = _read(os.environ["COURSEKIT_GRADING_INPUTS"], check_id, variant)
    docs, arrays = [], {{}}
    for k, case in enumerate(cases):
        hit = TABLE.get(check_id + ":" + _fingerprint(case)) or {fallback}
        if hit is None:
            docs.append({{"status": "exception", "error_type": "KeyError", "error_message": "not in my table"}})
            continue
        docs.append({{"status": "ok", "outputs": hit["names"], "seconds": 0.0}})
        for i, (shape, data) in enumerate(hit["arrays"]):
            arrays[f"{{k}}.{{i}}"] = np.frombuffer(base64.b64decode(data), dtype=np.float64).reshape(shape)
    body = json.dumps({{"protocol": "coursekit-grading-record/2", "check_id": check_id, "variant": variant,
                       "cases": docs}}).encode()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _send(check_id, variant, body, buf.getvalue())
"""

_CHUNK = 150_000  # characters of table per cell (the rebuild allows 200,000)


def _fingerprint_function() -> Any:
    scope: dict[str, Any] = {}
    exec(FINGERPRINT, scope)  # noqa: S102  (our own constant: the same code runs in the sandbox)
    return scope["_fingerprint"]


def _answer(spec: grading.Check, case: dict[str, Any]) -> dict[str, Any]:
    reference = spec.reference(case)
    return {"names": list(reference),
            "arrays": [[list(np.shape(v)), base64.b64encode(np.asarray(v, dtype=np.float64).tobytes()).decode()]
                       for v in reference.values()]}


def _table(prefix: str, secret: str, student: str, submission: str | None) -> dict[str, Any]:
    """``"<check id>:<fingerprint>"`` -> answer for every visible case, and every hidden case of ``submission``."""
    fingerprint, table = _fingerprint_function(), {}
    for spec in grading.all_checks(prefix):
        variants = [v for v in spec.variants if v == "visible" or submission is not None]
        for variant in variants:
            for case in grading.grader_inputs(spec, variant, secret, student, submission or ""):
                table[f"{spec.id}:{fingerprint(case)}"] = _answer(spec, case)  # checks may share inputs
    return table


def _visible_answers(prefix: str) -> dict[str, Any]:
    return {spec.id: _answer(spec, grading.grader_inputs(spec, "visible", "", "")[0])
            for spec in grading.all_checks(prefix) if "visible" in spec.variants}


def exfiltrate_cell() -> str:
    """The source of attempt 1's cell (see the module docstring)."""
    return _EXFILTRATE


def table_cells(prefix: str, secret: str, student: str, learned_from: str | None) -> list[str]:
    """Sources of the cells of a lookup-table submission.

    With ``learned_from`` (the task key of the student's earlier attempt) the
    table holds that attempt's hidden answers as well as the visible ones;
    without it, every case missing from the table is answered with the
    check's visible answer (the constant guess).
    """
    table = _table(prefix, secret, student, learned_from)
    blob = base64.b64encode(zlib.compress(json.dumps(table).encode(), 9)).decode()
    chunks = [blob[i:i + _CHUNK] for i in range(0, len(blob), _CHUNK)] or [""]
    cells = ["_TABLE_PARTS = []\n"] + [f"_TABLE_PARTS.append({chunk!r})\n" for chunk in chunks]
    cells.append("import base64, json, zlib\nTABLE = json.loads(zlib.decompress(base64.b64decode(''.join(_TABLE_PARTS))))\n")
    if learned_from is None:
        visible = base64.b64encode(zlib.compress(json.dumps(_visible_answers(prefix)).encode(), 9)).decode()
        cells.append(f"VISIBLE = json.loads(zlib.decompress(base64.b64decode({visible!r})))\n")
        fallback = "VISIBLE.get(check_id)"
    else:
        fallback = "None"
    cells.append(_REPLAY_CHECK.format(fallback=fallback, fingerprint=FINGERPRINT))
    return cells


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _significant(token: str) -> int:
    mantissa = re.split(r"[eE]", token.lstrip("+-"))[0].replace(".", "").lstrip("0")
    return len(mantissa)


def hidden_numbers(prefix: str, secret: str, student: str, submission: str) -> list[float]:
    """Every non-integer number of the hidden inputs of one submission (public keys only)."""
    values: list[float] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if not str(k).startswith("_"):
                    walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, (int, float, np.ndarray, np.number)) and not isinstance(v, bool):
            flat = np.ravel(np.asarray(v, dtype=np.float64))
            values.extend(float(x) for x in flat if np.isfinite(x) and x != np.round(x))

    for spec in grading.all_checks(prefix):
        if "hidden" in spec.variants:
            for case in grading.grader_inputs(spec, "hidden", secret, student, submission):
                walk(case)
    return values


def leaked_numbers(texts: list[str], hidden: list[float], digits: int = 6, known: str = "") -> list[str]:
    """The number tokens of ``texts`` (at least ``digits`` significant digits) equal to a hidden number.

    Equal means within a relative ``10**-(digits - 1)``: a value printed with
    ``digits`` or more significant digits is found in any format
    (``repr``, ``%g``, ``%.8g``).  Tokens that occur in ``known`` (e.g. the
    source notebook: worked examples hold numbers of their own) are not leaks.
    """
    if not hidden:
        return []
    table = np.sort(np.asarray(hidden))
    known_tokens = set(_NUMBER.findall(known))
    found = []
    for text in texts:
        for token in _NUMBER.findall(text):
            if _significant(token) < digits or token in known_tokens:
                continue
            value = float(token)
            i = int(np.searchsorted(table, value))
            near = [table[j] for j in (i - 1, i) if 0 <= j < len(table)]
            if any(abs(value - h) <= 10.0 ** -(digits - 1) * abs(h) for h in near):
                found.append(token)
    return found
