"""`bomcat train detector`: train the package detector on rendered boards (and labelled photos),
export ONNX.

Needs PyTorch, which bomcat does not otherwise use, and onnx2torch for the pretrained start
(`scripts/setup.sh` installs the CPU build of torch from a local wheel and onnx2torch; see the README).
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
# Unset options fall back to `package_net.train`'s defaults, which are what the shipped model was
# trained with (kept there once; importing them here would load OpenCV at every `bomcat` start).
@click.option("--patches", type=int, default=None, help="Rendered training patches [default: as the shipped model].")
@click.option("--minutes", type=float, default=None, help="Training time budget [default: as the shipped model].")
@click.option("--seed", type=int, default=None,
              help="Seed for rendering and training, reproducible data [default: as the shipped model].")
@click.option("--base", type=click.Choice(["unet", "ppocr-det"]), default=None,
              help="The network to start from: the small U-Net from scratch, or PP-OCRv4's text detector "
                   "(pretrained on real photos; needs onnx2torch) [default: as the shipped model].")
@click.option("--photos", "photo_dirs", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A folder of labelled photos (boards.csv, as `bomcat export boxes` writes); half the "
                   "patches are then cut from them. Repeatable.")
def train_detector(out: str | None, patches: int | None, minutes: float | None, seed: int | None,
                   base: str | None, photo_dirs: tuple[str, ...]) -> None:
    """Render board patches with exact package masks (and cut patches from reviewed photos when
    --photos is given) and train the detector's network on them."""
    for directory in photo_dirs:  # a bad folder is said before minutes of rendering, not after
        _check_photo_folder(Path(directory))
    try:
        import torch  # noqa: F401
    except ImportError:
        raise click.ClickException("training needs PyTorch: pip install -e .[train]") from None
    from bomcat.images.package_net import train as train_model
    given = {key: value for key, value in {"out": Path(out) if out else None, "patches": patches,
                                           "minutes": minutes, "seed": seed, "base": base}.items()
             if value is not None}
    try:
        figures = train_model(log=lambda message: click.echo(message, err=True),
                              photos=tuple(Path(d) for d in photo_dirs), **given)
    except (FileNotFoundError, ImportError) as exc:   # the pretrained start's weights or converter are missing
        raise click.ClickException(str(exc)) from None
    click.echo(" ".join(f"{key}={value}" for key, value in figures.items()))


def _check_photo_folder(directory: Path) -> None:
    from bomcat.images.boxes_file import BoxesFileError, read_boxes
    try:
        boxes = read_boxes(directory)
    except BoxesFileError as exc:
        raise click.ClickException(str(exc)) from None
    if not boxes:
        raise click.ClickException(f"{directory}: boards.csv names no photo")
    missing = sorted(name for name in boxes if not (directory / name).is_file())
    if missing:
        raise click.ClickException(f"{directory}: boards.csv names {missing[0]!r}, which is not there")
