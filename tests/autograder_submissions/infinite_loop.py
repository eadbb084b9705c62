# threat: an infinite loop that ignores SIGINT (nbgrader's interrupt)
# after: sigmoid_neuron
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
