"""Hostile bytes from the sandbox (``coursekit/grading/untrusted.py``): one clear error type, never a crash.

Every attack listed in issue 12 (nesting 200,000 deep, an integer of
thousands of digits, ``1e400``, a lone surrogate, invalid UTF-8) and random
bytes must end in :class:`UntrustedDataError` or a valid value, within the
limits; valid documents round-trip.  Sizes are bounded, so no test depends on
the machine's speed.
"""

from __future__ import annotations

import doctest
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursekit.grading import untrusted
from coursekit.grading.untrusted import (
    UntrustedDataError,
    clean_text,
    expect,
    integer,
    list_of,
    load_json,
    number,
    one_of,
    optional,
    text,
)

LIMITS = {"max_bytes": 2**20, "max_depth": 32, "max_items": 10_000, "max_str": 10_000}


def parses_or_refuses(data: bytes, **limits) -> object:
    """load_json's result, or the UntrustedDataError; any other exception fails the test."""
    try:
        return load_json(data, **(limits or LIMITS))
    except UntrustedDataError as exc:
        assert str(exc) and len(str(exc)) < 200
        return exc


def test_docstring_examples():
    assert doctest.testmod(untrusted, raise_on_error=False).failed == 0


@pytest.mark.parametrize(("data", "reason"), [
    (b"[" * 200_000 + b"]" * 200_000, "nested 200000 levels deep, more than 32"),
    (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "nested 200000 levels deep"),
    (b"[" * 200_000, "nested 200000 levels deep"),
    (b"1" * 5000, "an integer has 5000 digits, more than 20"),
    (b'{"n": -' + b"9" * 4301 + b"}", "an integer has 4301 digits"),
    (b'{"seconds": 1e400}', "the number 1e400 is too large for a float"),
    (b'{"seconds": -1e400}', "too large for a float"),
    (b"[NaN]", "NaN is not allowed"),
    (b"[Infinity]", "Infinity is not allowed"),
    (b"[-Infinity]", "-Infinity is not allowed"),
    (b'{"status": "\\ud800"}', "lone surrogate"),
    (b'{"\\udc00": 1}', "lone surrogate"),
    (b'"\\ud800\\u0041"', "lone surrogate"),
    (b'"\\uZZZZ"', "invalid JSON at line 1, column 3: Invalid \\uXXXX escape"),
    (b'"\xed\xa0\x80"', "invalid UTF-8 at byte 1"),  # a surrogate encoded as UTF-8
    (b'{"a": "\xff"}', "invalid UTF-8 at byte 7"),
    (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    (b'["' + b"x" * 20_000 + b'"]', "a string has 20000 characters, more than 10000"),
    (b"[" + b"0," * 20_000 + b"0]", "more than 10000 values"),
    (b"[0]" + b" " * 2**20, "1048579 bytes, more than the limit of 1048576"),
    (b'{"a": 1,\n "b": }', "invalid JSON at line 2, column 7: Expecting value"),
    (b"", "invalid JSON at line 1, column 1"),
    (b'"' + b'\\"' * 100_000, "invalid JSON at line 1, column 1: Unterminated string"),
    (b"1." + b"0" * 200, "a number is written with 202 characters"),
])
def test_each_attack_is_refused_with_its_reason(data, reason):
    limits = LIMITS if b"[0]" in data else {**LIMITS, "max_bytes": 2 * 2**20}
    with pytest.raises(UntrustedDataError) as info:
        load_json(data, **limits)
    assert reason in str(info.value)


def test_brackets_inside_strings_and_escapes_do_not_count_as_nesting():
    deep_text = '["' + "[{" * 1000 + '\\"\\\\", "\\\\\\"]]]"]'
    assert load_json(deep_text.encode(), **LIMITS) == ["[{" * 1000 + '"\\', '\\"]]]']
    assert load_json(b"[" * 32 + b"]" * 32, **LIMITS) == eval("[" * 32 + "]" * 32)


def test_the_limits_are_the_callers():
    assert load_json(b"[[[1]]]", max_bytes=100, max_depth=3) == [[[1]]]
    with pytest.raises(UntrustedDataError, match="nested 3 levels deep, more than 2"):
        load_json(b"[[[1]]]", max_bytes=100, max_depth=2)
    with pytest.raises(UntrustedDataError, match="8 bytes, more than the limit of 7"):
        load_json(b"[[[1]]] ", max_bytes=7)
    # A caller cannot ask for a depth that json's recursive parser could not take.
    with pytest.raises(ValueError, match="max_depth must be between 0 and 500"):
        load_json(b"1", max_bytes=10, max_depth=100_000)


def test_twenty_digits_and_finite_extremes_are_fine():
    doc = load_json(b'[-99999999999999999999, 1.7976931348623157e308, 5e-324, -0.0, 1E3]', **LIMITS)
    assert doc == [-99999999999999999999, 1.7976931348623157e308, 5e-324, 0.0, 1000.0]
    assert load_json(b'"\\ud83d\\ude00 \\u00e9"', **LIMITS) == "\U0001F600 \u00e9"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**19, 10**19)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_valid_small_documents_round_trip(value):
    for data in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode()):
        assert load_json(data, **LIMITS) == value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_untrusted_data_error(data):
    parses_or_refuses(data)


_pieces = st.sampled_from([
    b"[", b"]", b"{", b"}", b'"', b"\\", b"\\u", b"d800", b"dc00", b"\\ud800", b"\\\\", b'\\"', b":", b",",
    b"1e400", b"-", b"9" * 25, b"NaN", b"Infinity", b"null", b"true", b'"k"', b"0", b".5", b"e", b"\xff",
    b"\xed\xa0\x80", b"\x00", b" ", b"\n", b"\xc3\xa9",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_pieces, max_size=60).map(b"".join))
def test_adversarial_fragments_only_ever_raise_untrusted_data_error(data):
    doc = parses_or_refuses(data)
    if not isinstance(doc, UntrustedDataError):
        # Whatever is accepted is plain, storable data within the limits.
        json.dumps(doc, allow_nan=False).encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200_000), st.sampled_from([b"[", b'{"a":', b'[{"b":[']))
def test_any_depth_is_measured_without_recursion(depth, opener):
    data = opener * depth
    doc = parses_or_refuses(data, max_bytes=len(data) + 1, max_depth=50)
    assert isinstance(doc, UntrustedDataError)


@settings(max_examples=100, deadline=None)
@given(json_values, st.sampled_from([(b"1" * 30, "digits"), (b"1e400", "too large"), (b'"\\udfff"', "surrogate"),
                                     (b"NaN", "not allowed")]))
def test_one_bad_value_anywhere_spoils_the_document(value, bad):
    # Put the bad token in place of the first null/number/bool inside a valid document.
    data = json.dumps([value, None]).encode()
    poisoned = data[: data.rindex(b"null")] + bad[0] + data[data.rindex(b"null") + 4:]
    with pytest.raises(UntrustedDataError, match=bad[1]):
        load_json(poisoned, **LIMITS)


# --- schemas ----------------------------------------------------------------------------------

SUMMARY = {"status": one_of("completed", "cell_timeout"), "seconds": number(0, 3600), "cell": optional(text(20)),
           "errors": list_of({"cell": str, "ename": text(40)}, max_len=3), "count": integer(0, 10), "ok": bool}


def good_summary() -> dict:
    return {"status": "completed", "seconds": 3, "cell": None, "errors": [{"cell": "c1", "ename": "NameError"}],
            "count": 2, "ok": True}


def test_expect_returns_a_cleaned_copy():
    out = expect(good_summary(), SUMMARY)
    assert out == {**good_summary(), "seconds": 3.0}
    assert isinstance(out["seconds"], float)
    doc = {**good_summary(), "cell": "\x1b[2Jcell\u202e" + "x" * 50}
    assert expect(doc, SUMMARY)["cell"] == "?[2Jcell?xxxxxxxx..."


@pytest.mark.parametrize(("change", "reason"), [
    ({"status": "graded"}, "the summary['status'] must be one of 'completed', 'cell_timeout'"),
    ({"seconds": "3"}, "the summary['seconds'] must be a number, not a string"),
    ({"seconds": True}, "the summary['seconds'] must be a number, not a boolean"),
    ({"count": 2.0}, "the summary['count'] must be an integer, not a number"),
    ({"count": 11}, "the summary['count'] must be between 0 and 10, got 11"),
    ({"seconds": -0.5}, "the summary['seconds'] must be between 0 and 3600, got -0.5"),
    ({"seconds": 10**400}, "the summary['seconds'] must be a finite number"),
    ({"ok": 1}, "the summary['ok'] must be true or false, not an integer"),
    ({"cell": 5}, "the summary['cell'] must be a string, not an integer"),
    ({"errors": [{"cell": "c1"}]}, "the summary['errors'][0] has no 'ename'"),
    ({"errors": [{}] * 4}, "the summary['errors'] has 4 items, more than 3"),
    ({"errors": {"cell": "c1"}}, "the summary['errors'] must be a list, not an object"),
    ({"points": 100}, "the summary has an unknown key 'points'"),
])
def test_expect_names_what_is_wrong(change, reason):
    with pytest.raises(UntrustedDataError) as info:
        expect({**good_summary(), **change}, SUMMARY, where="the summary")
    assert str(info.value) == reason


def test_expect_optional_keys_and_non_objects():
    assert expect({"a": 1}, {"a": int, "b": str}, required=False) == {"a": 1}
    with pytest.raises(UntrustedDataError, match="the document has no 'b'"):
        expect({"a": 1}, {"a": int, "b": str})
    with pytest.raises(UntrustedDataError, match="the document must be an object, not a list"):
        expect([], {"a": int})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.integers(0, 100))
def test_clean_text_is_printable_and_bounded(value, max_len):
    out = clean_text(value, max_len)
    assert len(out) <= max_len
    assert all(c.isprintable() or c in "\n\t" for c in out)
    out.encode("utf-8")
    if len(value) <= max_len and value.isprintable():
        assert out == value


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_expect_on_any_value_raises_only_untrusted_data_error(value):
    try:
        expect(value, SUMMARY)
    except UntrustedDataError:
        pass
    # Even a value that passes is finite and printable.
    if isinstance(value, dict) and set(value) == set(SUMMARY):
        try:
            out = expect(value, SUMMARY)
        except UntrustedDataError:
            return
        assert math.isfinite(out["seconds"])
