"""Reads of the intervention model, always through the case's one door.

One module per topic, as `services/` is cut: `maps` (strengths–risk maps). This `__init__`
re-exports every public name, so `from buoy.plans.selectors import get_factor_map_for` works;
names with a leading underscore are shared between the package's modules only.
"""

from buoy.plans.selectors.maps import (
    CodebookFactor,
    codebook_factors,
    factor_maps_of,
    factor_maps_visible_to,
    factor_values,
    get_factor_map_for,
    latest_map,
    map_comparison,
)

__all__ = [
    "CodebookFactor",
    "codebook_factors",
    "factor_maps_of",
    "factor_maps_visible_to",
    "factor_values",
    "get_factor_map_for",
    "latest_map",
    "map_comparison",
]
