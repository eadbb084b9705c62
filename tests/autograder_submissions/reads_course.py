# threat: read the solution, hidden tests, the gradebook, other students and the instructor's home; write to them
# after: toy_chain_forward
import os
import shutil

_seen = []
for _p in ["{COURSE}/source/a1_backprop_by_hand/a1_backprop_by_hand.ipynb", "{COURSE}/gradebook.db",
           "{COURSE}/submitted/solution/a1_backprop_by_hand/a1_backprop_by_hand.ipynb"] + {HOME_FILES}:
    try:
        with open(_p, "rb") as _fh:
            _fh.read(10)
        _seen.append(_p)
    except OSError:
        pass
for _p in ["{COURSE}/gradebook.db", "{COURSE}/submitted/solution/a1_backprop_by_hand/a1_backprop_by_hand.ipynb"]:
    try:
        with open(_p, "wb") as _fh:
            _fh.write(b"overwritten by a student")
    except OSError:
        pass
shutil.rmtree("{COURSE}/submitted/wrong", ignore_errors=True)
shutil.rmtree("{COURSE}/autograded", ignore_errors=True)
if _seen:  # anything seen: sabotage a correct answer, so the score shows the leak
    toy_chain_forward = lambda x, phi: None
