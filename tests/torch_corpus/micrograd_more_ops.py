# Source: karpathy/micrograd, test/test_engine.py @ c911406e5ace8742e5841a7e0df113ecb5d54685 (test_more_ops,
#   the PyTorch half)
# License: MIT (karpathy/micrograd LICENSE: Copyright (c) 2020 Andrej Karpathy)
# Changes: the import line only (the original after "# torch:"); the function body is run at module level, and
#   micrograd's comparison with its Value engine becomes asserts on the numbers Value computes (checked by hand).
# Compare: apt.grad; bpt.grad; gpt
import coursekit as torch  # torch: import torch

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
apt, bpt, gpt = a, b, g

# micrograd's values (from its Value engine), to within its tolerance
tol = 1e-6
assert abs(24.70408163265306 - gpt.data.item()) < tol
assert abs(138.83381924198252 - apt.grad.item()) < tol
assert abs(645.5772594752186 - bpt.grad.item()) < tol
