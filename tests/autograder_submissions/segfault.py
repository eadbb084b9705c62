# threat: a segfault in the kernel
# after: sigmoid_neuron
import ctypes

ctypes.string_at(0)
