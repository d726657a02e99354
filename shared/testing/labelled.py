"""Where the labelled chat data lives: in the repository, so a fresh clone runs every quality test.

`data/labelled/` is a copy of the development scenarios (see its README). Quality is also judged on chat
that is not here, so nothing may be tuned to these files alone.
"""

from __future__ import annotations

from pathlib import Path

LABELLED_DIR = Path(__file__).resolve().parents[2] / "data" / "labelled"
SCENARIO_GLOBS = ("*-uk.json", "*-en.json", "mixed-*.json")


def scenario_files() -> list[Path]:
    """The ordered conversations (`messages[]` with labels and, where signal exists, expected extraction)."""
    return sorted({p for pattern in SCENARIO_GLOBS for p in LABELLED_DIR.glob(pattern)})
