#!/usr/bin/env python3
"""Run the test suite: `python3 tests/run.py [pytest options]`.

Runs pytest on tests/ from the repo's `.venv` (created on first use by
.ci/venv.py with all extras). Extra arguments go to pytest, e.g.
`python3 tests/run.py -k engine` or `python3 tests/run.py tests/test_x.py -x`.
The exit code is pytest's.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("coursekit_ci_venv", ROOT / ".ci" / "venv.py")
bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootstrap)
bootstrap.ensure("all")

if __name__ == "__main__":
    # No path argument: pytest then uses `testpaths = ["tests"]` from pyproject.toml,
    # and paths given on the command line replace it instead of adding to it.
    cmd = [sys.executable, "-m", "pytest", *sys.argv[1:]]
    print("[coursekit]", " ".join(cmd), flush=True)
    sys.exit(subprocess.call(cmd, cwd=ROOT))
