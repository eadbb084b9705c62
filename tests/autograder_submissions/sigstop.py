# threat: stop the process that keeps time (SIGSTOP) so that an endless cell runs to the wall limit
# after: sigmoid_neuron
import os
import signal

os.kill(os.getppid(), signal.SIGSTOP)
os.kill(os.getpid(), signal.SIGSTOP)
