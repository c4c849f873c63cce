#!/usr/bin/env bash
# Creates the Python tooling venv at <repo>/.venv-tools and installs tools/requirements.txt into it
# (onnxruntime, tokenizers, numpy: the reference embedder and the benchmark's Python peer).
#
#   bash tools/setup-python.sh          # from anywhere; `npm run setup` calls it
#   PYTHON=python3.12 bash tools/setup-python.sh
#
# Idempotent and quick when nothing changed: a stamp file in the venv records the hash of
# requirements.txt and the interpreter version; pip runs only when they differ. A venv whose
# interpreter no longer starts (e.g. the base Python was removed) is rebuilt.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv-tools"
requirements="$repo_root/tools/requirements.txt"
stamp="$venv/.codesearch-requirements.sha256"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup-python: $python not found; install Python 3.11 or later (or set PYTHON=...)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup-python: $python is $("$python" -V 2>&1); tools/requirements.txt needs Python 3.11 or later (set PYTHON=...)" >&2
  exit 1
fi

python_version="$("$python" -c 'import sys; print(sys.version.split()[0])')"
wanted="$( (sha256sum "$requirements" 2>/dev/null || shasum -a 256 "$requirements") | cut -d' ' -f1) python-$python_version"

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c '' 2>/dev/null \
  && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0 # up to date
fi

# Rebuild from scratch when the interpreter changed or the venv is broken; otherwise reuse it.
if [[ -d "$venv" ]]; then
  venv_version="$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || true)"
  if [[ "$venv_version" != "$python_version" ]]; then
    rm -rf "$venv"
  fi
fi
if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup-python: creating $venv with $python ($python_version)" >&2
  "$python" -m venv "$venv"
fi

echo "setup-python: installing tools/requirements.txt into .venv-tools" >&2
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
"$venv/bin/python" -c 'import numpy, onnxruntime, tokenizers' # fail here, not in a test
echo "$wanted" >"$stamp"
echo "setup-python: done ($("$venv/bin/python" -c 'import onnxruntime, tokenizers, numpy; print(f"onnxruntime {onnxruntime.__version__}, tokenizers {tokenizers.__version__}, numpy {numpy.__version__}")'))" >&2
