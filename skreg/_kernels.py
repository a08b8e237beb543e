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
('l2', 'l1', 'l0') fused in. Under a group penalty the step takes its
blocks of row groups row by row, each row's prox fused in: the penalty's
own algorithm (under Adam's per-weight steps, for the group lasso, the same
Newton iterations); a last block of one-weight groups ('inputs' groups past
the first matrix) is fused as the separable penalty it is. A restricted
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
# but where a division was saved (a few ulps apart): Adam's l2 shrink, folded
# into its step, and the group lasso's test for zero and, in float64, its
# final factors.


def _adam_step(code):
    """One proximal Adam step with the prox ``code`` fused in, as a function
    to compile: its weights are ``theta``'s first ``n_weights``."""

    # ``code`` is a constant of each compiled step, so that no branch is left
    # in its loops. With the code an argument, LLVM kept the store of the
    # steps as a masked store in every loop; each ran a microcode assist on
    # pages of ``eta`` never written (np.empty), which made a float64 l2
    # step 20x slower (1.5 ms for 59,000 parameters).
    def step(theta, grad, m, v, eta, n_weights, step_size, one_b1, one_b2,
             epsilon, bias_1, alpha, two_alpha):  # fmt: skip
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
        # (or over range(start, stop)): those stayed scalar, 10x slower.
        w, b = slice(0, n_weights), slice(n_weights, theta.size)
        run(theta[w], grad[w], m[w], v[w], eta[w], code)
        run(theta[b], grad[b], m[b], v[b], eta[b], _PLAIN)

    return step


# Under a group penalty whose blocks of row groups tile the weights (the
# estimators' 'inputs' and 'neurons' groups) the step and the prox are one
# loop too, taken row by row: a row's updated weights and steps stay in
# small buffers, where its norms and Newton iterations read them, and are
# written once. One Adam step of a binary (256, 128) network under the group
# lasso took 3-4 ms less per epoch than a step writing every weight's step
# for a prox loop over the blocks after it (an epoch of 87 ms in float32).
# Block k is table[k] = (start, stop, size), its constant (the prox's lam,
# threshold or price) consts[k]. The loops repeat their step's update: a
# shared one would be a compiled function they close over, which numba does
# not cache (the dispatcher hashes differently in every process).


def _adam_group_step(kind):
    """One Adam step over blocks of row groups with the prox of the group
    lasso (``kind`` _L1) or the group L0 (_L0) fused in, as a function to
    compile. The arithmetic is :func:`_adam_step`'s, then the penalty's own
    prox of each row (``GroupL1._prox_rows``, ``GroupL0._prox_rows``)."""

    def step(theta, grad, m, v, table, consts, step_size, one_b1, one_b2,
             epsilon, bias_1, newton_iter, newton_residual, reuse, zero,
             one):  # fmt: skip
        for k in range(table.shape[0]):
            start, stop, size = table[k, 0], table[k, 1], table[k, 2]
            c = consts[k]
            # The row's tests compare sums of x_j * d_j terms (d_j =
            # step_size / e_j) with the constant times the step size, rather
            # than sums of x_j / e_j: a division per weight less (one step
            # over 58,881 parameters: float64 238 -> 202 us, float32 86 ->
            # 76 us).
            scaled_c = c * step_size
            # The row's updated weights, c times their steps, and the
            # reciprocals of Newton's last evaluation.
            x, cs = np.empty(size, theta.dtype), np.empty(size, theta.dtype)
            inv = np.empty(size, theta.dtype)
            for row in range(start, stop, size):
                T, G = theta[row : row + size], grad[row : row + size]
                M, V = m[row : row + size], v[row : row + size]
                scaled, norm2, weighted = zero, zero, zero
                for j in range(size):
                    g = G[j]
                    mj = M[j] + (g - M[j]) * one_b1
                    vj = V[j] + (g * g - V[j]) * one_b2
                    M[j] = mj
                    V[j] = vj
                    d = np.sqrt(vj) + epsilon
                    e = step_size / d
                    xj = T[j] - e * mj * bias_1
                    x[j] = xj
                    cs[j] = c * e
                    if kind == _L0:
                        scaled += xj * (xj * d)  # twice the loss saved, times step
                    else:
                        q = xj * d
                        scaled += q * q
                        norm2 += xj * xj
                        weighted += xj * xj * cs[j]
                if kind == _L0:
                    # The row is kept whole when it saves more than its
                    # price (a nan row stays nan).
                    for j in range(size):
                        T[j] = zero if scaled <= scaled_c else x[j]
                    continue
                # Zero iff 0 is in the row's subdifferential in Adam's
                # metric; x * 0 keeps a nan row nan.
                if not scaled > scaled_c * scaled_c:
                    for j in range(size):
                        T[j] = x[j] * zero
                    continue
                # Newton from ||x|| minus the x^2-weighted mean of c * e,
                # below the root (see _adam_metric_scale), until the row's
                # residual is small. With alpha 0 it stays at ||x||: x kept.
                r = max(np.sqrt(norm2) - weighted / norm2, zero)
                move = zero
                for _ in range(newton_iter):
                    h, dh = zero, zero
                    for j in range(size):
                        inv[j] = one / (r + cs[j])
                        t = x[j] * x[j] * inv[j] * inv[j]
                        h += t
                        dh += t * inv[j]
                    psi = one / np.sqrt(h)
                    residual = one - psi
                    move = residual / (psi / h * dh)
                    r = r + move
                    if not abs(residual) > newton_residual:
                        break
                # The factors r / (r + c e) at the final r. With ``reuse``
                # (float64), from the last evaluation's reciprocals: 1 / (r +
                # c e) is inv / (1 + u), u = move * inv, here inv (1 - u + u^2
                # - u^3), whose error u^4 is below float64's rounding where
                # every u is below 1e-4 (Newton's tolerance; in fits u was
                # ~1e-6). A division per weight less: 202 -> 190 us per step.
                # float32 divides at a fraction of float64's cost, and the
                # correction made its step slower (76 -> 84 us). A row barely
                # kept whose shortest-step weight is near zero can have u
                # ~0.4: it is divided anew. The test counts in theta's dtype:
                # an integer count made the loop slower.
                over = one
                if reuse:
                    over = zero
                    for j in range(size):
                        u = move * inv[j]
                        over += zero if u < newton_residual else one
                        T[j] = x[j] * (r * inv[j] * (one - u * (one - u * (one - u))))
                if over:
                    for j in range(size):
                        T[j] = x[j] * (r / (r + cs[j]))

    return step


def _sgd_group_step(kind):
    """One SGD step over blocks of row groups with the group lasso's (_L1)
    or the group L0's (_L0) prox under its one step fused in, as
    :func:`_adam_group_step`; the arithmetic is :func:`_sgd_step`'s."""

    def step(theta, grad, velocity, nesterov, table, consts, lr, momentum, zero,
             one):  # fmt: skip
        for k in range(table.shape[0]):
            start, stop, size = table[k, 0], table[k, 1], table[k, 2]
            c = consts[k]
            x = np.empty(size, theta.dtype)
            for row in range(start, stop, size):
                T, G = theta[row : row + size], grad[row : row + size]
                U = velocity[row : row + size]
                norm2 = zero
                for j in range(size):
                    move = G[j] * lr
                    uj = U[j] * momentum - move
                    U[j] = uj
                    xj = T[j] - move + uj * momentum if nesterov else T[j] + uj
                    x[j] = xj
                    norm2 += xj * xj
                if kind == _L0:
                    # Kept whole when its squared norm exceeds its price.
                    for j in range(size):
                        T[j] = zero if norm2 <= c else x[j]
                    continue
                # The norm shrinks by the threshold c, to zero if shorter.
                norm = np.sqrt(norm2)
                scale = one - c / norm if norm > c else zero
                for j in range(size):
                    T[j] = x[j] * scale

    return step


def _sgd_step(code):
    """One proximal SGD step with (Nesterov) momentum and the prox ``code``
    fused in, compiled as :func:`_adam_step`."""

    def step(theta, grad, velocity, nesterov, n_weights, lr, momentum, alpha,
             two_alpha):  # fmt: skip
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

        w, b = slice(0, n_weights), slice(n_weights, theta.size)
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
    """The compiled kernels; ``adam`` and ``sgd`` indexed by prox code,
    ``adam_group`` and ``sgd_group`` by the group penalty's (_L1, _L0)."""

    adam: tuple
    sgd: tuple
    adam_group: dict
    sgd_group: dict
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
        adam_group={kind: rows(_adam_group_step(kind)) for kind in (_L1, _L0)},
        sgd_group={kind: rows(_sgd_group_step(kind)) for kind in (_L1, _L0)},
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
    """How a step fuses ``penalty``'s prox: ``(code, start, blocks)``. The
    ``blocks`` of row groups, tiling the weights before ``start``, take the
    group step (:func:`_adam_group_step`) with their prox row by row; the
    weights from ``start`` on take the step with the prox ``code``.

    A separable penalty's prox is fused whole. So are a group penalty's
    blocks when they tile the weights in order (the estimators' groups do):
    a last block of one-weight groups up to ``n_weights`` ('inputs' groups:
    every weight past the first matrix) as the separable penalty it is, the
    others by the group step. Any other penalty leaves its prox to the
    caller (code _NO_PROX)."""
    code = prox_code(penalty)
    if code:
        return code, 0, ()
    if type(penalty) in _GROUP_KINDS:
        tiling = _tiling(penalty.groups, n_weights)
        if tiling is not None:
            return _PROX_CODES[penalty._separable], *tiling
    return _NO_PROX, 0, ()


@cache  # asked once per step, of a few distinct group layouts
def _tiling(groups, n_weights):
    """``(start, blocks)`` of :func:`_fusion` if ``groups`` tile the weights,
    else None."""
    blocks, start = list(groups), n_weights
    if blocks and blocks[-1][1:] == (n_weights, 1):
        start = blocks.pop()[0]
    ends = [0, *(stop for _, stop, _ in blocks)]
    if [first for first, _, _ in blocks] != ends[:-1] or ends[-1] != start:
        return None
    return start, tuple(blocks)


@cache  # asked once per step, of a few distinct group layouts
def _block_table(blocks):
    """The ``blocks`` of row groups as an array of ``(start, stop, size)``
    rows, and their group sizes as floats."""
    table = np.array(blocks, dtype=np.intp).reshape(-1, 3)
    return table, table[:, 2].astype(float)


def _group_step_args(penalty, blocks, dtype, step=1.0):
    """The block table and each block's constant for a group step: the
    group lasso's lam (times SGD's ``step``: its threshold) or the group
    L0's price, computed in float64 and cast, as the reference's are."""
    table, sizes = _block_table(blocks)
    if type(penalty) is GroupL1:
        consts = penalty.alpha * np.sqrt(sizes) * step
    else:
        consts = 2 * penalty.alpha * sizes * step
    return table, consts.astype(dtype)


# The group penalties a step fuses, by exact type, as _PROX_CODES.
_GROUP_KINDS = {GroupL1: _L1, GroupL0: _L0}


def adam(theta, grad, m, v, eta, tmp, scalars, penalty, n_weights):
    """One proximal Adam step; arguments as :func:`adam_numpy`."""
    kernels = _numba(theta.size)
    if kernels is None:
        return adam_numpy(theta, grad, m, v, eta, tmp, scalars, penalty, n_weights)
    # In theta's dtype, so float32 arithmetic stays float32.
    (code, start, blocks), cast = _fusion(penalty, n_weights), theta.dtype.type
    scalars = tuple(map(cast, scalars))
    if blocks:
        kind = _GROUP_KINDS[type(penalty)]
        newton = (
            (penalty._newton_iter, cast(penalty._newton_residual))
            if kind == _L1 else (0, cast(0))
        )  # fmt: skip
        kernels.adam_group[kind](
            theta, grad, m, v, *_group_step_args(penalty, blocks, theta.dtype),
            *scalars, *newton, theta.dtype == np.float64, cast(0), cast(1),
        )  # fmt: skip
        theta, grad, m, v, eta = (a[start:] for a in (theta, grad, m, v, eta))
        n_weights -= start
    alpha = penalty.alpha if code else 0
    kernels.adam[code](
        theta, grad, m, v, eta, n_weights, *scalars, cast(alpha), cast(2 * alpha)
    )
    if code == _NO_PROX:
        w = theta[:n_weights]
        penalty.prox(w, eta[:n_weights], out=w)


def sgd(theta, grad, velocity, tmp, lr, momentum, nesterov, penalty, n_weights):
    """One proximal SGD step; arguments as :func:`sgd_numpy`."""
    kernels = _numba(theta.size)
    if kernels is None:
        return sgd_numpy(
            theta, grad, velocity, tmp, lr, momentum, nesterov, penalty, n_weights
        )
    (code, start, blocks), cast = _fusion(penalty, n_weights), theta.dtype.type
    nesterov = bool(nesterov)
    if blocks:
        kernels.sgd_group[_GROUP_KINDS[type(penalty)]](
            theta, grad, velocity, nesterov,
            *_group_step_args(penalty, blocks, theta.dtype, lr), cast(lr),
            cast(momentum), cast(0), cast(1),
        )  # fmt: skip
        theta, grad, velocity = (a[start:] for a in (theta, grad, velocity))
        n_weights -= start
    alpha = penalty.alpha if code else 0
    kernels.sgd[code](
        theta, grad, velocity, nesterov, n_weights, cast(lr), cast(momentum),
        cast(alpha), cast(2 * alpha),
    )  # fmt: skip
    if code == _NO_PROX:
        w = theta[:n_weights]
        penalty.prox(w, lr, out=w)


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
