"""What every result object offers: ``to_dict()`` for JSON and logs, ``to_frame()`` for pandas."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict

import numpy as np


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Result:
    """Mixed into the result dataclasses."""

    def to_dict(self) -> Dict[str, Any]:
        """The fields as plain Python values (nested results as dicts, arrays as lists): ready for ``json.dumps``."""
        return _plain(self)

    def to_frame(self):
        """A pandas DataFrame: one row per item for results that hold a list of items (points, groups, budgets,
        cells, fits), else one row of the scalar fields."""
        import pandas as pd
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
                return pd.DataFrame([_plain(v) for v in value])
        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])
