"""The network math without an estimator: layout, losses and backward pass."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit, softmax
from sklearn.metrics import log_loss

from skreg._activations import ACTIVATIONS
from skreg._losses import LOSSES, OUTPUT_LOSSES
from skreg._network import (
    init_params,
    loss_and_gradient,
    n_weights,
    pack,
    raw_output,
    unpack,
)

rng = np.random.RandomState(0)
X = rng.randn(7, 4)
LAYERS = [4, 5, 3, 2]


def _targets(loss_name, n, k, random_state):
    if loss_name == "log_loss":
        return np.eye(k)[random_state.randint(k, size=n)]
    if loss_name == "binary_log_loss":
        return random_state.randint(2, size=(n, k)).astype(float)
    if loss_name == "poisson":
        return random_state.poisson(2.0, size=(n, k)).astype(float)
    return random_state.randn(n, k)


def test_unpack_views_cover_theta_weights_first():
    theta = np.arange(n_weights(LAYERS) + sum(LAYERS[1:]), dtype=float)
    coefs, intercepts = unpack(theta, LAYERS)
    assert [W.shape for W in coefs] == [(4, 5), (5, 3), (3, 2)]
    assert [b.shape for b in intercepts] == [(5,), (3,), (2,)]
    # The weights are the prefix of theta: what the penalties rely on.
    assert coefs[-1].ravel()[-1] == n_weights(LAYERS) - 1
    coefs[0][0, 0] = -1.0
    assert theta[0] == -1.0
    assert_allclose(pack(coefs, intercepts, float), theta)


def test_init_matches_scikit_learn_draws():
    """Same random_state, same starting weights as MLPClassifier."""
    from sklearn.neural_network import MLPClassifier

    layers = [4, 5, 3, 3]
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    # A vanishing learning rate leaves sklearn's weights at their initial draw.
    sk = MLPClassifier(
        hidden_layer_sizes=(5, 3), max_iter=1, learning_rate_init=1e-300,
        random_state=3,
    )  # fmt: skip
    with pytest.warns(Warning, match="Maximum iterations"):
        sk.fit(X, y)
    theta = init_params(layers, "relu", np.random.RandomState(3), np.float64)
    coefs, intercepts = unpack(theta, layers)
    for ours, theirs in zip(
        coefs + intercepts, sk.coefs_ + sk.intercepts_, strict=True
    ):
        assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(loss_name, activation, weighted):
    r = np.random.RandomState(1)
    layers = [4, 5, 3, 3]
    Y = _targets(loss_name, X.shape[0], layers[-1], r)
    weights = r.rand(X.shape[0]) if weighted else None
    if weighted:
        weights /= weights.sum()
    theta = init_params(layers, activation, r, np.float64)
    loss = LOSSES[loss_name]()

    def value(th):
        return loss_and_gradient(th, layers, X, Y, weights, activation, loss)[0]

    _, grad = loss_and_gradient(theta, layers, X, Y, weights, activation, loss)
    eps = 1e-6
    numeric = np.empty_like(theta)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = eps
        numeric[j] = (value(theta + step) - value(theta - step)) / (2 * eps)
    assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_sparse_input_gives_the_dense_gradient():
    theta = init_params(LAYERS, "tanh", np.random.RandomState(0), np.float64)
    Y = _targets("squared_error", X.shape[0], 2, np.random.RandomState(0))
    loss = LOSSES["squared_error"]()
    X_sparse = X.copy()
    X_sparse[X_sparse < 0.3] = 0
    dense = loss_and_gradient(theta, LAYERS, X_sparse, Y, None, "tanh", loss)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = loss_and_gradient(theta, LAYERS, fmt(X_sparse), Y, None, "tanh", loss)
        assert sparse[0] == pytest.approx(dense[0])
        assert_allclose(sparse[1], dense[1])


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_sample_weight_is_repetition(loss_name):
    """Integer weights give exactly the objective and gradient of repeated rows."""
    r = np.random.RandomState(2)
    Y = _targets(loss_name, X.shape[0], 2, r)
    counts = r.randint(0, 4, size=X.shape[0])
    counts[0] = 1
    theta = init_params(LAYERS, "relu", r, np.float64)
    loss = LOSSES[loss_name]()
    weighted = loss_and_gradient(
        theta, LAYERS, X, Y, counts / counts.sum(), "relu", loss
    )
    repeated = loss_and_gradient(
        theta, LAYERS, X.repeat(counts, axis=0), Y.repeat(counts, axis=0), None,
        "relu", loss,
    )  # fmt: skip
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    assert_allclose(weighted[1], repeated[1], rtol=1e-10, atol=1e-14)


def test_loss_values_match_their_formulas():
    r = np.random.RandomState(3)
    Z = r.randn(6, 3)
    y = r.randint(3, size=6)
    onehot = np.eye(3)[y]
    value, _ = LOSSES["log_loss"]().value_and_delta(onehot, Z.copy())
    assert value == pytest.approx(log_loss(y, softmax(Z, axis=1)))

    Yb = r.randint(2, size=(6, 3)).astype(float)
    P = expit(Z)
    expected = -np.mean(np.sum(Yb * np.log(P) + (1 - Yb) * np.log(1 - P), axis=1))
    value, _ = LOSSES["binary_log_loss"]().value_and_delta(Yb, Z.copy())
    assert value == pytest.approx(expected)

    # Squared error: summed over outputs, averaged over samples (gh-8349).
    Yr = r.randn(6, 3)
    value, _ = LOSSES["squared_error"]().value_and_delta(Yr, Z.copy())
    assert value == pytest.approx(0.5 * np.sum((Yr - Z) ** 2) / 6)

    Yp = r.poisson(1.0, size=(6, 3)).astype(float)
    mu = np.exp(Z)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(Yp > 0, Yp * np.log(Yp / mu), 0.0)
    expected = np.sum(ylogy - Yp + mu) / 6
    value, _ = LOSSES["poisson"]().value_and_delta(Yp, Z.copy())
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_best_constant_is_the_constant_of_least_loss(loss_name, weighted):
    """The regularization path's yardstick: what an all-zero network can fit.
    At the optimum the gradient of the mean loss over a constant is zero, and
    a nudge of any output only raises the loss."""
    r = np.random.RandomState(4)
    Y = _targets(loss_name, 40, 3, r)
    weights = r.uniform(0.1, 1, 40) if weighted else None
    w = None if weights is None else weights / weights.sum()
    loss = LOSSES[loss_name]()
    Z0 = loss.best_constant(Y, w)
    assert Z0.shape == (1, 3)
    value, delta = loss.value_and_delta(Y, np.repeat(Z0, 40, axis=0), w)
    assert_allclose(delta.sum(axis=0), 0, atol=1e-12)
    for k in range(3):
        for shift in (-1e-3, 1e-3):
            Z = np.repeat(Z0, 40, axis=0)
            Z[:, k] += shift
            assert loss.value_and_delta(Y, Z, w)[0] > value


def test_log_loss_stays_finite_for_saturated_outputs():
    Z = np.array([[800.0, -800.0, 0.0]])
    Y = np.array([[0.0, 1.0, 0.0]])
    value, delta = LOSSES["log_loss"]().value_and_delta(Y, Z.copy())
    assert value == pytest.approx(1600.0)
    assert np.isfinite(delta).all()


def test_output_losses_cover_every_out_activation():
    assert set(OUTPUT_LOSSES) == {"identity", "exp", "logistic", "softmax"}


@pytest.mark.parametrize("weighted", [False, True])
def test_chunked_full_batch_equals_one_chunk(weighted):
    """L-BFGS's memory-bounded gradient: chunks add up to the full batch."""
    r = np.random.RandomState(4)
    X_big = r.randn(103, 4)
    Y = _targets("log_loss", 103, 2, r)
    sw = r.rand(103) if weighted else None
    theta = init_params(LAYERS, "tanh", r, np.float64)
    loss = LOSSES["log_loss"]()
    whole = loss_and_gradient(theta, LAYERS, X_big, Y, sw, "tanh", loss)
    # 2 * sum(LAYERS) = 28 floats per row: chunks of 3 rows, 35 of them.
    chunked = loss_and_gradient(theta, LAYERS, X_big, Y, sw, "tanh", loss, 100)
    assert chunked[0] == pytest.approx(whole[0], rel=1e-12)
    assert_allclose(chunked[1], whole[1], rtol=1e-10, atol=1e-15)


def test_raw_output_in_chunks_equals_one_block():
    theta = init_params(LAYERS, "relu", np.random.RandomState(5), np.float64)
    coefs, intercepts = unpack(theta, LAYERS)
    X_big = np.random.RandomState(6).randn(50, 4)
    whole = raw_output(X_big, coefs, intercepts, "relu")
    for fmt in (np.asarray, sp.csr_matrix):
        chunked = raw_output(fmt(X_big), coefs, intercepts, "relu", max_floats=20)
        assert_allclose(chunked, whole)
