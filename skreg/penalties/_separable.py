"""Penalties that act weight by weight: L0, L1 and L2.

A penalty is its value plus its proximal operator, plus a gradient where it is
smooth. ``step`` is the step size of the gradient step the prox follows: a
scalar for SGD, one value per weight for Adam (its preconditioned step, as in
ProxGen). ``value`` includes ``alpha``. ``convex`` tells the full-batch
solvers whether a quasi-Newton model of the objective is safe to minimise.
"""

import numpy as np


class L2:
    r"""Squared L2 penalty (weight decay).

    .. math::

        \alpha R(w) = \frac{\alpha}{2} \sum_j w_j^2, \qquad
        \nabla = \alpha w, \qquad
        \operatorname{prox}_{\eta \alpha R}(w) = \frac{w}{1 + \eta \alpha}

    Parameters
    ----------
    alpha : float
        Strength of the penalty.
    """

    convex = True

    def __init__(self, alpha):
        self.alpha = alpha

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
        return 0.5 * self.alpha * float(w @ w)

    def gradient(self, w):
        """Gradient of the penalty.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights.

        Returns
        -------
        grad : ndarray of shape (n_weights,)
            ``alpha * w``.
        """
        return self.alpha * w

    def prox(self, w, step, out=None):
        """Proximal operator for step size ``step``.

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
            ``argmin_x ||x - w||^2 / (2 * step) + alpha * R(x)``.
        """
        return np.divide(w, np.multiply(step, self.alpha, dtype=w.dtype) + 1, out=out)


class L1:
    r"""L1 penalty (lasso).

    .. math::

        \alpha R(w) = \alpha \sum_j |w_j|, \qquad
        \operatorname{prox}_{\eta \alpha R}(w)_j
            = \operatorname{sign}(w_j) \max(|w_j| - \eta \alpha, 0)

    Its sub-gradient :math:`\alpha \operatorname{sign}(w)` moves a weight by a
    constant but never lands on zero; soft thresholding does.

    Parameters
    ----------
    alpha : float
        Strength of the penalty.
    """

    convex = True

    def __init__(self, alpha):
        self.alpha = alpha

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
        return self.alpha * float(np.abs(w).sum())

    def orthant_gradient(self, w):
        """Gradient of the penalty restricted to ``w >= 0``, where it is linear.

        This is what lets L-BFGS-B solve the L1 problem exactly: with
        ``w = p - n`` and ``p, n >= 0`` the penalty is ``alpha * sum(p + n)``,
        a smooth function on the box the solver's bounds enforce.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            Non-negative weights (one part of the split).

        Returns
        -------
        grad : ndarray of shape (n_weights,)
            ``alpha`` for every weight.
        """
        return np.full_like(w, self.alpha)

    def prox(self, w, step, out=None):
        """Soft thresholding at ``alpha * step``.

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
            ``argmin_x ||x - w||^2 / (2 * step) + alpha * R(x)``.
        """
        threshold = np.multiply(step, self.alpha, dtype=w.dtype)
        if threshold.ndim == 0:
            # numpy's minimum and maximum against a scalar skip their
            # vectorized loop: 4x slower in float32 than against an array,
            # which costs one write to fill.
            threshold = np.full(w.shape, threshold)
        # w - clip(w, -t, t) is the soft threshold, and avoids copysign, which
        # is several times slower than these ufuncs on float64.
        clipped = np.minimum(w, threshold)
        np.maximum(clipped, np.negative(threshold, out=threshold), out=clipped)
        return np.subtract(w, clipped, out=out)


class L0:
    r"""L0 penalty: ``alpha`` times the number of non-zero weights.

    .. math::

        \alpha R(w) = \alpha \, \#\{j : w_j \neq 0\}, \qquad
        \operatorname{prox}_{\eta \alpha R}(w)_j
            = w_j \, \mathbb{1}\left[|w_j| > \sqrt{2 \eta \alpha}\right]

    Not differentiable, not convex; its proximal operator is hard
    thresholding, which keeps a weight only when the loss it saves,
    :math:`w_j^2 / (2\eta)`, exceeds its price :math:`\alpha`.

    Parameters
    ----------
    alpha : float
        Strength of the penalty.
    """

    convex = False

    def __init__(self, alpha):
        self.alpha = alpha

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
        return self.alpha * float(np.count_nonzero(w))

    def prox(self, w, step, out=None):
        """Hard thresholding at ``sqrt(2 * alpha * step)``.

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
            ``argmin_x ||x - w||^2 / (2 * step) + alpha * R(x)``.
        """
        # Compare squares: no square root of a per-weight step array. And
        # multiply by the mask: copyto(where=) is ~5x slower.
        keep = np.multiply(w, w) > np.multiply(step, 2 * self.alpha, dtype=w.dtype)
        return np.multiply(w, keep, out=out)


PENALTIES = {"l0": L0, "l1": L1, "l2": L2}
