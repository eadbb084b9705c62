# Source: karpathy/micrograd, test/test_engine.py @ c911406e5ace8742e5841a7e0df113ecb5d54685 (test_sanity_check,
#   the PyTorch half: micrograd's own Value half is what it is compared with there)
# License: MIT (karpathy/micrograd LICENSE: Copyright (c) 2020 Andrej Karpathy)
# Changes: the import line only (the original after "# torch:"); the function body is run at module level, and
#   micrograd's comparison with its Value engine becomes asserts on the numbers Value computes (checked by hand).
# Compare: xpt.grad; ypt.data; ypt
import coursekit as torch  # torch: import torch

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
xpt, ypt = x, y

# micrograd's asserts: Value gives y = -20 and dy/dx = 46
assert ypt.data.item() == -20.0
assert xpt.grad.item() == 46.0
