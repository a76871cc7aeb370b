"""The README's Python examples run as written, from the repository root."""
import os
import re

import pytest

from conftest import ROOT

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index, monkeypatch, capsys):
    pytest.importorskip("pandas")
    for module in re.findall(r"^(?:import|from) (\w+)", BLOCKS[index], flags=re.M):   # e.g. transformers
        pytest.importorskip(module)
    monkeypatch.chdir(ROOT)
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert out.strip() and "None" not in out and "nan" not in out   # every block prints what it computed
