"""Penalties on the connection weights: value, proximal operator, gradient."""

from skreg.penalties._group import GroupL0, GroupL1, row_groups
from skreg.penalties._separable import L0, L1, L2

__all__ = ["GroupL0", "GroupL1", "L0", "L1", "L2", "row_groups"]
