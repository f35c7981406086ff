"""The pure domain imports no web, queue, Twilio or database library."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"
DOMAIN = ["mood", "mood_lexicon", "mood_model", "mood_patterns", "mood_vader", "schedule", "conversation", "phones", "crisis", "texts"]
FORBIDDEN = {"flask", "rq", "redis", "twilio", "sqlalchemy", "werkzeug", "requests", "workers"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_import_no_adapter_library(module: str) -> None:
    assert imported_modules(SERVICE / f"{module}.py") & FORBIDDEN == set()


def test_service_never_imports_workers() -> None:
    offenders = [p.name for p in SERVICE.glob("*.py") if "workers" in imported_modules(p)]
    assert offenders == []
