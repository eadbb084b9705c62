# threat: a fork bomb (stopped by the process limit; the children are cleaned up)
# after: toy_chain_forward
import os
import signal

_children = []
try:
    for _ in range(100_000):
        _pid = os.fork()
        if _pid == 0:
            signal.pause()
            os._exit(0)
        _children.append(_pid)
except OSError:
    pass
for _pid in _children:
    os.kill(_pid, signal.SIGKILL)
    os.waitpid(_pid, 0)
