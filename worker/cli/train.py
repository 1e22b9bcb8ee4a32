"""``newsworker train`` and ``newsworker eval``: rebuild the learned extraction models, and measure them.

Both read the annotated set in ``data/extraction`` of a source checkout and need the ``train`` extra
(scikit-learn). Neither is needed to run the service: the models ship in ``worker/extract/data``.
"""

from __future__ import annotations

import time
from pathlib import Path

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

    started = time.monotonic()

    def progress(text: str) -> None:  # eval runs minutes to hours, silent until the report otherwise
        typer.echo(f"eval [{time.monotonic() - started:5.0f}s] {text}", err=True)

    text = report.main(folds, curve, gold_dev, out, entities, progress=progress)
    progress("done")
    typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
    app.command("eval")(eval_cmd)
