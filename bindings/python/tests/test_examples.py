"""The Python example runs as written."""
import os
import subprocess
import sys

from conftest import ROOT


def test_python_example_runs():
    script = os.path.join(ROOT, "examples", "python", "fit_chinchilla.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "alpha=0.3473" in r.stdout and "tokens/param=17.9" in r.stdout


def test_compare_laws_example_runs():
    script = os.path.join(ROOT, "examples", "python", "compare_laws.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "chinchilla" in r.stdout and "kaplan_nd" in r.stdout and "L(C) =" in r.stdout


def test_transfer_example_runs():
    script = os.path.join(ROOT, "examples", "python", "transfer_from_proxy.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "lm_head.weight" in r.stdout and "residual branches x 0.25" in r.stdout and "Step Law" in r.stdout
