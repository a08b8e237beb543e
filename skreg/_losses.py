"""Data-fit losses, each paired with the output activation it is canonical for.

A loss reads the raw network output ``Z`` (before the output activation) and
returns the weighted mean loss together with ``dL/dZ``. Computing the value
from ``Z`` rather than from probabilities keeps it finite without clipping, so
the value and the gradient are those of exactly the same function (unlike
scikit-learn's MLP, which clips probabilities for the value only). With a
canonical link the gradient is ``(inverse_link(Z) - Y) * weight`` for all four.

All losses sum over outputs and take the (weighted) mean over samples.
"""

import numpy as np
from scipy.special import expit, logsumexp, xlogy


def _weighted_mean(per_sample, weights):
    if weights is None:
        return float(per_sample.mean())
    return float(per_sample @ weights)


def _delta(prediction, Y, weights):
    """``dL/dZ`` in ``prediction``'s buffer: the canonical link's
    ``(prediction - Y)``, times each sample's share of the mean."""
    prediction -= Y
    if weights is None:
        prediction /= prediction.shape[0]
    else:
        prediction *= weights[:, np.newaxis]
    return prediction


def _softmax(Z):
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


class _CanonicalLoss:
    """Shared gradient of a loss used with its canonical output activation."""

    def value(self, Y, Z, weights=None):
        """Weighted mean loss; ``weights`` as in :meth:`value_and_delta`."""
        return float(_weighted_mean(self._per_sample(Y, Z), weights))

    def value_and_delta(self, Y, Z, weights=None):
        """Weighted mean loss and its gradient with respect to ``Z``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets, in the dtype of ``Z``.
        Z : ndarray of shape (n_samples, n_outputs)
            Raw network output. Overwritten with the gradient.
        weights : ndarray of shape (n_samples,) or None
            Sample weights normalised to sum to one; None means uniform.

        Returns
        -------
        value : float
        delta : ndarray of shape (n_samples, n_outputs)
            ``Z``'s buffer, holding ``dL/dZ``.
        """
        value = _weighted_mean(self._per_sample(Y, Z), weights)
        return value, _delta(self.inverse_link(Z), Y, weights)

    def best_constant(self, Y, weights=None):
        """The raw output, equal for every sample, of least weighted mean loss.

        It is the link of the (weighted) mean target: what a network with
        every weight zero can at best output through its last intercepts.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
        weights : ndarray of shape (n_samples,) or None
            Sample weights; None means uniform.

        Returns
        -------
        Z : ndarray of shape (1, n_outputs)
        """
        mean = np.average(Y, axis=0, weights=weights)[np.newaxis]
        return self._link(mean)


class HalfSquaredError(_CanonicalLoss):
    """``0.5 * sum_k (y_k - z_k)**2``, with the identity as output."""

    out_activation = "identity"

    def _per_sample(self, Y, Z):
        diff = Z - Y
        return 0.5 * np.einsum("ij,ij->i", diff, diff)

    def inverse_link(self, Z):
        return Z

    def _link(self, mean):
        return mean


class HalfPoissonDeviance(_CanonicalLoss):
    """``sum_k exp(z_k) - y_k z_k + y_k log(y_k) - y_k``, with exp as output."""

    out_activation = "exp"

    def _per_sample(self, Y, Z):
        return (np.exp(Z) - Y * Z + xlogy(Y, Y) - Y).sum(axis=1)

    def inverse_link(self, Z):
        return np.exp(Z, out=Z)

    def _link(self, mean):
        # A target that is zero everywhere is best fitted in the limit
        # z -> -inf; the smallest normal number stands in for it.
        return np.log(np.maximum(mean, np.finfo(mean.dtype).tiny))


class BinaryLogLoss(_CanonicalLoss):
    """Logistic loss per output: binary and multilabel classification."""

    out_activation = "logistic"

    def _per_sample(self, Y, Z):
        return (np.logaddexp(0, Z) - Y * Z).sum(axis=1)

    def inverse_link(self, Z):
        return expit(Z, out=Z)

    def _link(self, mean):
        tiny = np.finfo(mean.dtype).tiny
        return np.log(np.maximum(mean, tiny)) - np.log(np.maximum(1 - mean, tiny))


class MultinomialLogLoss(_CanonicalLoss):
    """Softmax cross-entropy: multiclass classification, one-hot ``Y``."""

    out_activation = "softmax"

    def _per_sample(self, Y, Z):
        return logsumexp(Z, axis=1) - np.einsum("ij,ij->i", Y, Z)

    def value_and_delta(self, Y, Z, weights=None):
        # One exp over the logits gives both the log-sum-exp (the loss) and
        # the softmax (the delta). scipy's logsumexp then a separate softmax
        # took two, plus ~250 us of per-call overhead per minibatch.
        Z -= Z.max(axis=1, keepdims=True)
        # With one-hot rows the shift cancels: lse(z) - y.z is the same
        # computed on the shifted logits.
        target = np.einsum("ij,ij->i", Y, Z)
        np.exp(Z, out=Z)
        total = Z.sum(axis=1, keepdims=True)
        value = _weighted_mean(np.log(total[:, 0]) - target, weights)
        Z /= total
        return value, _delta(Z, Y, weights)

    def inverse_link(self, Z):
        return _softmax(Z)

    def _link(self, mean):
        return np.log(np.maximum(mean, np.finfo(mean.dtype).tiny))


LOSSES = {
    "squared_error": HalfSquaredError,
    "poisson": HalfPoissonDeviance,
    "binary_log_loss": BinaryLogLoss,
    "log_loss": MultinomialLogLoss,
}

# The loss each output activation is canonical for: prediction needs only the
# fitted out_activation_, never the (possibly since changed) loss parameter.
OUTPUT_LOSSES = {loss.out_activation: loss for loss in LOSSES.values()}
