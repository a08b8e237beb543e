"""The network math: parameter layout, initialisation, forward and backward passes.

Pure functions over arrays. All parameters live in one flat vector ``theta``:
every weight matrix first (layer by layer, C order), then every intercept. The
weights are therefore the contiguous prefix ``theta[:n_weights(layer_units)]``,
so a penalty, its proximal operator or an optimizer step is one vectorised
operation on a slice rather than a Python loop over layers.
"""

from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from skreg import _kernels as kernels


def n_weights(layer_units):
    """Number of connection weights (the penalized parameters)."""
    return sum(a * b for a, b in pairwise(layer_units))


def unpack(theta, layer_units):
    """Views of ``theta`` as lists of weight matrices and intercept vectors."""
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in pairwise(layer_units):
        end = start + fan_in * fan_out
        coefs.append(theta[start:end].reshape(fan_in, fan_out))
        start = end
    for fan_out in layer_units[1:]:
        intercepts.append(theta[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def pack(coefs, intercepts, dtype):
    """A new flat vector holding ``coefs`` then ``intercepts``."""
    return np.concatenate([np.ravel(p) for p in [*coefs, *intercepts]]).astype(
        dtype, copy=False
    )


def init_params(layer_units, activation, random_state, dtype):
    """Glorot-uniform initialisation (Glorot & Bengio, 2010).

    The random draws are made in the same order and with the same bounds as
    scikit-learn's MLP, so both start from identical weights for the same
    ``random_state``: benchmarks and comparisons then measure the training,
    not the luck of the draw.
    """
    # Glorot's factor is 6 for tanh-like units, 2 for the logistic (its slope
    # at 0 is 1/4).
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in pairwise(layer_units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(random_state.uniform(-bound, bound, fan_out))
    return pack(coefs, intercepts, dtype)


def _dot(A, W):
    if sp.issparse(A):
        return np.asarray(A @ W)
    return A @ W


def _n_params(coefs, intercepts):
    return sum(p.size for p in [*coefs, *intercepts])


def forward(X, coefs, intercepts, activation, bias_activation):
    """Activations of every layer.

    ``bias_activation`` is the hidden layers' first pass of
    :func:`skreg._kernels.sweep`.

    Returns
    -------
    activations : list of ndarray
        ``[X, hidden_1, ..., hidden_k, Z]`` with ``Z`` the raw output, before
        the output activation (which belongs to the loss).
    """
    activations = [X]
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        A = _dot(activations[-1], W)
        if i < last:
            bias_activation(A, b)
        else:
            A += b
        activations.append(A)
    return activations


def raw_output(X, coefs, intercepts, activation, max_floats=1 << 18):
    """The raw output ``Z`` of :func:`forward`, computed in row chunks.

    Each chunk's widest layer holds at most ``max_floats`` values, so the
    activations stay in cache for the elementwise passes and prediction memory
    does not grow with ``n_samples * width``.
    """
    n_samples = X.shape[0]
    hidden_values = n_samples * sum(W.shape[1] for W in coefs[:-1])
    n_params = _n_params(coefs, intercepts)
    sweep = kernels.forward_sweep(activation, n_params, hidden_values)
    rows = max(1, max_floats // max(W.shape[1] for W in coefs))
    if n_samples <= rows:
        return forward(X, coefs, intercepts, activation, sweep)[-1]
    dtype = np.result_type(X.dtype, coefs[0].dtype)
    Z = np.empty((n_samples, coefs[-1].shape[1]), dtype=dtype)
    for start in range(0, n_samples, rows):
        layers = forward(X[start : start + rows], coefs, intercepts, activation, sweep)
        Z[start : start + rows] = layers[-1]
    return Z


def backprop(params, grads, X, Y, weights, activation, loss):
    """Loss and gradient of one batch, on views unpacked once by the caller.

    The training loop calls this once per minibatch, so it avoids re-slicing
    the flat vectors each time.

    Parameters
    ----------
    params, grads : tuple of (list of ndarray, list of ndarray)
        ``(coefs, intercepts)`` views of the parameters and of the gradient
        buffer, which is overwritten.
    X, Y, activation, loss
        As in :func:`loss_and_gradient`.
    weights : ndarray of shape (n_samples,) or None
        The samples' shares of the loss (summing to one over a whole batch,
        less over a chunk of one); None means uniform over this batch.

    Returns
    -------
    value : float
    """
    coefs, intercepts = params
    grad_coefs, grad_intercepts = grads
    n_params = _n_params(coefs, intercepts)
    bias_activation, activation_delta = kernels.sweep(activation, n_params)
    activations = forward(X, coefs, intercepts, activation, bias_activation)
    value_and_delta = kernels.loss_delta(loss, n_params)
    value, delta = value_and_delta(Y, activations[-1], weights)
    kernels.column_sums(delta, out=grad_intercepts[-1])
    for i in range(len(coefs) - 1, -1, -1):
        A = activations[i]
        if sp.issparse(A):
            grad_coefs[i][...] = A.T @ delta
        else:
            np.matmul(A.T, delta, out=grad_coefs[i])
        if i > 0:
            # The hidden layer's intercept gradient comes with its delta.
            delta = delta @ coefs[i].T
            activation_delta(delta, A, grad_intercepts[i - 1])
    return value


def loss_and_gradient(
    theta, layer_units, X, Y, sample_weight, activation, loss, max_floats=1 << 22
):
    """Mean data loss over all of ``X`` and its gradient, computed in row chunks.

    Each chunk's weights are its share of the whole sample's, so the chunks'
    losses and gradients add up to exactly the full-batch ones, while the
    activations held at once stay under ``max_floats`` values instead of
    growing with ``n_samples * width`` (scikit-learn's L-BFGS path holds them
    all).

    Parameters
    ----------
    theta : ndarray of shape (n_params,)
        Flat parameters, see :func:`unpack`.
    layer_units : list of int
        Units per layer, inputs first, outputs last.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Sparse input must be CSR or CSC (row slicing of CSC is slow).
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
        Sample weights, normalised here; None means uniform.
    activation : str
        Hidden activation name.
    loss : loss object from :mod:`skreg._losses`
    max_floats : int, default=2**22
        Budget of activation and delta values per chunk.

    Returns
    -------
    value : float
        The data loss only; the penalty is the optimizer's business.
    grad : ndarray of shape (n_params,)
    """
    n_samples = X.shape[0]
    rows = max(1, max_floats // (2 * sum(layer_units)))
    if sample_weight is None:
        weights = np.full(n_samples, 1 / n_samples, dtype=theta.dtype)
    else:
        weights = sample_weight / sample_weight.sum()
    grad = np.zeros_like(theta)
    chunk_grad = np.empty_like(theta)
    grads = grad if rows >= n_samples else chunk_grad
    views = unpack(grads, layer_units)
    params = unpack(theta, layer_units)
    value = 0.0
    for start in range(0, n_samples, rows):
        chunk = slice(start, start + rows)
        value += backprop(
            params, views, X[chunk], Y[chunk], weights[chunk], activation, loss
        )
        if grads is chunk_grad:
            grad += chunk_grad
    return value, grad
