"""The per-step work outside the matrix products: numpy reference and numba.

One Adam or SGD step over the flat parameter vector, then the penalty's prox
on its weights; each hidden layer's elementwise passes of a forward and
backward sweep (bias, activation, its derivative, the intercept gradient),
fused into one pass each way for relu; and the loss with its delta, in one
pass for the log losses and the squared error (the references are the loss
classes' ``value_and_delta``).

The numpy version is the reference: in-place passes over preallocated
buffers, about 13 of them per Adam step. The numba version does the same
arithmetic in one loop, with the prox of the separable penalties
('l2', 'l1', 'l0') fused in. Under a group penalty the prox of its blocks
of row groups is one compiled call too, the penalty's own algorithm (under
Adam's per-weight steps, for the group lasso, the same Newton iterations),
and a last block of one-weight groups ('inputs' groups past the first
matrix) is fused into the step as the separable penalty it is. A restricted
support keeps its own prox. Both agree to rounding (``tests/test_kernels.py``).

numba is optional (``pip install skreg[fast]``). It is imported, and each
kernel compiled for its dtype, by the first fit whose epochs would save more
than that costs (``LOAD_SECONDS``), or by predictions once they would
have saved that much, never at ``import skreg``; compiled code is cached on disk
(beside this file, or in numba's per-user cache directory where that is
read-only). The kernels are serial: BLAS owns the cores, and numba's threads
fought OpenBLAS's.
Set the environment variable ``SKREG_KERNELS=numpy`` to use the reference.
"""

import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, partial
from typing import NamedTuple

import numpy as np

from skreg._activations import ACTIVATIONS, DERIVATIVES
from skreg._losses import BinaryLogLoss, HalfSquaredError, MultinomialLogLoss
from skreg.penalties._group import GroupL0, GroupL1
from skreg.penalties._separable import L0, L1, L2

# How a kernel applies a separable penalty's prox, by the penalty's exact type:
# a subclass or wrapper may change the prox, so it takes the generic path
# (_NO_PROX: the kernel keeps each weight's step for it). The intercepts are
# _PLAIN: no prox, and no steps kept.
_PLAIN, _NO_PROX, _L2, _L1, _L0 = -1, 0, 1, 2, 3
_PROX_CODES = {L2: _L2, L1: _L1, L0: _L0}


def prox_code(penalty):
    """The kernel's code for ``penalty``'s prox; 0 if the kernel leaves it."""
    return _PROX_CODES.get(type(penalty), _NO_PROX)


# numpy reference ---------------------------------------------------------------


def adam_numpy(theta, grad, m, v, eta, tmp, scalars, penalty, n_weights):
    """One proximal Adam step, in place, with numpy passes.

    ``scalars`` is ``(step_size, 1 - beta_1, 1 - beta_2, epsilon, bias_1)``
    with ``step_size = lr * sqrt(1 - beta_2**t)`` and
    ``bias_1 = 1 / (1 - beta_1**t)``. ``eta`` receives each parameter's step
    and ``tmp`` is scratch; both are ``theta``-shaped.
    """
    step_size, one_b1, one_b2, epsilon, bias_1 = scalars
    np.subtract(grad, m, out=tmp)
    tmp *= one_b1
    m += tmp  # m = b1 m + (1 - b1) g
    np.multiply(grad, grad, out=tmp)
    tmp -= v
    tmp *= one_b2
    v += tmp  # v = b2 v + (1 - b2) g^2
    np.sqrt(v, out=eta)
    eta += epsilon
    np.divide(step_size, eta, out=eta)
    np.multiply(eta, m, out=tmp)
    tmp *= bias_1
    theta -= tmp
    w = theta[:n_weights]
    penalty.prox(w, eta[:n_weights], out=w)


def sgd_numpy(theta, grad, velocity, tmp, lr, momentum, nesterov, penalty, n_weights):
    """One proximal SGD step with (Nesterov) momentum, in place."""
    velocity *= momentum
    np.multiply(grad, lr, out=tmp)
    velocity -= tmp  # v = mu v - lr g
    if nesterov:
        theta -= tmp
        np.multiply(velocity, momentum, out=tmp)
        theta += tmp  # theta += mu v - lr g
    else:
        theta += velocity
    w = theta[:n_weights]
    penalty.prox(w, lr, out=w)


@cache  # backprop asks once per minibatch
def sweep_numpy(activation):
    """A hidden layer's elementwise passes, ``(bias_activation,
    activation_delta)``, in place.

    ``bias_activation(A, b)`` turns the product ``A = X @ W`` into the
    layer's output ``f(A + b)``; ``activation_delta(delta, A, sums)``
    multiplies the delta arriving at the layer's output ``A`` by ``f'``, and
    writes the layer's intercept gradient (the new delta's column sums) into
    ``sums``.
    """
    hidden, derivative = ACTIVATIONS[activation], DERIVATIVES[activation]

    def bias_activation(A, b):
        A += b
        hidden(A)

    def activation_delta(delta, A, sums):
        derivative(A, delta)
        column_sums(delta, out=sums)

    return bias_activation, activation_delta


def column_sums(delta, out):
    # A product with a ones vector (BLAS gemv) beats sum(axis=0) 2.5x.
    return np.matmul(np.ones(len(delta), delta.dtype), delta, out=out)


# numba kernels: plain loops, compiled on first use --------------------------------
# Every scalar arrives in theta's dtype, so float32 arithmetic stays float32.
# The operations follow the numpy reference's order, so both round alike,
# but for Adam's l2 shrink, folded into its step (a few ulps apart).


def _adam_step(code):
    """One proximal Adam step with the prox ``code`` fused in, as a function
    to compile: its weights are ``theta``'s first ``n_weights``."""

    # ``code`` is a constant of each compiled step, so that no branch is left
    # in its loops. With the code an argument, LLVM kept the store of the
    # steps as a masked store in every loop; each ran a microcode assist on
    # pages of ``eta`` never written (np.empty), which made a float64 l2
    # step 20x slower (1.5 ms for 59,000 parameters).
    def step(theta, grad, m, v, eta, start, n_weights, step_size, one_b1,
             one_b2, epsilon, bias_1, alpha, two_alpha):  # fmt: skip
        def run(theta, grad, m, v, eta, prox):
            for i in range(theta.size):
                g = grad[i]
                mi = m[i] + (g - m[i]) * one_b1
                vi = v[i] + (g * g - v[i]) * one_b2
                m[i] = mi
                v[i] = vi
                d = np.sqrt(vi) + epsilon
                if prox == _L2:
                    # The shrunk step (theta - e m bias_1) / (e alpha + 1),
                    # e = step_size / d, over d: one division, not two. The
                    # divisions and the square root bound this loop: l2
                    # took 1.8x l1's time (float32).
                    theta[i] = (theta[i] * d - step_size * mi * bias_1) / (
                        d + step_size * alpha
                    )
                    continue
                e = step_size / d
                x = theta[i] - e * mi * bias_1
                if prox == _NO_PROX:  # the penalty's own prox needs the steps
                    eta[i] = e
                elif prox == _L1:  # soft threshold
                    t = e * alpha
                    clipped = x if x < t else t
                    x = x - (clipped if clipped > -t else -t)
                elif prox == _L0 and not x * x > e * two_alpha:  # hard threshold
                    x = x * 0
                theta[i] = x

        # Loops over slices, not one testing each index against n_weights
        # (or over range(start, stop)): those stayed scalar, 10x slower. The
        # weights before ``start`` keep their steps for a group prox.
        n = theta.size
        h, w, b = slice(0, start), slice(start, n_weights), slice(n_weights, n)
        run(theta[h], grad[h], m[h], v[h], eta[h], _NO_PROX)
        run(theta[w], grad[w], m[w], v[w], eta[w], code)
        run(theta[b], grad[b], m[b], v[b], eta[b], _PLAIN)

    return step


# The group prox loops take every block of row groups in one call: block k
# is table[k] = (start, stop, size), its rows a reshape of the flat weights
# (and of Adam's steps), its constant (lam, threshold or price) the k-th of
# an array. A Python call per block cost a few microseconds each: one SGD
# step of a 5-class (256, 128) network under the group lasso took 24 us with
# one call, 32 us with one per block (float32). Each loop walks the blocks
# itself: a block loop calling a row loop it closes over is not cached by
# numba (the dispatcher hashes differently in every process).


def _group_l1_blocks_loop(w, steps, table, lams, newton_iter, newton_residual,
                          zero, one):  # fmt: skip
    # GroupL1's prox of rows under per-weight steps S, the reference's
    # algorithm (GroupL1._prox_rows and _adam_metric_scale) step for step, in
    # V's dtype: the same start, and Newton until every kept row's residual
    # is small, so both stop after the same iteration.
    for k in range(table.shape[0]):
        start, stop, size = table[k, 0], table[k, 1], table[k, 2]
        n_rows, lam = (stop - start) // size, lams[k]
        V = w[start:stop].reshape((n_rows, size))
        S = steps[start:stop].reshape((n_rows, size))
        keep = np.empty(n_rows, np.bool_)
        r = np.empty(n_rows, V.dtype)
        for i in range(n_rows):
            scaled, norm2, weighted = zero, zero, zero
            for j in range(size):
                v2 = V[i, j] * V[i, j]
                q = V[i, j] / S[i, j]
                scaled += q * q
                norm2 += v2
                weighted += v2 * (lam * S[i, j])
            keep[i] = scaled > lam * lam
            # Newton starts at ||v|| minus the v^2-weighted mean of lam * S,
            # below the root (see _adam_metric_scale). A kept row has
            # norm2 > 0.
            r[i] = max(np.sqrt(norm2) - weighted / norm2, zero)
        for _ in range(newton_iter):
            worst = zero
            for i in range(n_rows):
                if not keep[i]:
                    continue
                h, dh, ri = zero, zero, r[i]
                for j in range(size):
                    inv = one / (ri + lam * S[i, j])
                    t = V[i, j] * V[i, j] * inv * inv
                    h += t
                    dh += t * inv
                psi = one / np.sqrt(h)
                residual = one - psi
                r[i] = ri + residual / (psi / h * dh)
                worst = max(worst, abs(residual))
            if worst <= newton_residual:
                break
        for i in range(n_rows):
            ri = r[i] if keep[i] else zero
            for j in range(size):
                V[i, j] = V[i, j] * (ri / (ri + lam * S[i, j]))


def _group_l0_blocks_loop(w, steps, table, prices, zero):
    # GroupL0's prox of rows under per-weight steps: a row is kept whole when
    # sum(v^2 / s) exceeds its price 2 * alpha * size (a nan row stays nan).
    for k in range(table.shape[0]):
        start, stop, size = table[k, 0], table[k, 1], table[k, 2]
        n_rows = (stop - start) // size
        V = w[start:stop].reshape((n_rows, size))
        S = steps[start:stop].reshape((n_rows, size))
        for i in range(n_rows):
            saved = zero
            for j in range(size):
                saved += V[i, j] * (V[i, j] / S[i, j])
            if saved <= prices[k]:
                V[i] = zero


def _group_l1_blocks_one_step_loop(w, table, thresholds, zero, one):
    # GroupL1's prox of rows under one step for all weights (SGD): each row's
    # norm shrinks by its threshold step * lam, to zero if it is shorter.
    for k in range(table.shape[0]):
        start, stop, size = table[k, 0], table[k, 1], table[k, 2]
        V = w[start:stop].reshape(((stop - start) // size, size))
        threshold = thresholds[k]
        for i in range(V.shape[0]):
            norm2 = zero
            for j in range(size):
                norm2 += V[i, j] * V[i, j]
            norm = np.sqrt(norm2)
            scale = one - threshold / norm if norm > threshold else zero
            for j in range(size):
                V[i, j] = V[i, j] * scale


def _group_l0_blocks_one_step_loop(w, table, prices, zero):
    # GroupL0's under one step: a row is kept whole when its squared norm
    # exceeds its price 2 * alpha * size * step.
    for k in range(table.shape[0]):
        start, stop, size = table[k, 0], table[k, 1], table[k, 2]
        V = w[start:stop].reshape(((stop - start) // size, size))
        for i in range(V.shape[0]):
            norm2 = zero
            for j in range(size):
                norm2 += V[i, j] * V[i, j]
            if norm2 <= prices[k]:
                V[i] = zero


def _sgd_step(code):
    """One proximal SGD step with (Nesterov) momentum and the prox ``code``
    fused in, compiled as :func:`_adam_step`."""

    def step(theta, grad, velocity, nesterov, start, n_weights, lr, momentum,
             alpha, two_alpha):  # fmt: skip
        def run(theta, grad, velocity, prox):
            for i in range(theta.size):
                move = grad[i] * lr
                vi = velocity[i] * momentum - move
                velocity[i] = vi
                x = theta[i] - move + vi * momentum if nesterov else theta[i] + vi
                if prox == _L2:
                    x = x / (lr * alpha + 1)
                elif prox == _L1:
                    t = lr * alpha
                    clipped = x if x < t else t
                    x = x - (clipped if clipped > -t else -t)
                elif prox == _L0 and not x * x > lr * two_alpha:
                    x = x * 0
                theta[i] = x

        n = theta.size
        h, w, b = slice(0, start), slice(start, n_weights), slice(n_weights, n)
        run(theta[h], grad[h], velocity[h], _NO_PROX)
        run(theta[w], grad[w], velocity[w], code)
        run(theta[b], grad[b], velocity[b], _PLAIN)

    return step


def _bias_relu_loop(A, b, zero):
    # Two numpy passes in one; relu(nan) stays nan, as np.maximum's.
    n_rows, n_cols = A.shape
    for i in range(n_rows):
        for j in range(n_cols):
            x = A[i, j] + b[j]
            A[i, j] = zero if x < zero else x


def _relu_delta_loop(delta, A, sums, zero):
    # Three numpy passes (mask, product, column sums) in one. The product
    # with 0 or 1 keeps a nan delta nan, as numpy's; the sums run along the
    # rows, so they vectorize across columns but round unlike BLAS's gemv.
    n_rows, n_cols = delta.shape
    sums[:] = zero
    for i in range(n_rows):
        for j in range(n_cols):
            d = delta[i, j] * (A[i, j] > zero)
            delta[i, j] = d
            sums[j] += d


# The losses that sum one term per output, compiled by _elementwise_loss.
_BINARY_LOG_LOSS, _SQUARED_ERROR = 0, 1


def _elementwise_loss(kind):
    """``value_and_delta`` of the binary log loss or the squared error in one
    pass, as a function to compile; ``kind`` a constant, as the steps'
    prox code. ``weights`` is empty for uniform weights ``inv_n``."""

    def loop(Y, Z, weights, inv_n):
        n_rows, n_cols = Z.shape
        total = 0.0
        for i in range(n_rows):
            w = inv_n if weights.size == 0 else weights[i]
            row = 0.0
            for j in range(n_cols):
                # In float64: numba's float32 log1p made the loop 13x slower.
                z, y = np.float64(Z[i, j]), np.float64(Y[i, j])
                if kind == _BINARY_LOG_LOSS:
                    # One exp gives both logaddexp(0, z) and expit(z),
                    # stably for either sign of z.
                    e = np.exp(-abs(z))
                    row += max(z, 0) + np.log1p(e) - y * z
                    d = (1 / (1 + e) if z >= 0 else e / (1 + e)) - y
                else:
                    d = z - y
                    row += 0.5 * d * d
                Z[i, j] = d * w
            total += row * w
        return total

    return loop


def _multinomial_log_loss_loop(Y, Z, weights, inv_n):
    # MultinomialLogLoss.value_and_delta row by row: the shifted exps give
    # the log-sum-exp and the softmax.
    n_rows, n_cols = Z.shape
    total = 0.0
    for i in range(n_rows):
        w = inv_n if weights.size == 0 else weights[i]
        top = Z[i, 0]
        for j in range(1, n_cols):
            top = max(top, Z[i, j])
        target = Z[i, 0] * 0
        norm = target
        for j in range(n_cols):
            z = Z[i, j] - top
            target += Y[i, j] * z
            e = np.exp(z)
            Z[i, j] = e
            norm += e
        total += (np.log(norm) - target) * w
        for j in range(n_cols):
            Z[i, j] = (Z[i, j] / norm - Y[i, j]) * w
    return total


class _Compiled(NamedTuple):
    """The compiled kernels; ``adam`` and ``sgd`` indexed by prox code."""

    adam: tuple
    sgd: tuple
    group_l1_blocks: object
    group_l0_blocks: object
    group_l1_blocks_one_step: object
    group_l0_blocks_one_step: object
    bias_relu: object
    relu_delta: object
    binary_log_loss: object
    multinomial_log_loss: object
    squared_error: object


_compiled = {}
# Below this many parameters the steps stay in numpy. One compiled Adam step
# is faster from about 2,000 parameters (at 500, float32: 21 us against 14 us
# in numpy, its call's fixed cost), but whole fits were measured above this.
MIN_PARAMS = 20_000
# A process pays about this once to import numba and load the cached kernels
# (0.9 s or more to compile them), so a fit takes them only if they would
# save more over its epochs.
LOAD_SECONDS = 0.5
# What the compiled code saves, per parameter per optimizer step and per
# hidden activation value per relu sweep: the smaller of the float32 and
# float64 figures measured (one Adam step and prox over 58,881 parameters:
# 65-106 us saved in float32, 156-245 us in float64; both passes of a
# 200 x 384 batch: 141 us and 160 us), so that a fit errs towards numpy.
SAVED_PER_PARAMETER = 1e-9
SAVED_PER_VALUE = 1.8e-9
# The same for the forward pass alone, outside a fit (100,000 rows through
# (100, 256, 128, 1): 0.87 ns saved per hidden value in float32, 1.6 ns in
# float64).
SAVED_PER_PREDICTED_VALUE = 0.8e-9
# Outside a fit, the seconds the compiled forward pass would have saved this
# process so far, had numba been loaded; see forward_sweep.
_unloaded_saving = 0.0
# Whether the fit running in this context takes the compiled kernels. None,
# outside a fit (prediction, a path's loss evaluations), takes them once
# loaded. A context variable, so that fits in threads decide apart.
_FIT_COMPILED = ContextVar("skreg_fit_compiled", default=None)


def fit_saving(n_params, n_steps, n_values):
    """Seconds the compiled kernels would save over ``n_steps`` optimizer
    steps of ``n_params`` parameters and relu sweeps over ``n_values``
    hidden activations in all."""
    return n_steps * n_params * SAVED_PER_PARAMETER + n_values * SAVED_PER_VALUE


@contextmanager
def planned(saving):
    """Within, a fit whose compiled kernels would save ``saving`` seconds:
    it takes them, loading numba, if that beats ``LOAD_SECONDS``; else numpy,
    even if loaded, so that its result does not depend on what ran before
    in the process. ``SKREG_KERNELS=numpy`` is read here, once per fit, not
    on each of its minibatches' several kernel look-ups."""
    token = _FIT_COMPILED.set(saving > LOAD_SECONDS and not _forced_numpy())
    try:
        yield
    finally:
        _FIT_COMPILED.reset(token)


def _load():
    try:
        import numba
    except ImportError:
        _compiled["kernels"] = None
        return
    # error_model="numpy": a division by zero gives inf, as numpy's, and
    # lets the loop vectorize (with "python" it was no faster).
    jit = numba.njit(cache=True, error_model="numpy", nogil=True)
    # Reassociation lets the row sums vectorize; numpy's pairwise sums round
    # differently from a plain loop anyway.
    rows = numba.njit(
        cache=True, error_model="numpy", nogil=True, fastmath={"reassoc", "nsz"}
    )
    # One step per prox code, each compiled (or loaded) on first use.
    codes = range(_L0 + 1)
    _compiled["kernels"] = _Compiled(
        adam=tuple(jit(_adam_step(code)) for code in codes),
        sgd=tuple(jit(_sgd_step(code)) for code in codes),
        group_l1_blocks=rows(_group_l1_blocks_loop),
        group_l0_blocks=rows(_group_l0_blocks_loop),
        group_l1_blocks_one_step=rows(_group_l1_blocks_one_step_loop),
        group_l0_blocks_one_step=rows(_group_l0_blocks_one_step_loop),
        bias_relu=jit(_bias_relu_loop),
        relu_delta=jit(_relu_delta_loop),
        binary_log_loss=jit(_elementwise_loss(_BINARY_LOG_LOSS)),
        multinomial_log_loss=jit(_multinomial_log_loss_loop),
        squared_error=jit(_elementwise_loss(_SQUARED_ERROR)),
    )


def _forced_numpy():
    return os.environ.get("SKREG_KERNELS", "").lower() == "numpy"


def _numba(n_params=MIN_PARAMS):
    """The compiled kernels, or None: without numba, for a small network, when
    told not to (``SKREG_KERNELS=numpy``), in a fit planned without them, or
    outside a fit before one has loaded them."""
    if n_params < MIN_PARAMS:
        return None
    compiled = _FIT_COMPILED.get()
    if compiled is False or (compiled is None and _forced_numpy()):
        return None
    if "kernels" not in _compiled:
        if compiled is None:
            return None
        _load()
    return _compiled["kernels"]


def backend():
    """'numba' if a fit planned with the compiled kernels runs them (loading
    numba now, if installed), else 'numpy'."""
    if _forced_numpy():
        return "numpy"
    if "kernels" not in _compiled:
        _load()
    return "numpy" if _compiled["kernels"] is None else "numba"


def _fusion(penalty, n_weights):
    """What of ``penalty``'s prox a step fuses: ``(code, start, blocks)``,
    the prox ``code`` applied to the weights from ``start`` on, and the
    blocks of groups left to a group penalty's prox (None: all of them).

    A separable penalty's prox is fused whole. So is a group penalty's last
    block when it holds one-weight groups up to ``n_weights`` ('inputs'
    groups: every weight past the first matrix) and follows every other
    block, so that the order of the blocks' proxes does not matter."""
    code = prox_code(penalty)
    if code:
        return code, 0, None
    if type(penalty) in _GROUP_BLOCKS and penalty.groups:
        *blocks, (start, stop, size) = penalty.groups
        if (stop, size) == (n_weights, 1) and all(b[1] <= start for b in blocks):
            return _PROX_CODES[penalty._separable], start, tuple(blocks)
    return _NO_PROX, n_weights, None


def _fused(steps, theta, args, scalars, penalty, n_weights):
    """Run the step of ``steps`` with the prox that :func:`_fusion` fuses;
    return ``(start, blocks)`` of the prox left to the caller (start 0: none
    is). The ``scalars`` are cast to ``theta``'s dtype, so float32 arithmetic
    stays float32."""
    (code, start, blocks), cast = _fusion(penalty, n_weights), theta.dtype.type
    alpha = penalty.alpha if code else 0
    steps[code](
        theta, *args, start, n_weights, *map(cast, scalars), cast(alpha),
        cast(2 * alpha),
    )  # fmt: skip
    return start, blocks


def adam(theta, grad, m, v, eta, tmp, scalars, penalty, n_weights):
    """One proximal Adam step; arguments as :func:`adam_numpy`."""
    kernels = _numba(theta.size)
    if kernels is None:
        return adam_numpy(theta, grad, m, v, eta, tmp, scalars, penalty, n_weights)
    left = _fused(kernels.adam, theta, (grad, m, v, eta), scalars, penalty, n_weights)
    _prox(kernels, penalty, theta[:n_weights], eta[:n_weights], *left)


def _prox(kernels, penalty, w, step, start, blocks):
    """The prox that :func:`_fused` left, in place on the weights ``w``; a
    group penalty's blocks in one call of their compiled row loops."""
    if not start:
        return
    prox_blocks = _GROUP_BLOCKS.get(type(penalty))
    if prox_blocks is None:
        penalty.prox(w, step, out=w)
    elif penalty.alpha:
        table = _block_table(penalty.groups if blocks is None else blocks)
        prox_blocks(kernels, penalty, w, step, *table)


@cache  # asked once per step, of a few distinct group layouts
def _block_table(blocks):
    """The ``blocks`` of row groups as an array of ``(start, stop, size)``
    rows, and their group sizes as floats."""
    table = np.array(blocks, dtype=np.intp).reshape(-1, 3)
    return table, table[:, 2].astype(float)


# Each block's constant is computed in float64 and cast to the weights'
# dtype, as the reference's are. A block of one-weight groups takes the row
# loops too, where the reference takes the separable prox: the same prox.


def _group_l1_blocks(kernels, penalty, w, step, table, sizes):
    lams, cast = penalty.alpha * np.sqrt(sizes), w.dtype.type
    if np.ndim(step) == 0:
        thresholds = (lams * step).astype(w.dtype)
        kernels.group_l1_blocks_one_step(w, table, thresholds, cast(0), cast(1))
        return
    kernels.group_l1_blocks(
        w, step, table, lams.astype(w.dtype), penalty._newton_iter,
        cast(penalty._newton_residual), cast(0), cast(1),
    )  # fmt: skip


def _group_l0_blocks(kernels, penalty, w, step, table, sizes):
    prices, zero = 2 * penalty.alpha * sizes, w.dtype.type(0)
    if np.ndim(step) == 0:
        prices = (prices * step).astype(w.dtype)
        kernels.group_l0_blocks_one_step(w, table, prices, zero)
        return
    kernels.group_l0_blocks(w, step, table, prices.astype(w.dtype), zero)


# The compiled prox of a group penalty's blocks by its exact type, as
# _PROX_CODES: ``prox_blocks(kernels, penalty, w, step, table, sizes)``,
# ``step`` Adam's per-weight steps or SGD's one step.
_GROUP_BLOCKS = {GroupL1: _group_l1_blocks, GroupL0: _group_l0_blocks}


def sgd(theta, grad, velocity, tmp, lr, momentum, nesterov, penalty, n_weights):
    """One proximal SGD step; arguments as :func:`sgd_numpy`."""
    kernels = _numba(theta.size)
    if kernels is None:
        return sgd_numpy(
            theta, grad, velocity, tmp, lr, momentum, nesterov, penalty, n_weights
        )
    args = grad, velocity, bool(nesterov)
    left = _fused(kernels.sgd, theta, args, (lr, momentum), penalty, n_weights)
    _prox(kernels, penalty, theta[:n_weights], lr, *left)


def _bias_relu(kernel, A, b):
    kernel(A, b, A.dtype.type(0))


def _relu_delta(kernel, delta, A, sums):
    kernel(delta, A, sums, delta.dtype.type(0))


def sweep(activation, n_params):
    """:func:`sweep_numpy`'s pair for a network of ``n_params`` parameters:
    compiled for relu where the optimizer steps are (the others spend their
    time in exp or tanh, which fusing does not save). Outside a fit it never
    loads numba: a fitted model loaded in a fresh process should not pay
    numba's import for passes that cost little next to the products."""
    kernels = _numba(n_params) if activation == "relu" else None
    if kernels is None:
        return sweep_numpy(activation)
    return _relu_sweep(kernels.bias_relu, kernels.relu_delta)


def forward_sweep(activation, n_params, n_values):
    """:func:`sweep`'s ``bias_activation`` for a forward pass over
    ``n_values`` hidden activation values, in prediction or in a fit.

    Outside a fit it loads numba once the passes run in numpy would have
    saved ``LOAD_SECONDS`` with it (rent or buy): a process that predicts
    little never pays the load, and one that predicts a lot pays at most
    twice what knowing its future would have cost. Both passes give bitwise
    the same activations.
    """
    global _unloaded_saving
    unloaded = "kernels" not in _compiled and _FIT_COMPILED.get() is None
    if unloaded and activation == "relu" and n_params >= MIN_PARAMS:
        _unloaded_saving += n_values * SAVED_PER_PREDICTED_VALUE
        if _unloaded_saving > LOAD_SECONDS and not _forced_numpy():
            _load()
    return sweep(activation, n_params)[0]


@cache  # built once per process, not per minibatch
def _relu_sweep(bias_relu_loop, relu_delta_loop):
    return partial(_bias_relu, bias_relu_loop), partial(_relu_delta, relu_delta_loop)


# The compiled loss by the loss's exact type, as _PROX_CODES. The Poisson
# deviance stays in numpy: its exps cost the same compiled.
_LOSS_LOOPS = {
    BinaryLogLoss: "binary_log_loss",
    MultinomialLogLoss: "multinomial_log_loss",
    HalfSquaredError: "squared_error",
}


def loss_delta(loss, n_params):
    """``loss.value_and_delta`` for a network of ``n_params`` parameters:
    one compiled pass where the optimizer steps are compiled, instead of
    numpy's several passes and calls, which cost more than the arithmetic
    at minibatch sizes."""
    name = _LOSS_LOOPS.get(type(loss))
    kernels = None if name is None else _numba(n_params)
    if kernels is None:
        return loss.value_and_delta
    return _compiled_loss(getattr(kernels, name))


@cache  # built once per process, not per minibatch
def _compiled_loss(loop):
    return partial(_value_and_delta, loop)


def _value_and_delta(loop, Y, Z, weights=None):
    if weights is None:
        weights, uniform = np.empty(0, Z.dtype), 1 / Z.shape[0]
    else:
        uniform = 0.0
    return loop(Y, Z, weights, uniform), Z
