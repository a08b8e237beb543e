"""From the estimator's strings to a penalty object, resolved once in fit."""

from skreg.penalties._group import (
    GROUP_PENALTIES,
    GROUPINGS,
    InputGroups,
    row_groups,
)
from skreg.penalties._separable import PENALTIES

__all__ = ["GROUPINGS", "PENALTIES", "make_penalty"]


def make_penalty(name, alpha, grouping, layer_units):
    """The penalty object for ``penalty=name`` and ``penalty_groups=grouping``:
    a string of ``GROUPINGS``, or one group label per input.

    Raises
    ------
    ValueError
        For a grouping of a penalty that groups cannot change (L2), or labels
        that do not match the inputs.
    """
    labelled = not isinstance(grouping, str)
    if not labelled and grouping == "weights":
        return PENALTIES[name](alpha)
    if name not in GROUP_PENALTIES:
        described = " as labels" if labelled else f"={grouping!r}"
        removed = "input groups" if labelled else grouping
        raise ValueError(
            f"penalty={name!r} is separable: grouping its weights changes "
            f"nothing, so penalty_groups{described} would be ignored. Use "
            f"penalty_groups='weights' with penalty={name!r}, or penalty in "
            f"{sorted(GROUP_PENALTIES)} to remove whole {removed}."
        )
    if labelled:
        return InputGroups(GROUP_PENALTIES[name], alpha, layer_units, grouping)
    return GROUP_PENALTIES[name](alpha, row_groups(layer_units, grouping))
