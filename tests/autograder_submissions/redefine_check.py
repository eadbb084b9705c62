# threat: on the release, redefine check() (the test cells call it by its bare name) to send made-up
# records, after trying the grader's reference side, which is not in the sandbox
# base: release
# after: toy_chain_forward
import io
import json
import os

import numpy as np

try:
    from coursekit.grading import api  # noqa: F401  (the reference side)
    raise SystemExit("the grader's reference code is importable in the sandbox")
except ImportError:
    pass


def check(check_id, student, hidden=False, seed=None):
    variant = "hidden" if hidden else "visible"
    n = 3 if hidden else 1
    doc = {"protocol": "coursekit-grading-record/2", "check_id": check_id, "variant": variant,
           "cases": [{"status": "ok", "outputs": ["f0"]}] * n}
    buffer = io.BytesIO()
    np.savez(buffer, **{f"{k}.0": np.zeros(4) for k in range(n)})
    body, npz = json.dumps(doc).encode(), buffer.getvalue()
    head = json.dumps({"record": f"{check_id}.{variant}", "json": len(body), "npz": len(npz)}).encode()
    os.write(int(os.environ["COURSEKIT_GRADING_FD"]), head + b"\n" + body + npz)
