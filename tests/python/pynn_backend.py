"""The backend under test for the pyNN.spikeworm tests: the build's pyNN_spikeworm (next to the spikeworm
module on PYTHONPATH), whatever scripts/install-python linked into Debian's pyNN. Exits 77 (skipped)
without pyNN, neo, numpy or pytest."""
import os
import sys
import tempfile

try:
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pyNN
    import neo  # noqa: F401
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

import spikeworm

_BACKEND = os.path.join(os.path.dirname(os.path.dirname(spikeworm.__file__)), "pyNN_spikeworm")
if "pyNN.spikeworm" not in sys.modules:
    _link = tempfile.mkdtemp(prefix="pynn-spikeworm-")
    os.symlink(_BACKEND, os.path.join(_link, "spikeworm"))
    pyNN.__path__.insert(0, _link)
import pyNN.spikeworm as sim  # noqa: E402

assert os.path.realpath(os.path.dirname(sim.__file__)) == os.path.realpath(_BACKEND)
