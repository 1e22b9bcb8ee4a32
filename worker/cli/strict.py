"""Unknown keys in the YAML files ``alerts load`` and ``feeds load`` read are errors, as in the API bodies.

The models (``AlertRule``, ``Feed``) ignore keys they do not know, which is right for documents read back
from the stores (an older document may carry a field since dropped) but wrong for what an operator types:
``chanels:`` instead of ``channels:`` used to save a rule that notifies no one, with exit 0. So the CLI reads
the file first and names every unknown key (file, rule or feed, dotted key) before anything is stored.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from worker.cli.errors import EXIT_INPUT, CliError


def read_yaml(path: Path) -> Any:
    """The YAML document of ``path``; a parse error names the file, line and column (exit 2)."""
    import yaml

    text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CliError(f"{path}: invalid YAML{where}: {getattr(err, 'problem', None) or err}", EXIT_INPUT) from err


def _nested_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """``(model, is_list)`` when a field holds a model or a list of models (``X | None`` included)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set) and args:
        inner = _nested_model(args[0])
        return (inner[0], True) if inner else None
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            inner = _nested_model(arg)
            if inner:
                return inner
    return None


def unknown_keys(data: Any, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of the keys of ``data`` (and of its nested mappings) that ``model`` has no field for."""
    if not isinstance(data, dict):
        return []  # the model's own validation reports a value of the wrong type
    out: list[str] = []
    fields = model.model_fields
    for key, value in data.items():
        path = f"{prefix}{key}"
        field = fields.get(key) if isinstance(key, str) else None
        if field is None:
            out.append(path)
            continue
        nested = _nested_model(field.annotation)
        if nested is None:
            continue
        sub, is_list = nested
        if is_list and isinstance(value, list):
            for i, item in enumerate(value):
                out += unknown_keys(item, sub, f"{path}[{i}].")
        elif not is_list:
            out += unknown_keys(value, sub, f"{path}.")
    return out


def _label(kind: str, entry: Any, index: int) -> str:
    name = entry.get("name" if kind == "rule" else "id") if isinstance(entry, dict) else None
    if kind == "feed" and not name and isinstance(entry, dict):
        name = entry.get("name") or entry.get("url")
    return f"{kind} {name!r}" if isinstance(name, str) and name else f"{kind} #{index + 1}"


def check_alerts_file(path: Path) -> None:
    """Raise ``CliError`` (exit 2) naming every unknown key of an ``alerts load`` file."""
    from worker.alerts.rules import AlertRule

    data = read_yaml(path) or {}
    problems: list[str] = []
    if isinstance(data, dict):
        problems += [f"unknown top-level key {k!r} (expected 'alerts')" for k in data if k != "alerts"]
        items = data.get("alerts") or []
    else:
        items = data
    for i, item in enumerate(items if isinstance(items, list) else []):
        problems += [f"{_label('rule', item, i)}: unknown key {k!r}" for k in unknown_keys(item, AlertRule)]
    if problems:
        raise CliError(f"{path}: " + "; ".join(problems) + " (nothing was saved)", EXIT_INPUT)


def check_feeds_file(path: Path, section: str | None = None) -> None:
    """Raise ``CliError`` (exit 2) naming every unknown key of a ``feeds load`` file's defaults and feeds.
    Other top-level lists are left alone: one file may hold several sections (``--section``)."""
    from worker.ingest.registry import Feed, slugify

    data = read_yaml(path) or {}
    problems: list[str] = []
    defaults = (data.get("defaults") or {}) if isinstance(data, dict) else {}
    if not isinstance(defaults, dict):
        problems.append("defaults: expected a mapping")
        defaults = {}
    if isinstance(data, dict):
        problems += [f"defaults: unknown key {k!r}" for k in unknown_keys(defaults, Feed)]
        entries = data.get(section or "feeds")
    else:
        entries = data
    if not isinstance(entries, list):
        raise CliError(f"{path}: expected a list under {section or 'feeds'!r}", EXIT_INPUT)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"feed #{i + 1}: expected a mapping (url, id, name...)")
            continue
        label = _label("feed", entry, i)
        unknown = unknown_keys(entry, Feed)
        problems += [f"{label}: unknown key {k!r}" for k in unknown]
        merged = {**defaults, **entry}
        if "url" not in merged:
            problems.append(f"{label}: no 'url'")
        elif not unknown:  # the registry validates again; here each error gets its feed's name
            merged.setdefault("id", slugify(str(merged.get("name") or merged["url"])))
            try:
                Feed.model_validate(merged)
            except ValidationError as err:
                problems += [f"{label}: {'.'.join(map(str, e['loc'])) or 'value'}: "
                             f"{str(e['msg']).removeprefix('Value error, ')}" for e in err.errors()]
    if problems:
        raise CliError(f"{path}: " + "; ".join(problems) + " (nothing was loaded)", EXIT_INPUT)
