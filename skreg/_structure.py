"""Which inputs and units a sparse network uses, and the network without the rest.

Pure functions over the ``coefs`` and ``intercepts`` lists. A hidden unit
matters when a path of non-zero weights reaches it from an input and another
leads from it to the output. A unit no path reaches outputs a constant, which
can be folded into the next layer's intercepts; a unit with no path onward
affects nothing. Removing both kinds leaves the same function on fewer units.
"""

import numpy as np

from skreg._activations import ACTIVATIONS


def used_inputs(coefs):
    """Boolean mask of the inputs with a non-zero outgoing weight."""
    return np.any(coefs[0] != 0, axis=1)


def n_used_inputs(coefs):
    """Number of inputs with a non-zero outgoing weight."""
    return int(np.count_nonzero(used_inputs(coefs)))


def n_active_units(coefs):
    """Number of units per hidden layer that connect input to output."""
    return [int(np.count_nonzero(mask)) for mask in active_units(coefs)]


def _reached(coefs):
    """Per hidden layer, the units a non-zero path from an input reaches."""
    reached, previous = [], used_inputs(coefs)
    for W in coefs[:-1]:
        previous = np.any(W[previous] != 0, axis=0)
        reached.append(previous)
    return reached


def _leading(coefs):
    """Per hidden layer, the units with a non-zero path to an output."""
    leading, following = [], np.ones(coefs[-1].shape[1], dtype=bool)
    for W in coefs[:0:-1]:
        following = np.any(W[:, following] != 0, axis=1)
        leading.append(following)
    return leading[::-1]


def active_units(coefs):
    """Per hidden layer, a boolean mask of the units that connect input to output.

    Parameters
    ----------
    coefs : list of ndarray
        The weight matrices, inputs first.

    Returns
    -------
    active : list of ndarray of bool
        One mask per hidden layer.
    """
    return [
        reached & leading
        for reached, leading in zip(_reached(coefs), _leading(coefs), strict=True)
    ]


def compact_network(coefs, intercepts, activation):
    """The same function on the active units only, in new arrays.

    Units that no path reaches have a constant activation: it is added,
    through their outgoing weights, to the next layer's intercepts, then they
    are removed with the units that lead nowhere. A hidden layer left with no
    unit keeps one whose weights and intercept are zero, since every layer
    needs a unit; it contributes nothing.

    Parameters
    ----------
    coefs : list of ndarray
        The weight matrices, inputs first.
    intercepts : list of ndarray
        The intercept vectors.
    activation : str
        Hidden activation name.

    Returns
    -------
    coefs, intercepts : list of ndarray
        The smaller network. ``coefs[0]`` keeps one row per input.
    """
    coefs = [W.copy() for W in coefs]
    intercepts = [b.copy() for b in intercepts]
    hidden = ACTIVATIONS[activation]
    # Front to back, so that a layer's constants are known before the next
    # layer is examined.
    for i in range(len(coefs) - 1):
        reached = np.any(coefs[i] != 0, axis=0)
        constant = hidden(intercepts[i][~reached].copy())
        intercepts[i + 1] += constant @ coefs[i + 1][~reached]
        coefs[i] = coefs[i][:, reached]
        intercepts[i] = intercepts[i][reached]
        coefs[i + 1] = coefs[i + 1][reached]
    for i in range(len(coefs) - 1, 0, -1):
        leading = np.any(coefs[i] != 0, axis=1)
        coefs[i] = coefs[i][leading]
        coefs[i - 1] = coefs[i - 1][:, leading]
        intercepts[i - 1] = intercepts[i - 1][leading]
    for i in range(len(coefs) - 1):
        if coefs[i].shape[1] == 0:
            coefs[i] = np.zeros((coefs[i].shape[0], 1), dtype=coefs[i].dtype)
            intercepts[i] = np.zeros(1, dtype=intercepts[i].dtype)
            coefs[i + 1] = np.zeros((1, coefs[i + 1].shape[1]), coefs[i + 1].dtype)
    return coefs, intercepts
