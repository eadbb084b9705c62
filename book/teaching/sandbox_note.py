"""The note under the demo's ``grade`` output on ``grading.md``: was that run protected?

``grade`` prints which sandbox it used. When the machine that built the book
had no working bubblewrap (not installed, or installed but unable to create
namespaces, as in many CI containers), the demo's output ends with the
autograder's loud warning, which on its own reads as if the course's grades
were unprotected. This note says why the warning is there and shows what a
protected run prints instead, from the autograder's own list of protections.
"""

from __future__ import annotations

from unittest import mock


def protected_lines() -> list[str]:
    """The lines ``grade`` prints about its sandbox on a machine with a working bubblewrap."""
    from autograder.job import sandbox

    # protections() asks the machine; ask it as if bwrap worked, to show that run's lines.
    with mock.patch.object(sandbox, "bwrap_path", lambda: "/usr/bin/bwrap"):
        mode, lines = sandbox.protections()
    assert mode == "bwrap", mode
    return [f"[autograder] sandbox: {mode}", *(f"[autograder]   {line}" for line in lines)]


def explain(grade_output: str) -> str:
    """Markdown for under the demo's ``grade`` output."""
    if "sandbox: bwrap" in grade_output and "WARNING: bubblewrap" not in grade_output:
        return (
            "The run above was protected by bubblewrap (`sandbox: bwrap`): student code ran "
            "without network and without sight of the course directory or other students."
        )
    shown = "\n".join(protected_lines())
    return (
        "**About the warning above.** The machine that built this page had no *working* "
        "bubblewrap: it is not installed there, or it is installed but may not create the "
        "namespaces it needs (many CI containers forbid that; `bwrap --unshare-all --ro-bind / / true` "
        "fails). `grade` then keeps only its resource limits and says so loudly. On your grading "
        "machine, install bubblewrap (`sudo apt-get install bubblewrap`); `grade` then prints:\n\n"
        f"```text\n{shown}\n```\n"
    )
