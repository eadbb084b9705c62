""".ci/venv.py's probe of PyTorch's CPU wheel index: no network used (fake openers, a closed local port)."""

from __future__ import annotations

import importlib.util
import threading
import urllib.error
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("coursekit_ci_venv_under_test", ROOT / ".ci" / "venv.py")
venv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(venv)


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status


def test_an_index_that_answers_is_reachable() -> None:
    seen = []

    def opener(request: Any, timeout: float) -> _Response:
        seen.append((request.get_method(), request.full_url, timeout))
        return _Response(200)

    assert venv.index_reachable("https://example.invalid/whl/cpu/torch/", timeout=0.5, opener=opener)
    assert seen == [("HEAD", "https://example.invalid/whl/cpu/torch/", 0.5)], "one HEAD request, with the timeout"


@pytest.mark.parametrize(
    "failure",
    [urllib.error.URLError("Name or service not known"), TimeoutError("timed out"), ConnectionRefusedError(),
     ValueError("odd proxy setting")],
    ids=["dns", "timeout", "refused", "anything-else"],
)
def test_any_failure_means_unreachable(failure: Exception) -> None:
    def opener(request: Any, timeout: float) -> _Response:
        raise failure

    assert not venv.index_reachable("https://example.invalid/", timeout=0.5, opener=opener)


def test_an_error_status_means_unreachable() -> None:
    assert not venv.index_reachable("https://example.invalid/", timeout=0.5, opener=lambda r, timeout: _Response(404))


def test_a_probe_that_hangs_is_abandoned_at_the_deadline() -> None:
    """An opener that ignores its timeout (as a DNS lookup does) must not hold the set-up up."""
    release = threading.Event()

    def opener(request: Any, timeout: float) -> _Response:
        # Answers "reachable", but only at the end of the test (or after 30 s): a probe that waited
        # for it would report True, so only giving up at the deadline passes.
        release.wait(30)
        return _Response(200)

    try:
        assert not venv.index_reachable("https://example.invalid/", timeout=0.05, opener=opener)
    finally:
        release.set()


def test_a_closed_local_port_is_unreachable() -> None:
    """The real urllib path, without leaving the machine: nothing listens on port 9 (discard) of localhost."""
    assert not venv.index_reachable("http://127.0.0.1:9/whl/cpu/torch/", timeout=0.5)


def test_torch_index_args_only_when_torch_is_installed_and_the_index_answers(monkeypatch) -> None:
    monkeypatch.delenv("COURSEKIT_TORCH_INDEX", raising=False)
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///mirror/simple https://other.example/simple")
    asked = []

    def yes(url: str) -> bool:
        asked.append(url)
        return True

    assert venv.torch_index_args("book", reachable=yes) == [] and asked == [], "the book needs no torch: no probe"
    assert venv.torch_index_args("all", reachable=lambda url: False) == []
    args = venv.torch_index_args("all", reachable=yes)
    assert asked == ["https://download.pytorch.org/whl/cpu/torch/"]
    # pip's command-line list replaces the configured one, so the configured indexes come along.
    assert args == ["--extra-index-url", "file:///mirror/simple", "--extra-index-url", "https://other.example/simple",
                    "--extra-index-url", "https://download.pytorch.org/whl/cpu"]
    assert venv.torch_index_args("dev,book", reachable=yes)[-1] == "https://download.pytorch.org/whl/cpu"


def test_torch_index_can_be_changed_or_switched_off(monkeypatch) -> None:
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    monkeypatch.setattr(venv, "_configured_extra_indexes", lambda: [])
    monkeypatch.setenv("COURSEKIT_TORCH_INDEX", "")
    assert venv.torch_index_args("all", reachable=lambda url: pytest.fail("probed although switched off")) == []
    monkeypatch.setenv("COURSEKIT_TORCH_INDEX", "https://mirror.example/torch-cpu/")
    asked = []
    assert venv.torch_index_args("all", reachable=lambda url: asked.append(url) or True) == [
        "--extra-index-url", "https://mirror.example/torch-cpu/"]
    assert asked == ["https://mirror.example/torch-cpu/torch/"]


def test_configured_extra_indexes_are_read_from_pip_config(monkeypatch) -> None:
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)

    class Done:
        stdout = ("global.extra-index-url='file:///opt/a/simple\\nfile:///opt/b/simple'\n"
                  "global.find-links='/opt/wheels'\ninstall.extra-index-url='https://c.example/simple'\n")

    monkeypatch.setattr(venv.subprocess, "run", lambda *a, **k: Done())
    assert venv._configured_extra_indexes() == ["https://c.example/simple"], "[install] wins over [global]"
    Done.stdout = "global.extra-index-url='file:///opt/a/simple\\nfile:///opt/b/simple'\n"
    assert venv._configured_extra_indexes() == ["file:///opt/a/simple", "file:///opt/b/simple"]
