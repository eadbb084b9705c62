# threat: network access (to the grader's host and the internet)
# after: toy_chain_forward
import socket

_reached = []
for _addr in [("127.0.0.1", {PORT}), ("1.1.1.1", 53), ("8.8.8.8", 53)]:
    try:
        socket.create_connection(_addr, timeout=2).close()
        _reached.append(_addr)
    except OSError:
        pass
if _reached:
    toy_chain_forward = lambda x, phi: None
