# threat: the false zero - a correct notebook that prints, warns, writes to stderr and uses Jupyter's tools
# after: toy_chain_forward
import os
import sys
import warnings

_f = toy_chain_forward


def toy_chain_forward(x, phi):
    print("called", file=sys.stderr)
    warnings.warn("inside the function")
    assert _every_line_ran  # noqa: F821  (a line below that fails in the grader costs this part)
    return _f(x, phi)


import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from tqdm.auto import tqdm

print("debugging output")
print("something on stderr", file=sys.stderr)
warnings.warn("a harmless warning")
os.write(2, b"raw fd 2 output\n")
sys.stdout.buffer.write(b"bytes on stdout\n")
display(Markdown("**a note to myself**"))
get_ipython().run_line_magic("time", "sum(range(1000))")  # noqa: F821
plt.plot([0, 1], [1, 0])
plt.show()
for _ in tqdm(range(3)):
    pass
_every_line_ran = True
