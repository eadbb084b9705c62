# threat: on the release, replace the harness's functions (the old design's run_student) and
# switch off profile hooks and tracing, in this thread and in a helper thread
# base: release
# after: toy_chain_forward
import sys
import threading

import numpy as np

import coursekit.grading as g
from coursekit.grading.harness import record, run


def fake_run_call(call, student, inputs, guard=None):
    return run.Outcome("ok", {"f0": np.zeros(4)})


record.run_call = run.run_call = fake_run_call
g.run_student = fake_run_call
sys.setprofile(None)
threading.setprofile(None)
threading.Thread(target=lambda: sys.setprofile(None)).start()
