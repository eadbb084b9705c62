# threat: crash the grader with what comes out of the sandbox: deep JSON, huge integers, 1e400,
# lone surrogates, a record header promising gigabytes, then garbage (the class run must go on)
# after: toy_chain_forward
import os

_fd = int(os.environ["COURSEKIT_GRADING_FD"])
for _line in (b'{"start": 0}\n', b"[" * 200_000 + b"\n", b'{"done": ' + b"9" * 5000 + b"}\n",
              b'{"record": "a1.x.visible", "json": 1e400, "npz": 1}\n', b'{"error": "\\ud800"}\n',
              b'{"record": "a1.toy_chain_forward.visible", "json": 99999999999, "npz": 1}\n'):
    os.write(_fd, _line)
os.write(_fd, os.urandom(100_000))
