"""``newsworker train`` and ``newsworker eval``: rebuild the learned extraction models, and measure them.

Both read the annotated set in ``data/extraction`` of a source checkout and need the ``train`` extra
(scikit-learn). Neither is needed to run the service: the models ship in ``worker/extract/data``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

# the weekday model first: the event and casualty models read the dates of each sentence; the event model's
# out-of-fold types before the casualties, whose second step reads them. The entity CRF reads none of them.
STAGES = ("weekdays", "events", "event-folds", "casualties", "entities")


def train_cmd(
    stage: str = typer.Argument("all", help="weekdays, events, event-folds, casualties, entities or all"),
    out_dir: Path = typer.Option(None, "--out", help="directory for the .npz files (default: the package's data)"),  # noqa: B008
    jobs: int = typer.Option(1, "--jobs", "-j", help="event-folds: folds fitted at a time (one core each)"),
) -> None:
    """Fit the date rules' weekday model, the event and casualty models and the entity CRF on data/extraction
    and write them into the package. ``event-folds`` rewrites data/extraction/event-folds.jsonl, the event
    model's out-of-fold types that the casualty model trains on (about 45 CPU-minutes: 22 minutes with
    --jobs 2). ``entities`` self-trains the CRF (about half an hour; it also reads NewsFANE and the corpus of
    ../shared, and the shipped neural tagger, which it does not refit)."""
    from importlib import resources

    from worker.extract.dates import WEEKDAY_MODEL
    from worker.training import casualties, event_folds, events, weekdays
    from worker.training.dataset import data_dir, load

    target = out_dir or Path(str(resources.files("worker.extract.data")))
    for name in STAGES if stage == "all" else (stage,):
        if name not in STAGES:
            raise typer.BadParameter(f"unknown stage {name!r}; one of {', '.join(STAGES)} or all")
        if name == "weekdays":
            path = target / WEEKDAY_MODEL
            typer.echo(f"weekdays: {weekdays.write(path)} features -> {path}")
            continue
        if name == "entities":
            from worker.extract.ner.tagger import MODEL_PATH
            from worker.extract.ner.train import train_shipped

            try:
                path = train_shipped(out_dir / MODEL_PATH.name if out_dir else MODEL_PATH)
            except FileNotFoundError as e:
                typer.echo(f"entities: {e}", err=True)
                raise typer.Exit(1) from e
            typer.echo(f"entities: -> {path} ({path.stat().st_size // 1024} KB)")
            continue
        if name == "event-folds":
            arts = load("events")
            path = data_dir() / event_folds.FILE
            event_folds.write(path, event_folds.out_of_fold_types(arts, jobs))
            typer.echo(f"event-folds: {len(arts)} articles -> {path}")
            continue
        if name == "events":
            arts = load("events")
            model = events.train([events.prepare(a) for a in arts])
        else:
            arts = load("casualties")
            model = casualties.train([casualties.prepare(a) for a in arts])
        path = target / f"{name}.npz"
        model.save(str(path))
        typer.echo(f"{name}: {len(arts)} articles -> {path} ({path.stat().st_size // 1024} KB)")


def eval_cmd(
    folds: int = typer.Option(5, "--folds", "-k", help="cross-validation folds (by whole article)"),
    curve: bool = typer.Option(True, "--curve/--no-curve", help="also the learning curve (slower)"),
    gold_dev: bool = typer.Option(True, "--gold-dev/--no-gold-dev", help="then score gold-dev, if present"),
    entities: bool = typer.Option(True, "--entities/--no-entities",
                                  help="entities too: a CRF per fold (minutes each the first time, then cached)"),
    out: Path = typer.Option(None, "--out", help="also write the report (Markdown) here"),  # noqa: B008
) -> None:
    """Cross-validated figures of the extraction stages on data/extraction, then gold-dev. Progress (stage,
    fold i/k) goes to stderr; the report to stdout."""
    from worker.training import report

    with _progress():
        text = report.main(folds, curve, gold_dev, out, entities)
    typer.echo(text, nl=False)


@contextmanager
def _progress() -> Iterator[None]:
    """Lines on stderr while ``eval`` runs (minutes to hours, and silent until the report otherwise): each
    cross-validation as it starts and each of its folds, then gold-dev.

    ``worker.training.report`` has no progress hook (a callback there would be the better home for this), so
    for the length of the command the cross-validations it calls and their fold splitter are wrapped: the
    wrappers only print and hand everything through unchanged, and are removed afterwards."""
    from worker.training import entities as ent
    from worker.training import folds as fold_mod
    from worker.training import report

    started = time.monotonic()
    stage = ["eval"]

    def say(text: str) -> None:
        typer.echo(f"eval [{time.monotonic() - started:5.0f}s] {text}", err=True)

    def announced_kfold(items: Any, k: int, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for i, pair in enumerate(fold_mod.kfold(items, k, *args, **kwargs), 1):
            say(f"{stage[0]}: fold {i}/{k}")
            yield pair

    def announced(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            share = kwargs.get("share", args[2] if len(args) > 2 and isinstance(args[2], float) else 1.0)
            stage[0] = name if share >= 1.0 else f"{name} (learning curve, {share:.0%} of the training folds)"
            say(f"{stage[0]}: cross-validating")
            return func(*args, **kwargs)
        return run

    def gold_dev() -> Any:
        say("gold-dev: scoring")
        return real["gold_dev"]()

    real = {"events": report.cross_validate_events, "casualties": report.cross_validate_casualties,
            "entities": ent.cross_validate_entities, "gold_dev": report._gold_dev}
    patches = [(report, "kfold", announced_kfold), (ent, "kfold", announced_kfold),
               (report, "cross_validate_events", announced("events", real["events"])),
               (report, "cross_validate_casualties", announced("casualties", real["casualties"])),
               (ent, "cross_validate_entities", announced("entities", real["entities"])),
               (report, "_gold_dev", gold_dev)]
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
    for mod, name, value in patches:
        setattr(mod, name, value)
    try:
        yield
        say("done")
    finally:
        for mod, name, value in saved:
            setattr(mod, name, value)


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
    app.command("eval")(eval_cmd)
