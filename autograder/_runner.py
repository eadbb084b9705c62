"""Runs *inside* the sandbox: execute one notebook with nbclient and write a small summary.

This file is copied into the job's private directory and run there by the
sandbox's Python, so it imports nothing from the autograder.  It is trusted
code, but it shares the sandbox with the student's kernel, so the driver
treats its summary (like the record files) as a claim, never as a score.

Usage: ``python _runner.py NOTEBOOK SUMMARY CELL_TIMEOUT OUTPUT_BUDGET``
"""

from __future__ import annotations

import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


class BudgetClient(NotebookClient):
    """A NotebookClient that keeps at most ``budget`` characters of outputs (gigantic prints)."""

    budget = 100_000
    used = 0
    dropped = 0

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102  (nbclient's hook)
        size = len(json.dumps(msg.get("content", {}), default=str))
        self.used += size
        if self.used > self.budget:
            self.dropped += size  # drop it: the driver never needs cell outputs to score
            return None
        return super().output(outs, msg, display_id, cell_index)


def main() -> int:
    path, summary_path, timeout, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    nb = nbformat.read(path, as_version=4)
    client = BudgetClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=False
    )
    client.budget = budget
    summary = {"status": "completed", "errors": [], "output_chars": 0, "dropped_chars": 0}
    try:
        client.execute()
    except CellTimeoutError as exc:
        summary["status"] = "cell_timeout"
        summary["detail"] = str(exc)[:300]
    except DeadKernelError as exc:
        summary["status"] = "kernel_died"
        summary["detail"] = str(exc)[:300]
    except Exception as exc:  # noqa: BLE001  (anything else: report, the driver decides)
        summary["status"] = "runner_error"
        summary["detail"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                summary["errors"].append(
                    {"cell": cell.get("id"), "ename": str(out.get("ename"))[:100]}
                )
    summary["errors"] = summary["errors"][:50]
    summary["output_chars"] = client.used
    summary["dropped_chars"] = client.dropped
    with open(summary_path, "w", encoding="utf-8") as fh:
        json.dump(summary, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
