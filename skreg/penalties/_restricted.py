"""A penalty on a fixed support: the relaxed refit of a sparse model."""

import numpy as np


class Restricted:
    r"""A penalty whose weights outside ``support`` are held at zero.

    .. math::

        R_S(w) = R(w) + \iota_{\{w_{\bar S} = 0\}}(w), \qquad
        \operatorname{prox}(w)_j = \begin{cases}
            \operatorname{prox}_R(w)_j & j \in S \\ 0 & j \notin S
        \end{cases}

    The relaxed refit (Meinshausen, 2007) keeps the zeros a sparse fit chose
    and refits the other weights under a mild penalty, removing the
    shrinkage the sparse penalty put on them. The stochastic solvers and
    proximal gradient see the constraint through ``prox``; L-BFGS-B through
    ``fixed``, as bounds that pin those weights at zero.

    Parameters
    ----------
    penalty : penalty object
        The penalty on the support; smooth if 'lbfgs' is to run.
    support : ndarray of bool of shape (n_weights,)
        The weights free to move.
    """

    def __init__(self, penalty, support):
        self.penalty = penalty
        self.support = np.asarray(support, dtype=bool)
        self.alpha = penalty.alpha
        # A linear subspace constraint keeps a convex penalty convex.
        self.convex = getattr(penalty, "convex", False)
        if callable(getattr(penalty, "gradient", None)):
            self.gradient = penalty.gradient

    @property
    def fixed(self):
        """Mask of the weights held at zero."""
        return ~self.support

    def value(self, w):
        """Penalty value on the support, ``alpha`` included.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights, zero outside the support.

        Returns
        -------
        value : float
        """
        return self.penalty.value(w)

    def prox(self, w, step, out=None):
        """The inner prox on the support, zero outside it.

        Parameters
        ----------
        w : ndarray of shape (n_weights,)
            The weights after a gradient step.
        step : float or ndarray of shape (n_weights,)
            The step size of that gradient step.
        out : ndarray of shape (n_weights,), default=None
            Where to write the result; may be ``w`` itself.

        Returns
        -------
        w_prox : ndarray of shape (n_weights,)
        """
        out = self.penalty.prox(w, step, out=out)
        out[self.fixed] = 0
        return out
