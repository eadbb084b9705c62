# threat: on the release, walk the frames up from the student's function to whatever called it, and
# search the process and its files for a spec, a reference, inputs' answers or the seeds
# base: release
# replace: toy_chain_forward
import gc
import os
import sys

import numpy as np


def toy_chain_forward(x, phi):
    frame, found = sys._getframe(), {}
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name in ("spec", "reference", "expected", "secret", "seed") or callable(getattr(value, "reference", None)):
                found[name] = value
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and ("reference" in obj or "_bug" in obj or "visible_seed" in obj):
            found["gc"] = obj
    for root, _, files in os.walk("/job"):
        for name in files:
            if b"seed=" in open(os.path.join(root, name), "rb").read():
                found["seed"] = name
    if found:
        raise SystemExit(f"found {sorted(found)}")
    z = np.zeros_like(np.asarray(x, dtype=float))
    return {k: z for k in ("f0", "h1", "f1", "h2", "f2", "h3", "f3")}
