# threat: os._exit kills the kernel (plain nbgrader then deletes the autograded folder)
# after: sigmoid_neuron
import os

os._exit(0)
