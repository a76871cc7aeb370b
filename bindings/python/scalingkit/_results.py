"""What every result object offers: ``to_dict()`` for JSON and logs, ``to_frame()`` for pandas."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict

import numpy as np


def plain(value: Any) -> Any:
    """A result as plain Python values: dataclasses as dicts (private fields left out), arrays as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class Result:
    """Mixed into the result dataclasses."""

    def to_dict(self) -> Dict[str, Any]:
        """The fields as plain Python values (nested results as dicts, arrays as lists): ready for ``json.dumps``."""
        return plain(self)

    def to_frame(self):
        """A pandas DataFrame: one row per item for results that hold a list of items (points, groups, budgets,
        cells, fits), else one row of the scalar fields."""
        import pandas as pd
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
                return pd.DataFrame([plain(v) for v in value])
        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])


@dataclass(frozen=True)
class ComputeOptimalPlan(Result):
    """Train ``N`` parameters on ``D`` tokens with ``compute`` = 6ND FLOPs (Hoffmann et al. 2022, eq. 4)."""

    compute: float
    N: float
    D: float
    tokens_per_parameter: float
    loss: float
    #: N_opt ∝ C^a
    a: float
    #: D_opt ∝ C^b
    b: float
