"""Devices: coursekit computes with NumPy on the CPU, and says so clearly when asked for a GPU.

PyTorch code picks a device with ``torch.device("cuda" if
torch.cuda.is_available() else "cpu")`` and moves data with ``.to(device)``;
that runs unchanged here (``ck.cuda.is_available()`` is False).  Naming a GPU
directly (``.cuda()``, ``.to("cuda")``, ``device="mps"``) is an error that
says what to write instead.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class device:  # noqa: N801  (PyTorch's name)
    """A device name, as ``torch.device``: ``device("cpu")``; others can be named but not used.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.device("cuda" if ck.cuda.is_available() else "cpu")
    device(type='cpu')
    """

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() takes a name such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        self.type = name
        self.index = int(number) if number else index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check(name: Any) -> None:
    """Accept None, ``"cpu"`` and ``device("cpu")``; explain anything else."""
    if name is None:
        return
    kind = name.type if isinstance(name, device) else str(name).partition(":")[0]
    if kind != "cpu":
        raise RuntimeError(
            f"coursekit runs on the CPU only (it computes with NumPy), so device {str(name)!r} is not available. "
            "Use 'cpu', or pick the device as PyTorch code does: "
            "device = ck.device('cuda' if ck.cuda.is_available() else 'cpu') gives the CPU here."
        )


def set_default_device(name: Any) -> None:
    """Only ``"cpu"`` (or None) is accepted: it is already the default."""
    check(name)


def get_default_device() -> device:
    return CPU


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _no_gpu(*args: Any, **kwargs: Any) -> None:
    check("cuda")


# ck.cuda and ck.backends: what course code asks before choosing a device or seeding.
cuda = SimpleNamespace(
    is_available=_false, device_count=lambda: 0, manual_seed=_nothing, manual_seed_all=_nothing,
    synchronize=_nothing, empty_cache=_nothing, is_bf16_supported=_false, current_device=_no_gpu,
    get_device_name=_no_gpu,
)
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=_false, is_built=_false),
    cuda=SimpleNamespace(is_built=_false),
    cudnn=SimpleNamespace(deterministic=False, benchmark=False, enabled=False, is_available=_false),
)
mps = SimpleNamespace(is_available=_false, manual_seed=_nothing)
# ck.accelerator: PyTorch 2.6's device-neutral question ("is there a GPU of any kind?"); none here.
accelerator = SimpleNamespace(is_available=_false, current_accelerator=_nothing, device_count=lambda: 0,
                              synchronize=_nothing)
