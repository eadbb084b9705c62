# threat: objects with a custom __eq__ and ndarray subclasses instead of numbers
# replace: toy_chain_forward
import numpy as np


class Anything(np.ndarray):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False
    def __array_finalize__(self, obj):
        pass


def toy_chain_forward(x, phi):
    z = np.zeros(np.shape(x)).view(Anything)
    return {k: z for k in ("f0", "h1", "f1", "h2", "f2", "h3", "f3")}
