"""Shared fixtures of the Python tests. ctest runs them (tests/CMakeLists
section of CMakeLists.txt) with COGSCOPE_LIB (the build's libcogscope.so),
COGSCOPE_BIN (the build's cogscope) and PYTHONPATH=python; run by hand from
the repository root after a build, they find build/ by default."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("COGSCOPE_LIB", os.path.join(ROOT, "build", "libcogscope.so"))
sys.path.insert(0, os.path.join(ROOT, "python"))
BIN = os.environ.get("COGSCOPE_BIN", os.path.join(ROOT, "build", "cogscope"))
DATA = os.path.join(ROOT, "tests", "data")


def run_cli(*args, check=True):
    """Run the cogscope binary; returns the CompletedProcess."""
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"cogscope {' '.join(map(str, args))} exited {p.returncode}:\n"
                             f"{p.stderr}")
    return p


def cli_json(*args):
    """`cogscope ARGS --json` parsed."""
    return json.loads(run_cli(*args, "--json").stdout)


def write_table(path, a):
    """Write a samples x columns table that the CLI parses to the same doubles."""
    np.savetxt(path, np.atleast_2d(np.asarray(a, dtype=float).T).T, fmt="%.17g")
    return str(path)


@pytest.fixture
def cli():
    return cli_json


@pytest.fixture
def data_path():
    return lambda name: os.path.join(DATA, name)
