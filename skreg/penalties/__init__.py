"""Penalties on the connection weights: value, proximal operator, gradient."""

from skreg.penalties._separable import L0, L1, L2

__all__ = ["L0", "L1", "L2"]
