"""Every target of the Python fuzz campaign (bindings/python/fuzz/fuzz_public.py), briefly: any exception other
than ScalingKitError, a crash, or NaN in a successful result fails. The full campaign (10^6 calls) is run by hand;
its count is in the issue notes."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

pytest.importorskip("hypothesis")
_PATH = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_public.py"
_spec = importlib.util.spec_from_file_location("fuzz_public", _PATH)
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)


@pytest.mark.parametrize("name", sorted(fuzz.TARGETS))
def test_fuzz_target(name):
    calls = fuzz.run_target(name, examples=40)
    assert calls > 0, f"{name}: no public call was made (the strategy never reached the library)"
