# threat: the false zero - a correct notebook that prints, warns and writes to stderr
# after: toy_chain_forward
import os
import sys
import warnings

print("debugging output")
print("something on stderr", file=sys.stderr)
warnings.warn("a harmless warning")
os.write(2, b"raw fd 2 output\n")
_f = toy_chain_forward


def toy_chain_forward(x, phi):
    print("called", file=sys.stderr)
    warnings.warn("inside the function")
    return _f(x, phi)
