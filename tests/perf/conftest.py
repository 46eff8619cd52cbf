"""``bench`` lives at the repository root, outside the installed packages (as in tests/bench)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
# tests/bench can be picked up as a namespace package named "bench": forget it.
if "bench" in sys.modules and getattr(sys.modules["bench"], "__file__", None) is None:
    del sys.modules["bench"]
