"""Penalties on groups of weights: the group lasso and the group L0.

A group is a row of a weight matrix: the outgoing weights of one input feature
or one hidden unit. In the flat weight vector (matrices in C order) each row is
contiguous, so the groups of a matrix are the rows of a reshape and every
operation below is a vectorised pass over a block of equal-size groups.
``groups`` is a tuple of such blocks ``(start, stop, size)``; weights outside
every block carry no penalty. :func:`row_groups` builds the blocks from the
layer sizes. Groups of several inputs, named by labels, are sets of rows that
need not be contiguous: :class:`InputGroups` gathers them into blocks.

``step`` is as for the separable penalties: a scalar for SGD, one value per
weight for Adam. With per-weight steps each prox below is the exact minimiser
in Adam's metric (ProxGen), not an approximation by a group-average step.
"""

from itertools import pairwise

import numpy as np

from skreg.penalties._separable import L0, L1

GROUPINGS = ("weights", "inputs", "neurons")


def row_groups(layer_units, grouping):
    """The blocks of row groups of the flat weight vector for ``grouping``.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, inputs first, outputs last.
    grouping : {'inputs', 'neurons'}
        'neurons': every row of every weight matrix is a group (the outgoing
        weights of an input or a hidden unit). 'inputs': every row of the
        first matrix is a group, and every other weight its own group of one.

    Returns
    -------
    groups : tuple of (int, int, int)
        Blocks ``(start, stop, size)``: ``w[start:stop]`` holds groups of
        ``size`` consecutive weights.
    """
    blocks, start = [], 0
    for fan_in, fan_out in pairwise(layer_units):
        stop = start + fan_in * fan_out
        blocks.append((start, stop, fan_out))
        start = stop
    if grouping == "neurons":
        return tuple(blocks)
    if grouping == "inputs":
        first = blocks[0]
        rest = ((first[1], start, 1),) if start > first[1] else ()
        return (first, *rest)
    raise ValueError(f"Unknown grouping {grouping!r}; expected 'inputs' or 'neurons'.")


def _rows(a, start, stop, size):
    return a[start:stop].reshape(-1, size)


def _stacked_row_dots(A, B):
    return np.matmul(A[:, None, :], B[:, :, None])[:, 0, 0]


# The dot product of each row pair. numpy >= 2.0's vecdot (a gufunc) takes
# about 0.8x the time of the stacked matmul on the blocks of a (256, 128)
# network, which is 1.3x faster than einsum's "ij,ij->i" and 3x faster than
# (A * B).sum(axis=1).
_row_dots = getattr(np, "vecdot", _stacked_row_dots)


def _row_sq_norms(V):
    return _row_dots(V, V)


def _plus_rows(C, r, out):
    """``C + r[:, None]`` into ``out``. numpy's broadcast add took 1.2x to
    1.6x the time of a broadcast copy and an in-place add on the blocks of a
    (256, 128) network, for the same result."""
    out[...] = r[:, None]
    out += C
    return out


class _GroupPenalty:
    """Shared plumbing: the blocks, and a prox that visits each one."""

    # The separable penalty a block of one-weight groups reduces to.
    _separable = None

    def __init__(self, alpha, groups):
        self.alpha = alpha
        # Tuples all the way down: the compiled step caches its tiling of
        # the weights by them.
        self.groups = tuple(map(tuple, groups))

    def prox(self, w, step, out=None):
        """Proximal operator for step size ``step``, group by group.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights after a gradient step.
        step : float or ndarray of shape (n_weights,)
            The step size of that gradient step, one per weight under Adam.
        out : ndarray of shape (n_weights,), default=None
            Where to write the result; may be ``w`` itself.

        Returns
        -------
        w_prox : ndarray of shape (n_weights,)
            ``argmin_x sum((x - w) ** 2 / (2 * step)) + alpha * R(x)``.
        """
        if out is None:
            out = w.copy()
        elif out is not w:
            out[...] = w
        if self.alpha == 0:
            return out
        scalar_step = np.ndim(step) == 0
        separable = self._separable(self.alpha)
        for start, stop, size in self.groups:
            s = step if scalar_step else step[start:stop]
            if size == 1:
                block = out[start:stop]
                separable.prox(block, s, out=block)
            else:
                s = s if scalar_step else s.reshape(-1, size)
                self._prox_rows(_rows(out, start, stop, size), s, size)
        return out


class GroupL1(_GroupPenalty):
    r"""Group lasso over rows of the weight matrices.

    .. math::

        \alpha R(w) = \alpha \sum_g \sqrt{|g|}\, \lVert w_g \rVert_2, \qquad
        \operatorname{prox}_{\eta \alpha R}(w)_g
            = \max\!\left(1 - \frac{\eta \alpha \sqrt{|g|}}{\lVert w_g \rVert_2},
              0\right) w_g

    The prox is block soft thresholding: a group whose norm is below
    :math:`\eta\alpha\sqrt{|g|}` becomes exactly zero as a whole. With one
    step :math:`\eta_j` per weight (Adam) it is the exact minimiser of
    :math:`\sum_j (x_j - w_j)^2 / (2\eta_j) + \alpha\sqrt{|g|}\lVert x\rVert`:
    zero when :math:`\lVert w_g / \eta_g \rVert_2 \le \alpha\sqrt{|g|}`, else
    :math:`x_j = w_j\, r / (r + \alpha\sqrt{|g|}\,\eta_j)` with :math:`r` the
    root of :math:`\sum_j w_j^2 / (r + \alpha\sqrt{|g|}\,\eta_j)^2 = 1`,
    found by Newton's method. Groups of one weight are the plain L1 penalty.

    Parameters
    ----------
    alpha : float
        Strength of the penalty.
    groups : tuple of (int, int, int)
        Blocks ``(start, stop, size)`` of groups, see :func:`row_groups`.
    """

    convex = True
    _separable = L1
    # Newton on a concave increasing function from below: monotone, and
    # quadratic near the root.
    _newton_iter = 30
    _newton_residual = 1e-4

    def value(self, w):
        """Penalty value, ``alpha`` included.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights.

        Returns
        -------
        value : float
            ``alpha * R(w)``.
        """
        total = 0.0
        for start, stop, size in self.groups:
            norms = np.sqrt(_row_sq_norms(_rows(w, start, stop, size)))
            total += np.sqrt(size) * float(norms.sum())
        return self.alpha * total

    def _prox_rows(self, V, step, size):
        lam = self.alpha * np.sqrt(size)
        if np.ndim(step) == 0:
            # In V's dtype: a float64 scale made the product 3x slower in
            # float32 (a casting loop). A row no longer than the threshold
            # gets 1 - 1 = 0; a nan row stays nan.
            threshold = V.dtype.type(lam * step)
            if threshold > 0:
                norms = np.sqrt(_row_sq_norms(V))
                V *= (1 - threshold / np.maximum(norms, threshold))[:, None]
            return
        # The group is zero iff 0 is in its subdifferential in Adam's metric:
        # iff ||v / c|| <= 1, with c_j = lam * eta_j. Newton's start r0 (see
        # _adam_metric_scale) is positive only on rows that are kept, as
        # ||v / c|| > ||u(r0)|| >= 1 there: where it is positive on every row
        # (a block with no row zero or nearly so), the test's division pass
        # is saved.
        C = np.multiply(step, lam, dtype=V.dtype)
        D, U = np.empty_like(V), np.empty_like(V)
        norm2 = _row_sq_norms(V)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0: a zero row
            r = np.sqrt(norm2) - _row_dots(np.multiply(V, V, out=D), C) / norm2
        if (r > 0).all():
            V *= self._adam_metric_scale(V, C, r, D, U)
            return
        keep = _row_sq_norms(np.divide(V, C, out=D)) > 1
        rows = np.flatnonzero(keep)
        kept, n = V[rows], rows.size
        if n:
            kept *= self._adam_metric_scale(
                kept, C[rows], np.maximum(r[rows], 0), D[:n], U[:n]
            )
        # Times 0, not = 0: a nan row stays nan, as under SGD and in the
        # compiled step, so that a diverging fit shows in its next loss.
        V *= 0
        V[rows] = kept

    def _adam_metric_scale(self, V, C, r, D, U):
        """Factors r / (r + c_j) of rows known to be non-zero after the prox,
        from Newton's start ``r``, written into ``D`` (``U`` is scratch).

        The prox is x_j = v_j r / (r + c_j) with c_j = lam * eta_j, where
        r = ||x|| solves ||u(r)|| = 1 for u_j = v_j / (r + c_j). Newton runs on
        psi(r) = 1 / ||u(r)||, which is concave and increasing (as in the
        trust-region secular equation): from a start below the root it climbs
        to it monotonically. The start is ||v|| - c_bar (or 0 if that is
        negative), with c_bar the mean of the c_j weighted by v_j^2: by
        Jensen's inequality (1 / (r + c)^2 is convex in c) ||u|| >= 1 there,
        so it is below the root, and it is the root when all c_j are equal.
        Its residual was 1e-6 on Adam's steps in a fit, where ||v|| - max(c)
        left 1e-2 to 0.3: one Newton step instead of two.

        A start second-order in the spread of the c_j, verified by its
        residual and taken without a Newton step where that was below 1e-6,
        was 18% faster in float32 at alpha=1e-4 and 2% at 1e-3 (more groups
        then failed the test), for an answer 100x less exact: not taken.
        """
        # An iteration makes a broadcast copy, an add, two divisions (numpy's
        # reciprocal is slower than a division) and two row dot products.
        # Each row iterates until its own residual is small, so that a row's
        # result does not depend on the others in its block (the compiled
        # step takes the rows one at a time). The first iteration, usually
        # the only one, takes every row in place.
        r, residual = _newton_step(V, C, r, D, U)
        active = np.flatnonzero(np.abs(residual) > self._newton_residual)
        for _ in range(self._newton_iter - 1):
            if not active.size:
                break
            r[active], residual = _newton_step(V[active], C[active], r[active])
            active = active[np.abs(residual) > self._newton_residual]
        return np.divide(r[:, None], _plus_rows(C, r, out=D), out=D)


def _newton_step(V, C, r, D=None, U=None):
    """One Newton step of :meth:`GroupL1._adam_metric_scale` on each row:
    the new ``r`` and the residual ``1 - psi(r)`` it started from."""
    D = _plus_rows(C, r, out=np.empty_like(V) if D is None else D)
    U = np.divide(V, D, out=U)
    h = _row_sq_norms(U)  # ||u||^2
    psi = 1 / np.sqrt(h)
    # psi' = h^(-3/2) sum(v^2 / (r + c)^3) = psi / h * sum(u * u / (r + c))
    dpsi = psi / h * _row_dots(U, np.divide(U, D, out=D))
    residual = 1 - psi
    # Newton squares the relative error: a step from a residual of 1e-4
    # lands within ~1e-8, so no evaluation is needed to confirm.
    return r + residual / dpsi, residual


class GroupL0(_GroupPenalty):
    r"""Group L0 over rows: ``alpha`` times the number of weights in non-zero groups.

    .. math::

        \alpha R(w) = \alpha \sum_g |g|\, \mathbb{1}[w_g \neq 0], \qquad
        \operatorname{prox}_{\eta \alpha R}(w)_g
            = w_g\, \mathbb{1}\!\left[\sum_{j \in g} \frac{w_j^2}{2\eta_j}
              > \alpha |g|\right]

    ``alpha`` stays the price of one weight kept, and a group is kept whole
    (unshrunk) when the loss it saves, :math:`\sum_j w_j^2 / (2\eta_j)`,
    exceeds its price :math:`\alpha|g|`; otherwise it is zeroed whole. With a
    single step :math:`\eta` the test is
    :math:`\lVert w_g \rVert_2 > \sqrt{2\eta\alpha|g|}`. The rule is exact for
    one step per weight (Adam) too. Groups of one weight are the plain L0
    penalty.

    Parameters
    ----------
    alpha : float
        Strength of the penalty.
    groups : tuple of (int, int, int)
        Blocks ``(start, stop, size)`` of groups, see :func:`row_groups`.
    """

    convex = False
    _separable = L0

    def value(self, w):
        """Penalty value, ``alpha`` included.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights.

        Returns
        -------
        value : float
            ``alpha * R(w)``.
        """
        total = 0
        for start, stop, size in self.groups:
            nonzero_rows = np.any(_rows(w, start, stop, size) != 0, axis=1)
            total += size * int(np.count_nonzero(nonzero_rows))
        return self.alpha * float(total)

    def _prox_rows(self, V, step, size):
        if np.ndim(step) == 0:
            saved = _row_sq_norms(V)
            price = 2 * self.alpha * size * step
        else:
            saved = _row_dots(V, V / step)
            price = 2 * self.alpha * size
        V[saved <= price] = 0


GROUP_PENALTIES = {"l0": GroupL0, "l1": GroupL1}


def labelled_input_groups(layer_units, labels):
    """Groups of inputs given by one label per input.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, inputs first, outputs last.
    labels : array-like of shape (n_inputs,)
        The group of each input; the inputs of one label form one group.

    Returns
    -------
    index : ndarray of shape (n_inputs * n_hidden,)
        The weights of the first matrix in an order where each group's rows
        are contiguous, the groups sorted by size: ``w[index]``.
    groups : tuple of (int, int, int)
        Blocks ``(start, stop, size)`` over ``w[index]``, one per group size.
    """
    n_inputs, fan_out = layer_units[0], layer_units[1]
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_inputs:
        raise ValueError(
            f"penalty_groups has {labels.size} labels in shape {labels.shape} "
            f"for {n_inputs} input features: give one group label per column "
            "of X, or use 'inputs' or 'neurons'. Where a Pipeline makes the "
            "columns (OneHotEncoder), fix the transformer's categories, so "
            "that every fit, in every fold, makes the same columns."
        )
    try:
        _, group, counts = np.unique(labels, return_inverse=True, return_counts=True)
    except TypeError as error:
        raise ValueError(
            f"penalty_groups' labels must be comparable to each other ({error})."
        ) from error
    size = counts[group]
    # By size, then label, then column: one block per group size.
    rows = np.lexsort((group, size))
    index = (rows[:, None] * fan_out + np.arange(fan_out)).ravel()
    blocks, start = [], 0
    for k in np.unique(size):
        stop = start + int(np.count_nonzero(size == k)) * fan_out
        blocks.append((start, stop, int(k) * fan_out))
        start = stop
    return index, tuple(blocks)


class InputGroups:
    r"""A group penalty over groups of inputs given by labels.

    The rows of the first weight matrix (the outgoing weights of the inputs)
    that share a label form one group of :math:`k \times` ``n_hidden``
    weights, so a one-hot encoded categorical feature, say, is kept or
    dropped whole; every other weight is its own group, as with 'inputs'.
    Its value and prox are those of ``penalty_class`` (:class:`GroupL1` or
    :class:`GroupL0`) over these groups: the first matrix's weights are
    gathered so that each group is contiguous, and scattered back. The
    estimators train on the inputs reordered by :attr:`rows` instead, with
    the parameters reordered the same way, where the penalty is
    :attr:`reordered`, a plain block penalty that the compiled steps fuse;
    this one gives the penalty in the user's order (the path's values).

    Parameters
    ----------
    penalty_class : {GroupL1, GroupL0}
        The group penalty.
    alpha : float
        Strength of the penalty.
    layer_units : list of int
        Units per layer, inputs first, outputs last.
    labels : array-like of shape (n_inputs,)
        The group of each input.
    """

    def __init__(self, penalty_class, alpha, layer_units, labels):
        self.alpha = alpha
        self.convex = penalty_class.convex
        self.index, groups = labelled_input_groups(layer_units, labels)
        self._inner = penalty_class(alpha, groups)
        # Past the first matrix every weight is a group of one.
        self._rest = penalty_class._separable(alpha)
        self._split = self.index.size
        self._fan_out = layer_units[1]
        n_weights = sum(a * b for a, b in pairwise(layer_units))
        rest = ((self._split, n_weights, 1),) if n_weights > self._split else ()
        self.reordered = penalty_class(alpha, (*groups, *rest))

    @property
    def rows(self):
        """The inputs in the order that makes each group's rows contiguous:
        on ``X[:, rows]``, with the first matrix's weights ``w[index]``, this
        penalty is :attr:`reordered`, a plain group penalty over blocks."""
        return self.index[:: self._fan_out] // self._fan_out

    def value(self, w):
        """Penalty value, ``alpha`` included.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights.

        Returns
        -------
        value : float
            ``alpha * R(w)``.
        """
        head, rest = w[: self._split], w[self._split :]
        return self._inner.value(head[self.index]) + self._rest.value(rest)

    def prox(self, w, step, out=None):
        """Proximal operator for step size ``step``, group by group.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights after a gradient step.
        step : float or ndarray of shape (n_weights,)
            The step size of that gradient step, one per weight under Adam.
        out : ndarray of shape (n_weights,), default=None
            Where to write the result; may be ``w`` itself.

        Returns
        -------
        w_prox : ndarray of shape (n_weights,)
            ``argmin_x sum((x - w) ** 2 / (2 * step)) + alpha * R(x)``.
        """
        out = np.empty_like(w) if out is None else out
        split, index = self._split, self.index
        head_step = step if np.ndim(step) == 0 else step[:split][index]
        rest_step = step if np.ndim(step) == 0 else step[split:]
        gathered = w[:split][index]  # a copy: out may be w
        out[:split][index] = self._inner.prox(gathered, head_step, out=gathered)
        self._rest.prox(w[split:], rest_step, out=out[split:])
        return out
