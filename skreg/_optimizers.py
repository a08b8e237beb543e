"""Optimizers over the flat parameter vector: SGD, Adam and L-BFGS.

Each receives the gradient of the data loss only and applies the penalty its
own way: the stochastic solvers by a proximal step on the weights after each
update, L-BFGS by adding the penalty's gradient to a smooth objective. Each
declares the penalty methods it needs in ``required_penalty_methods`` (a tuple
of alternatives, each a tuple of method names), checked before any training.
"""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning


def _supports(solver, penalty):
    return any(
        all(callable(getattr(penalty, name, None)) for name in methods)
        for methods in solver.required_penalty_methods
    )


def check_penalty_support(solver_name, penalty, described):
    """Raise a ValueError naming what is missing and which solvers would work.

    ``described`` names the penalty as the user chose it, e.g.
    ``"penalty='l1'"``.
    """
    solver = SOLVERS[solver_name]
    if _supports(solver, penalty):
        return
    needs = " or ".join(
        " and ".join(f"`{m}`" for m in methods)
        for methods in solver.required_penalty_methods
    )
    able = sorted(name for name, s in SOLVERS.items() if _supports(s, penalty))
    raise ValueError(
        f"solver={solver_name!r} does not support {described}: it needs a "
        f"penalty with {needs}, which {type(penalty).__name__} does not have. "
        f"Use solver in {able} for {described}."
    )


def _flush_subnormals(*arrays):
    """Set subnormal entries to 0, in place.

    Optimizer state of weights whose gradient stays 0 (dead units, pruned
    inputs) decays geometrically into subnormal floats, on which every later
    pass runs many times slower (seen with Adam and l0 in float32 within 5
    epochs, and in 35% of SGD's velocity after a long partial_fit stream).
    They are 0 for any purpose.
    """
    for a in arrays:
        a[np.abs(a) < np.finfo(a.dtype).tiny] = 0


class _StochasticOptimizer:
    required_penalty_methods = (("prox",),)
    # Per-step work buffers: reallocated after unpickling rather than stored
    # in every pickled estimator.
    _scratch = ()

    def __init__(self, learning_rate_init):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k not in self._scratch}

    def __setstate__(self, state):
        vars(self).update(state)
        like = state["m"] if "m" in state else state["velocity"]
        for name in self._scratch:
            setattr(self, name, np.empty_like(like))

    def iteration_ends(self, time_step):
        """Hook called at the end of each epoch with the samples seen so far."""

    def trigger_stopping(self, msg, verbose):
        """Whether training stops when the loss or score stagnates."""
        if verbose:
            print(msg + " Stopping.")
        return True


class SGD(_StochasticOptimizer):
    """Proximal stochastic gradient descent with (Nesterov) momentum.

    The gradient step follows scikit-learn's ``SGDOptimizer``; the penalty's
    proximal operator is then applied to the weights with the current
    learning rate as step size.
    """

    def __init__(
        self,
        theta,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        super().__init__(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros_like(theta)
        self._tmp = np.empty_like(theta)

    _scratch = ("_tmp",)

    def step(self, theta, grad, penalty, n_weights):
        """One update of ``theta`` in place, then the prox on its weights."""
        lr, mu, v, tmp = self.learning_rate, self.momentum, self.velocity, self._tmp
        v *= mu
        np.multiply(grad, lr, out=tmp)
        v -= tmp  # v = mu v - lr g
        if self.nesterov:
            theta -= tmp
            np.multiply(v, mu, out=tmp)
            theta += tmp  # theta += mu v - lr g
        else:
            theta += v
        w = theta[:n_weights]
        penalty.prox(w, lr, out=w)

    def iteration_ends(self, time_step):
        _flush_subnormals(self.velocity)
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        if self.lr_schedule != "adaptive":
            return super().trigger_stopping(msg, verbose)
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False


class Adam(_StochasticOptimizer):
    """Proximal Adam (ProxGen with Adam's preconditioner).

    Adam's update is ``-eta * m_hat`` with the per-coordinate step
    ``eta = lr * sqrt(1 - beta_2**t) / (sqrt(v) + epsilon)``; the penalty's prox
    then uses that same ``eta`` per weight (Yun, Lozano & Yang, NeurIPS 2021,
    Algorithm 1 with the diagonal preconditioner of Adam).
    """

    def __init__(
        self, theta, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        super().__init__(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros_like(theta)
        self.v = np.zeros_like(theta)
        self._eta = np.empty_like(theta)
        self._update = np.empty_like(theta)

    _scratch = ("_eta", "_update")

    def iteration_ends(self, time_step):
        _flush_subnormals(self.m, self.v)

    def step(self, theta, grad, penalty, n_weights):
        """One update of ``theta`` in place, then the prox on its weights."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        m, v, eta, tmp = self.m, self.v, self._eta, self._update
        # In-place passes over preallocated buffers: at minibatch sizes an
        # optimizer step costs as much as a layer's matmul. (BLAS axpy/scal
        # would be faster alone, but interleaved with the gemms OpenBLAS's
        # thread hand-offs made an epoch 10x slower.)
        np.subtract(grad, m, out=tmp)
        tmp *= 1 - b1
        m += tmp  # m = b1 m + (1 - b1) g
        np.multiply(grad, grad, out=tmp)
        tmp -= v
        tmp *= 1 - b2
        v += tmp  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=eta)
        eta += self.epsilon
        np.divide(self.learning_rate * np.sqrt(1 - b2**self.t), eta, out=eta)
        np.multiply(eta, m, out=tmp)
        tmp *= 1 / (1 - b1**self.t)
        theta -= tmp
        w = theta[:n_weights]
        penalty.prox(w, eta[:n_weights], out=w)


class LBFGS:
    """Full-batch L-BFGS-B on the penalized objective.

    A smooth penalty (``gradient``) is added to the objective. A penalty that
    is smooth on ``w >= 0`` and symmetric (``orthant_gradient``, i.e. L1) is
    solved exactly by splitting ``w = p - n`` with ``p, n >= 0`` enforced by
    L-BFGS-B's bounds: at the optimum at most one of ``p_j, n_j`` is non-zero
    and weights with both at their bound are exactly zero.
    """

    required_penalty_methods = (("gradient",), ("orthant_gradient",))

    def __init__(self, max_iter=200, max_fun=15000, tol=1e-4, verbose=False):
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.verbose = verbose

    def minimize(self, fun, theta0, penalty, n_weights):
        """Minimise ``fun(theta)[0] + penalty.value(theta[:n_weights])``.

        Parameters
        ----------
        fun : callable
            ``fun(theta) -> (data_loss, gradient)``, both of the data loss only.
        theta0 : ndarray of shape (n_params,)
            Starting point.
        penalty : penalty object
        n_weights : int
            Length of the penalized prefix of ``theta``.

        Returns
        -------
        theta : ndarray of shape (n_params,), in ``theta0``'s dtype
        n_iter : int
        loss_curve : list of float
            Objective after each iteration.
        objective : float
            ``fun(theta)[0] + penalty.value(theta[:n_weights])`` at the
            returned ``theta``, without another call to ``fun``.
        """
        dtype, nw = theta0.dtype, n_weights
        split = not callable(getattr(penalty, "gradient", None))
        if split:
            w = theta0[:nw]
            z0 = np.concatenate([np.maximum(w, 0), np.maximum(-w, 0), theta0[nw:]])
            lower = np.r_[np.zeros(2 * nw), np.full(theta0.size - nw, -np.inf)]
            bounds = scipy.optimize.Bounds(lower, np.inf)
        else:
            z0, bounds = theta0, None

        def to_theta(z):
            z = z.astype(dtype, copy=False)
            if not split:
                return z
            return np.concatenate([z[:nw] - z[nw : 2 * nw], z[2 * nw :]])

        def objective(z):
            theta = to_theta(z)
            loss, grad = fun(theta)
            if not split:
                w = theta[:nw]
                grad[:nw] += penalty.gradient(w)
                return loss + penalty.value(w), grad.astype(np.float64)
            p, n = z[:nw], z[nw : 2 * nw]
            g = np.empty(z.size)
            g[:nw] = grad[:nw] + penalty.orthant_gradient(p)
            g[nw : 2 * nw] = penalty.orthant_gradient(n) - grad[:nw]
            g[2 * nw :] = grad[nw:]
            return loss + penalty.value(p) + penalty.value(n), g

        loss_curve = []

        def callback(intermediate_result):
            loss_curve.append(float(intermediate_result.fun))
            if self.verbose:
                print(f"Iteration {len(loss_curve)}, loss = {loss_curve[-1]:.8f}")

        result = scipy.optimize.minimize(
            objective,
            z0.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            bounds=bounds,
            callback=callback,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
                # scipy's default also stops when f decreases by under 2e-9
                # relative in one iteration, which the L1 split does long
                # before the optimum (7e-4 above it on breast cancer, one
                # non-zero too many). tol is documented as the only rule.
                "ftol": 0.0,
            },
        )
        n_iter = min(result.nit, self.max_iter)
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {n_iter} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter "
                "or max_fun, or scale the data, e.g. with StandardScaler.",
                ConvergenceWarning,
                stacklevel=3,
            )
        objective = float(result.fun)
        if split:
            # result.fun prices p + n; the penalty of w = p - n may be less
            # where both parts are non-zero.
            p, n = result.x[:nw], result.x[nw : 2 * nw]
            objective += penalty.value(p - n) - penalty.value(p) - penalty.value(n)
        return to_theta(result.x), n_iter, loss_curve, objective


SOLVERS = {"sgd": SGD, "adam": Adam, "lbfgs": LBFGS}
