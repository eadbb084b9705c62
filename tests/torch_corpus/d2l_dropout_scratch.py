# Source: d2l-ai/d2l-en, chapter_multilayer-perceptrons/dropout.md @ 23d7a5aecceee57d1292c56e90cce307f183bb0a
#   (the PyTorch tab: imports, dropout_layer and its three examples)
# License: MIT-0-style "modified MIT" (d2l-ai/d2l-en LICENSE-SAMPLECODE: Copyright 2019 Amazon.com, Inc. or its affiliates)
# Changes: the import lines only (the originals after "# torch:"); the unused "from d2l import torch as d2l" is
#   left out. The comparison calls dropout_layer again after the run (fresh masks, drawn alike in both runs).
# Compare: X; dropout_layer(X, 0); dropout_layer(X, 0.5); dropout_layer(X, 1); dropout_layer(X * 2, 0.3)
import coursekit as torch  # torch: import torch
from coursekit import nn  # torch: from torch import nn

def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1: return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)

X = torch.arange(16, dtype = torch.float32).reshape((2, 8))
print('dropout_p = 0:', dropout_layer(X, 0))
print('dropout_p = 0.5:', dropout_layer(X, 0.5))
print('dropout_p = 1:', dropout_layer(X, 1))
