"""nutpie models compiled so that a new process loads them from numba's disk cache.

``nutpie.compile_pymc_model`` builds the log density with PyTensor's numba
backend, which caches every function it generates under PyTensor's
compile directory, and then wraps it in two numba ``cfunc`` callbacks that it
defines as closures. Closures cannot be cached, so every new process spent
6-14 s compiling those wrappers (and, for the usage and task-mix models, the
whole log density too: PyTensor cannot cache digamma, which it takes from
scipy through a function pointer; digamma is the gradient of ``gammaln``, in
both models' likelihoods). Measured in fresh processes from a warm cache on
simulate(seed=0), 4 x 1000 draws: usage 18.4 s, automation 10.9 s, task mix
22.6 s with nutpie's own compilation (``benchmarks/bench_bayes.py --speed``
gives the current figures).

Two pieces make the compiled model cacheable:

* :func:`digamma`, a numba implementation registered for PyTensor's ``Psi``
  with a cache key (equal to ``scipy.special.digamma`` to 1e-15 relative for
  positive arguments, 1e-12 for negative ones; tested);
* :func:`compile_model`, which builds nutpie's ``CompiledPyMCModel`` with the
  two callbacks generated as source text keyed by the log density's own
  PyTensor cache key, so numba caches them beside it. The callbacks read the
  data containers from nutpie's ``user_data`` record exactly as nutpie's own
  do, so ``with_data`` (fast refits with new data) works unchanged.

It uses nutpie's private helpers; on a nutpie whose internals differ, and for
a graph with a raising op (the callbacks have no ``try``), it falls back to
``nutpie.compile_pymc_model`` (same draws, compiled again in every process).
"""

from __future__ import annotations

import math
import warnings
from hashlib import sha256
from typing import Any

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic
from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import register_funcify_and_cache_key
from pytensor.link.numba.dispatch.scalar import scalar_op_cache_key
from pytensor.scalar.math import Psi

__all__ = ["compile_model", "digamma"]

# Version of the generated callbacks: bump when their source template changes.
_WRAPPER_VERSION = 1


@numba.njit(cache=False)
def digamma(x: float) -> float:
    """The digamma function psi(x) = d log Gamma(x) / dx, as ``scipy.special.digamma``.

    Reflection for negative ``x``, the recurrence psi(x) = psi(x + 1) - 1/x up
    to x >= 10, then the asymptotic series to the x**-14 term (truncation
    error below 1e-17 there). Poles (0, -1, -2, ...) give ``nan`` except 0,
    which gives ``-inf`` like scipy.

    Examples
    --------
    >>> round(digamma(1.0), 12)  # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    if math.isnan(x):
        return math.nan
    if x <= 0.0 and x == math.floor(x):
        return -math.inf if x == 0.0 else math.nan
    result = 0.0
    if x < 0.0:
        # psi(1 - x) - psi(x) = pi cot(pi x)
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    # -sum_k B_2k / (2k x^2k), k = 1..7
    series = f * (
        -1.0 / 12
        + f
        * (
            1.0 / 120
            + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))
        )
    )
    return result + math.log(x) - 0.5 / x + series


@register_funcify_and_cache_key(Psi)
def _numba_funcify_psi(op: Any, node: Any = None, **kwargs: Any) -> tuple[Any, str]:
    # PyTensor's default takes scipy's cython digamma through a function pointer, which numba
    # cannot cache; with it every graph holding a digamma (a gammaln gradient) recompiled
    # whole in every process.
    out_dtype = np.dtype(node.outputs[0].dtype) if node is not None else np.dtype("float64")

    @numba_basic.numba_njit
    def psi(x):  # type: ignore[no-untyped-def]
        return numba_basic.direct_cast(digamma(x), out_dtype)

    return psi, scalar_op_cache_key(op, cache_version="econindex-digamma-1", dtype=str(out_dtype))


@intrinsic
def _address_as_voidptr(typingctx: Any, address: Any) -> Any:
    """A void pointer to the memory at integer ``address`` (for ``numba.carray``)."""
    sig = types.voidptr(address)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen


def _word_offsets(record: np.ndarray, names: list[str]) -> dict[str, tuple[int, list[int]]] | None:
    """Word index of each shared variable's data pointer and of its shape entries in ``record``.

    nutpie's user data record holds, per data container, its address, size and
    shape, all 8-byte unsigned integers. ``None`` if the layout is not that.
    """

    def field(dt: np.dtype, name: str) -> tuple[np.dtype, int] | None:
        fields = dt.fields
        return None if fields is None or name not in fields else (fields[name][0], fields[name][1])

    dtype = record.dtype
    shared = field(dtype, "shared")
    if shared is None or dtype.itemsize % 8:
        return None
    data, shape = field(shared[0], "data"), field(shared[0], "shape")
    if data is None or shape is None:
        return None
    base = shared[1]
    (data_dt, data_off), (shape_dt, shape_off) = data, shape
    out: dict[str, tuple[int, list[int]]] = {}
    for name in names:
        ptr, dim = field(data_dt, name), field(shape_dt, name)
        if ptr is None or dim is None:
            return None
        (ptr_dt, ptr_off), (dim_dt, dim_off) = ptr, dim
        if ptr_dt.itemsize != 8 or (dim_dt.shape and dim_dt.base.itemsize != 8):
            return None
        ndim = dim_dt.shape[0] if dim_dt.shape else 0
        start = base + shape_off + dim_off
        out[name] = ((base + data_off + ptr_off) // 8, [(start + 8 * i) // 8 for i in range(ndim)])
    return out


def _callback(
    kind: str,
    n_dim: int,
    n_out: int,
    inner: Any,
    names: list[str],
    offsets: dict[str, tuple[int, list[int]]],
    shared_data: dict[str, np.ndarray],
    n_words: int,
) -> Any:
    """A numba ``cfunc`` calling ``inner`` (PyTensor's jitted function) the way nutpie expects.

    ``kind`` is "logp" (writes the log density and its gradient) or "expand"
    (writes the draws' stored values). The source is generated for this model
    and registered under a key derived from ``inner``'s own cache key, so numba
    caches the callback beside it; without a key (a graph PyTensor cannot
    cache) it is compiled uncached.
    """
    # __name__: numba rebuilds a cached function's environment by importing its module
    env: dict[str, Any] = {"__name__": __name__, "np": np, "numba": numba, "inner": inner}
    env["as_ptr"] = _address_as_voidptr
    lines = [f"words = numba.carray(user_data_, ({n_words},), np.uint64)"] if names else []
    for i, name in enumerate(names):
        ptr_word, shape_words = offsets[name]
        env[f"dtype_{i}"] = np.dtype(shared_data[name].dtype)
        shape = "".join(f"int(words[{w}]), " for w in shape_words)
        lines.append(f"s{i} = numba.carray(as_ptr(words[{ptr_word}]), ({shape}), dtype_{i})")
    call = ", ".join(["x"] + [f"s{i}" for i in range(len(names))])
    lines.append(f"x = numba.carray(x_, ({n_dim},))")
    pointer = types.CPointer(types.double)
    if kind == "logp":
        head = ["def logp_cached(dim, x_, out_, logp_, user_data_):", f"if dim != {n_dim}:", "    return -1"]
        lines += [
            f"out = numba.carray(out_, ({n_dim},))",
            "logp = numba.carray(logp_, ())",
            f"logp_val, grad = inner({call})",
            "logp[()] = logp_val",
            "out[...] = grad",
            "if not np.all(np.isfinite(out)):",
            "    return 3",
            "if not np.isfinite(logp_val):",
            "    return 4",
        ]
        sig = types.int64(types.uint64, pointer, pointer, pointer, types.voidptr)
    else:
        head = ["def expand_cached(dim, expanded, x_, out_, user_data_):"]
        head += [f"if dim != {n_dim} or expanded != {n_out}:", "    return -1"]
        lines += [f"out = numba.carray(out_, ({n_out},))", f"(values,) = inner({call})", "out[...] = values"]
        sig = types.int64(types.uint64, types.uint64, pointer, pointer, types.voidptr)
    # No try/except around the call, unlike nutpie's callbacks: inside one numba compiled the log
    # density twice as slowly (a cold compile of the automation model: 35 s against 15 s), and
    # compile_model uses these callbacks only for graphs without raising ops.
    src = head[0] + "\n" + "".join(f"    {line}\n" for line in head[1:] + lines) + "    return 0\n"
    inner_key = CACHED_SRC_FUNCTIONS.get(inner.py_func) if hasattr(inner, "py_func") else None
    key = None
    if inner_key is not None:
        dtypes = tuple(str(env[f"dtype_{i}"]) for i in range(len(names)))
        key = sha256(repr((_WRAPPER_VERSION, src, inner_key, dtypes)).encode()).hexdigest()
    func = compile_numba_function_src(src, f"{kind}_cached", env, cache_key=key)
    return numba.cfunc(sig, cache=key is not None)(func)


def _raises(*functions: Any) -> bool:
    """Whether any of the compiled PyTensor ``functions`` holds an op that raises (an Assert)."""
    from pytensor.raise_op import CheckAndRaise

    return any(isinstance(node.op, CheckAndRaise) for fn in functions for node in fn.maker.fgraph.apply_nodes)


def compile_model(model: Any) -> Any:
    """nutpie's compiled model for ``model``, with callbacks numba caches across processes.

    The same object ``nutpie.compile_pymc_model(model)`` returns (numba
    backend, support-point initialization with jitter), so ``nutpie.sample``
    and ``with_data`` take it; it falls back to that call when the installed
    nutpie lacks the internals used here (with a ``RuntimeWarning`` when they
    exist but differ), or the graph has a raising op.
    """
    import nutpie

    compiled = None
    try:
        compiled = _compile_cacheable(model)
    except (TypeError, AttributeError, KeyError) as err:  # nutpie internals of another release
        warnings.warn(
            f"econindex: nutpie {nutpie.__version__}'s internals differ ({err}); compiling with "
            "nutpie.compile_pymc_model, which a new process compiles again",
            RuntimeWarning,
            stacklevel=3,
        )
    return compiled if compiled is not None else nutpie.compile_pymc_model(model)


def _compile_cacheable(model: Any) -> Any:
    """:func:`compile_model`'s cacheable build; ``None`` where nutpie's own compile must be used."""
    try:
        from nutpie.compile_pymc import (
            CompiledPyMCModel,
            _make_functions,
            _prepare_dims_and_coords,
            _wrap_with_lock,
            make_user_data,
        )
    except ImportError:  # a nutpie without these internals
        return None
    from pymc.initial_point import make_initial_point_fn

    initial_point_fn = _wrap_with_lock(
        make_initial_point_fn(
            model=model,
            default_strategy="support_point",
            jitter_rvs=set(model.free_RVs),
            return_transformed=True,
        )
    )
    n_dim, n_expanded, logp_fn_pt, expand_fn_pt, initial_point, shape_info = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=initial_point_fn,
        var_names=None,
    )
    shared_data: dict[str, np.ndarray] = {}
    shared_vars: dict[str, Any] = {}
    for var in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if var.name in shared_vars and shared_vars[var.name] is not var:
            return None  # nutpie raises its own error for this
        shared_data[var.name] = np.array(var.get_value(), order="C", copy=True)
        shared_vars[var.name] = var
    for value in shared_data.values():
        value.flags.writeable = False
    user_data = make_user_data(shared_vars, shared_data)
    names = list(shared_vars)
    offsets = _word_offsets(user_data, names)
    if offsets is None or _raises(logp_fn_pt, expand_fn_pt):
        return None
    n_words = user_data.dtype.itemsize // 8
    logp_names = [v.name for v in logp_fn_pt.get_shared()]
    expand_names = [v.name for v in expand_fn_pt.get_shared()]
    logp_cfunc = _callback("logp", n_dim, 0, logp_fn_pt.vm.jit_fn, logp_names, offsets, shared_data, n_words)
    expand_cfunc = _callback(
        "expand", n_dim, n_expanded, expand_fn_pt.vm.jit_fn, expand_names, offsets, shared_data, n_words
    )
    dims, coords = _prepare_dims_and_coords(model, shape_info)
    return CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=False)},
        compiled_logp_func=logp_cfunc,
        compiled_expand_func=expand_cfunc,
        initial_point_func=initial_point,
        shared_data=shared_data,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_fn_pt,
        expand_func=expand_fn_pt,
    )
