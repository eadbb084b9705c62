# threat: a memory bomb (one huge allocation, then growing forever)
# after: toy_chain_forward
import numpy as np

try:
    _huge = bytearray(64 * 2**30)
except MemoryError:
    pass
_blocks = []
try:
    while True:  # np.empty: reserving address space is what RLIMIT_AS stops, and it stays fast on a busy machine
        _blocks.append(np.empty(2**24))
except MemoryError:
    _blocks = None
