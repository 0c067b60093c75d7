"""`bomcat train detector`: train the package detector on rendered boards, export ONNX.

Needs PyTorch, which bomcat does not otherwise use: `pip install -e .[train]` (on a machine
without a GPU, install the CPU build of torch first, see the README).
"""
from __future__ import annotations

from pathlib import Path

import click


@click.group()
def train() -> None:
    """Train bomcat's learned models from its own rendered data."""


@train.command("detector")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the ONNX model (default: the one bomcat ships and uses).")
@click.option("--patches", default=18000, show_default=True, help="Rendered training patches.")
@click.option("--minutes", default=28.0, show_default=True, help="Training time budget.")
@click.option("--seed", default=3, show_default=True, help="Seed for rendering and training (reproducible data).")
def train_detector(out: str | None, patches: int, minutes: float, seed: int) -> None:
    """Render board patches with exact package masks and train the detector's network on them."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise click.ClickException("training needs PyTorch: pip install -e .[train]") from None
    from bomcat.images.package_net import MODEL_PATH, train as train_model
    figures = train_model(Path(out) if out else MODEL_PATH, patches=patches, minutes=minutes, seed=seed,
                          log=lambda message: click.echo(message, err=True))
    click.echo(" ".join(f"{key}={value}" for key, value in figures.items()))
