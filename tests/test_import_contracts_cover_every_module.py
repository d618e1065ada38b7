"""Every module of every app sits in a layer of the inside-each-app contract, so that a new
module cannot escape the import rules by having a name the contract does not list."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import buoy

PACKAGE = Path(buoy.__file__).parent
NOT_CODE = {
    "__init__",
    "__pycache__",
    "migrations",
    "templates",
    "static",
    "library",
    "codebooks",
    "locale",
}
ENTRY_POINTS = {"__main__", "cli", "bench", "config", "demo"}


def _contracts() -> list[dict]:
    pyproject = PACKAGE.parent / "pyproject.toml"
    return tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]


def _layered_names(contract: dict) -> set[str]:
    names: set[str] = set()
    for layer in contract["layers"]:
        names.update(re.findall(r"[\w.]+", layer))
    return names


def _apps() -> list[Path]:
    return [p for p in sorted(PACKAGE.iterdir()) if (p / "apps.py").exists()]


def test_every_module_of_every_app_is_in_a_layer() -> None:
    inside = next(c for c in _contracts() if c.get("containers") == ["buoy.*"])
    allowed = _layered_names(inside)
    unlayered = [
        f"{app.name}.{module.stem}"
        for app in _apps()
        for module in app.iterdir()
        if module.stem not in NOT_CODE
        and (module.suffix == ".py" or (module / "__init__.py").exists())
        and module.stem not in allowed
    ]
    assert unlayered == []


def test_every_app_and_entry_point_is_in_the_top_level_layers() -> None:
    top = next(c for c in _contracts() if c["type"] == "layers" and "containers" not in c)
    named = {name.removeprefix("buoy.") for name in _layered_names(top)}
    packages = {
        p.stem
        for p in PACKAGE.iterdir()
        if p.stem not in NOT_CODE and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    assert packages - named == set()
    assert named >= ENTRY_POINTS
