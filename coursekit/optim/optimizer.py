"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``step``.

Every optimizer in this package is the same loop::

    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                update p.data in place, using p.grad, group's options, state[p]

A subclass only writes the update of one parameter (``_update``) and, if it
has options with limits, a check of those options (``_check``).  Names and
behaviour follow ``torch.optim.Optimizer`` so that the code you write here runs
on PyTorch with ``import torch`` instead of ``import coursekit``.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import Tensor, enable_grad

ParamGroup = dict[str, Any]
Params = Iterable[Tensor] | Iterable[ParamGroup]

#: Options that must never be negative, with the word PyTorch uses in its message.
_NON_NEGATIVE = {
    "lr": "learning rate",
    "eps": "epsilon value",
    "weight_decay": "weight_decay value",
    "momentum": "momentum value",
    "dampening": "dampening value",
    "lr_decay": "lr_decay value",
    "initial_accumulator_value": "initial_accumulator_value value",
    "momentum_decay": "momentum_decay value",
}

#: Keys a parameter group may hold besides the optimizer's options
#: (``initial_lr`` is written by the learning-rate schedulers).
_EXTRA_KEYS = {"params", "initial_lr"}

_SET_MESSAGE = (
    "parameters must be in an ordered collection (a list), not a set: set order changes between runs"
)


def check_non_negative(options: dict[str, Any]) -> None:
    """Raise ``ValueError`` for a negative learning rate, epsilon, momentum ...

    Examples
    --------
    >>> check_non_negative({"lr": -0.1})
    Traceback (most recent call last):
    ...
    ValueError: Invalid learning rate: -0.1
    """
    for name, words in _NON_NEGATIVE.items():
        if name in options and not options[name] >= 0.0:
            raise ValueError(f"Invalid {words}: {options[name]}")


def check_beta(value: float, name: str, upper_inclusive: bool = False) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (``<= 1`` if ``upper_inclusive``)."""
    inside = 0.0 <= value <= 1.0 if upper_inclusive else 0.0 <= value < 1.0
    if not inside:
        raise ValueError(f"Invalid {name}: {value}")


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start <- start + weight (end - start)`` in place, rounded as ``torch.lerp`` rounds.

    PyTorch computes from the end nearer to the result: for ``weight >= 0.5``
    it uses ``end - (end - start)(1 - weight)``.  Same value in exact
    arithmetic, a different last bit in floating point.

    Examples
    --------
    >>> m = np.array([0.0, 1.0])
    >>> lerp_(m, np.array([1.0, 1.0]), 0.1)
    >>> m
    array([0.1, 1. ])
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1.0 - weight)


class Optimizer:
    """Base class of all optimizers: holds parameter groups and per-parameter state.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimize (leaf tensors with ``requires_grad=True``), or
        parameter groups: dicts with a ``"params"`` list and any options that
        should differ from ``defaults`` for those tensors.
    defaults : dict
        The optimizer's options (``lr``, ``momentum`` ...), used by every group
        that does not set its own.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` plus every option.  Change
        ``group["lr"]`` to change the learning rate (schedulers do).
    state : dict
        ``state[p]`` is a dict of what the optimizer remembers about parameter
        ``p`` (momentum buffers, step counts ...).  Tensors hash by identity.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import SGD
    >>> w = ck.Tensor([1.0, 2.0], requires_grad=True)
    >>> b = ck.Tensor([0.5], requires_grad=True)
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.01]
    >>> loss = (w * w).sum() + (b * b).sum()
    >>> opt.zero_grad(); loss.backward(); _ = opt.step()
    >>> w.data, b.data
    (tensor([0.8, 1.6]), tensor([0.49]))
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params should be an iterable of Tensors or dicts, got one Tensor: wrap it in a list"
            )
        if isinstance(params, set):
            raise TypeError(_SET_MESSAGE)
        self.defaults = dict(defaults)
        self._check(self.defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- what a subclass provides -------------------------------------------
    def _check(self, options: dict[str, Any]) -> None:
        """Raise ``ValueError`` for an option outside its range."""
        check_non_negative(options)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        """Change ``param`` in place; ``state`` starts empty at the first step."""
        raise NotImplementedError

    # ---- parameter groups -----------------------------------------------------
    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group of parameters with its own options (e.g. unfreezing a layer).

        Examples
        --------
        >>> import coursekit as ck
        >>> from coursekit.optim import SGD
        >>> opt = SGD([ck.Tensor([1.0], requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [ck.Tensor([2.0], requires_grad=True)], "lr": 0.5})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        group["params"] = _param_list(group.get("params"))
        index = len(self.param_groups)
        self._check_keys(group, index)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check(group)
        for i, p in enumerate(group["params"]):
            _check_param(p, f"parameter {i} of group {index}")
        self._check_disjoint(group["params"])
        self.param_groups.append(group)

    def _check_keys(self, group: ParamGroup, index: int) -> None:
        unknown = sorted(set(group) - set(self.defaults) - _EXTRA_KEYS)
        if unknown:
            known = ", ".join(sorted(self.defaults))
            raise ValueError(
                f"unknown option {unknown[0]!r} in parameter group {index} of {type(self).__name__}; "
                f"its options are: {known}"
            )

    def _check_disjoint(self, params: list[Tensor]) -> None:
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
            seen.add(id(p))

    # ---- the training loop ----------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (or fill them with zeros).

        Call it before each ``loss.backward()``: ``backward`` adds into ``.grad``.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p._grad is not None:
                    if p._grad._ctx is not None:  # a gradient with a graph (create_graph=True): cut it off
                        p._grad = p._grad.detach()
                    p._grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` or None.

        Parameters
        ----------
        closure : callable, optional
            Zeroes the gradients, recomputes the loss, calls ``backward`` and
            returns the loss.  Run (with graph recording on) before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # The updates work on the NumPy arrays inside the tensors (p._data, the
        # storage p.data shares), so nothing is recorded: no no_grad() needed
        # (torch's step needs one, as it works on tensors).
        state = self.state
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is not None:
                    self._update(p._data, grad._data, state[p], group)
        return loss

    # ---- saving and loading -----------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A copy of the state and options, parameters replaced by their index.

        Parameters are numbered 0, 1, 2 ... through the groups in order, as in
        PyTorch, so a saved dict can be loaded into an optimizer built the same
        way over other tensors.

        Examples
        --------
        >>> import coursekit as ck
        >>> from coursekit.optim import SGD
        >>> w = ck.Tensor([1.0], requires_grad=True)
        >>> SGD([w], lr=0.1).state_dict()["param_groups"][0]["params"]
        [0]
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: _copy_state(s) for p, s in self.state.items() if id(p) in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the state and options saved by :meth:`state_dict`."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, old in zip(self.param_groups, saved):
            if len(group["params"]) != len(old["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        params = {}  # saved index -> our parameter
        for old, group in zip(saved, self.param_groups):
            params.update(zip(old["params"], group["params"]))
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            self.state[params[i]] = _copy_state(s, params[i].data.dtype)
        self.param_groups = [
            {**{k: copy.deepcopy(v) for k, v in old.items() if k != "params"}, "params": group["params"]}
            for group, old in zip(self.param_groups, saved)
        ]

    def _all_params(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _param_list(params: Any) -> list[Tensor]:
    if isinstance(params, Tensor):
        return [params]
    if params is None:
        raise ValueError("a parameter group needs a 'params' entry")
    if isinstance(params, set):
        raise TypeError(_SET_MESSAGE)
    return list(params)


def _check_param(p: Any, where: str) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but {where} is a {type(p).__name__}")
    if not p.requires_grad:
        raise ValueError(f"{where} does not require grad: create it with requires_grad=True")
    if not p.is_leaf:
        raise ValueError(f"can't optimize a non-leaf Tensor ({where} was computed from other tensors)")


def _copy_state(state: dict[str, Any], dtype: Any = None) -> dict[str, Any]:
    """Copy arrays (cast to ``dtype`` if given, as PyTorch casts to the parameter's dtype)."""
    return {
        k: np.array(v, dtype=dtype or v.dtype) if isinstance(v, np.ndarray) else copy.deepcopy(v)
        for k, v in state.items()
    }
