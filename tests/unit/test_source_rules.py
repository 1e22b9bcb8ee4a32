"""Rules of issue #14 kept by a scan of the source under ``worker/``: no module state changed through
``global``; no ``NEWSWORKER_*`` variable read anywhere but ``worker/settings.py`` (every setting has one
place, and a test patches it on the Settings object); no ``except ImportError`` that would quietly drop a
stage when a dependency is missing (the import fails at start with the module's name instead)."""

from __future__ import annotations

import ast
from pathlib import Path

WORKER = Path(__file__).resolve().parents[2] / "worker"
SOURCES = sorted(WORKER.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _newsworker(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("NEWSWORKER_")


def env_reads(tree: ast.Module) -> list[int]:
    """Lines reading a NEWSWORKER_ variable: os.environ[...] / .get / .pop, os.getenv, typer's envvar=."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value) and _newsworker(node.slice) \
                and isinstance(node.ctx, ast.Load):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            reads_env = (isinstance(func, ast.Attribute) and (
                (func.attr in ("get", "pop") and _is_environ(func.value)) or func.attr == "getenv")) or (
                isinstance(func, ast.Name) and func.id == "getenv")
            if reads_env and node.args and _newsworker(node.args[0]):
                lines.append(node.lineno)
            lines += [node.lineno for kw in node.keywords if kw.arg == "envvar" and _newsworker(kw.value)]
    return lines


def _offences(check) -> list[str]:  # noqa: ANN001 - a function of a parsed module -> offending lines
    return [f"{path.relative_to(WORKER.parent)}:{line}" for path in SOURCES for line in check(path, _tree(path))]


def test_no_global_statement() -> None:
    found = _offences(lambda path, tree: [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Global)])
    assert not found, f"module state behind `global` (use functools.cache, or an object its owner holds): {found}"


def test_newsworker_variables_are_read_by_settings_only() -> None:
    found = _offences(lambda path, tree: [] if path == WORKER / "settings.py" else env_reads(tree))
    assert not found, f"NEWSWORKER_ variables read outside worker/settings.py (add a Settings field): {found}"


def import_error_handlers(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(isinstance(n, ast.Name) and n.id == "ImportError" for n in names):
                lines.append(node.lineno)
    return lines


def test_no_import_error_fallback() -> None:
    found = _offences(lambda path, tree: import_error_handlers(tree))
    assert not found, f"`except ImportError` hides a missing dependency: {found}"


def test_the_scan_sees_the_reads_it_forbids() -> None:
    src = ('import os\nos.environ.get("NEWSWORKER_X")\nos.getenv("NEWSWORKER_Y")\nos.environ["NEWSWORKER_Z"]\n'
           'opt(1, envvar="NEWSWORKER_W")\nos.environ.get("HOME")\nos.environ["NEWSWORKER_V"] = "1"\n')
    assert env_reads(ast.parse(src)) == [2, 3, 4, 5]


def test_each_api_app_owns_its_point_in_time_budget() -> None:
    from worker.api.app import create_app

    a, b = create_app(), create_app()
    assert a.state.pit_budget is not b.state.pit_budget
