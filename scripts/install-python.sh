#!/usr/bin/env bash
# Builds and installs the Python module `handoff` for python3 (or $PYTHON),
# offline: Debian's pybind11 and setuptools, no build isolation, nothing
# downloaded. Then `python3 -c "import handoff"` works.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
python=${PYTHON:-python3}
flags=(--no-build-isolation --no-index)
# Debian marks its own Python as externally managed (PEP 668); installing
# this one package into it is what we are asked to do.
if "$python" -c 'import sys, sysconfig, os; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")) else 1)'; then
  flags+=(--break-system-packages)
fi
if ! "$python" -c 'import setuptools, wheel' 2>/dev/null; then
  # setuptools builds a wheel with the `wheel` package, which an interpreter
  # of its own (pyenv, say) may lack and PyPI cannot give here: Debian's
  # (pure Python) serves, for this build only.
  shim=$(mktemp -d)
  trap 'rm -rf "$shim"' EXIT
  # The package and its metadata, which registers the bdist_wheel command.
  for p in /usr/lib/python3/dist-packages/wheel /usr/lib/python3/dist-packages/wheel-*-info; do ln -s "$p" "$shim/"; done
  "$python" -c 'import setuptools' 2>/dev/null || ln -s /usr/lib/python3/dist-packages/setuptools "$shim/setuptools"
  export PYTHONPATH="$shim${PYTHONPATH:+:$PYTHONPATH}"
fi
"$python" -m pip install "${flags[@]}" ./bindings/python
"$python" -c 'import handoff; print("handoff", handoff.__version__, "for", __import__("sys").executable)'
