"""The code's shape (issue 13): no module over 600 lines, so each keeps to one seam."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600
MODULES = sorted((ROOT / "assistant").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_600_lines(module: Path):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.relative_to(ROOT)} has {lines} lines; split it"
