"""The package detector's network: trained on rendered patches and labelled photos, shipped as ONNX.

Two networks can be trained (`--base`), each mapping a board photo to a per-pixel "package body"
logit at a quarter of the input resolution, which `images/detect.py` turns into rotated boxes:
- `ppocr-det` (what ships): PP-OCRv4's text detector, pretrained on real photos, taken from the
  rapidocr-onnxruntime wheel (Apache-2.0; `images/pretrained.py`) and trained on into a package
  detector;
- `unet`: a small U-Net from scratch (what shipped before; it learnt only from rendered boards).
Training needs PyTorch (and onnx2torch for `ppocr-det`; `scripts/setup.sh` installs both); running
the shipped model needs only OpenCV's DNN module, so users never install PyTorch.

Rendered patches come from `images/training_boards.py`; photo patches from labelled folders
(`--photos DIR`, boards.csv as `bomcat export boxes` writes). The shipped model learnt from rendered
patches and the 12 openly licensed photos of `../shared/train/boards` (never from the benchmark's
`../shared/bench/boards`); `images/models/README.md` gives the command, the photos and their licences.
"""
from __future__ import annotations

import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from .detect import MODEL_PATH, NET_WORK_SIZES, OUTPUT_STRIDE
from .training_boards import PATCH, render_patch

WIDTHS = (16, 24, 32, 48, 64)
# What the shipped model was trained with; `bomcat train detector` defaults to the same.
TRAINING_PATCHES = 12000
TRAINING_MINUTES = 45.0
TRAINING_SEED = 3
TRAINING_BASE = "ppocr-det"
# The networks training can start from: the small U-Net from scratch, or PP-OCRv4's text detector
# (pretrained on real photos, `images/pretrained.py`), each with its learning rate and batch.
BASES = {"unet": {"lr": 3e-3, "batch": 24}, "ppocr-det": {"lr": 1e-3, "batch": 8}}


def _render_batch(args: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    seed, count = args
    rng = np.random.default_rng(seed)
    images, masks = zip(*(render_patch(rng) for _ in range(count)))
    return np.stack(images), np.stack(masks)


def render_dataset(count: int, seed: int, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """`count` rendered patches and masks, drawn in parallel from per-chunk seeds (reproducible)."""
    chunk = 250
    jobs = [(seed * 100_003 + i, min(chunk, count - i * chunk)) for i in range((count + chunk - 1) // chunk)]
    with Pool(workers) as pool:
        parts = pool.map(_render_batch, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def photo_patches(directories: list[Path], count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` patches cut from labelled photos (DIR/boards.csv) at the scales the detector runs at,
    masks filled from the chip boxes. Most are cut round a chip, the rest anywhere: everything on a
    photo outside its boxes is background. The same seed gives the same patches."""
    import cv2

    from .boxes_file import read_boxes
    from .photo import load_upright_bgr
    examples = [(load_upright_bgr(Path(directory) / name), boxes)
                for directory in directories for name, boxes in read_boxes(Path(directory)).items()]
    if not examples:
        raise ValueError(f"no labelled photos in {', '.join(map(str, directories))}")
    rng = np.random.default_rng(seed)
    images = np.empty((count, PATCH, PATCH, 3), np.uint8)
    masks = np.zeros((count, PATCH, PATCH), np.uint8)
    for i in range(count):
        image, boxes = examples[int(rng.integers(len(examples)))]
        scale = float(rng.choice(NET_WORK_SIZES)) * float(np.exp(rng.uniform(-0.25, 0.25))) / max(image.shape[:2])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        mask = np.zeros(small.shape[:2], np.uint8)
        for x, y, w, h in boxes:
            cv2.rectangle(mask, (round(x * scale), round(y * scale)),
                          (round((x + w) * scale) - 1, round((y + h) * scale) - 1), 255, -1)
        pad_y, pad_x = max(0, PATCH - small.shape[0]), max(0, PATCH - small.shape[1])
        small = cv2.copyMakeBorder(small, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)  # as detection pads
        mask = cv2.copyMakeBorder(mask, 0, pad_y, 0, pad_x, cv2.BORDER_CONSTANT, value=0)
        height, width = mask.shape
        if boxes and rng.random() < 0.6:
            x, y, w, h = boxes[int(rng.integers(len(boxes)))]
            cx = (x + w / 2) * scale + rng.uniform(-PATCH / 3, PATCH / 3)
            cy = (y + h / 2) * scale + rng.uniform(-PATCH / 3, PATCH / 3)
        else:
            cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        x0 = int(np.clip(cx - PATCH / 2, 0, width - PATCH))
        y0 = int(np.clip(cy - PATCH / 2, 0, height - PATCH))
        images[i] = small[y0:y0 + PATCH, x0:x0 + PATCH]
        masks[i] = mask[y0:y0 + PATCH, x0:x0 + PATCH]
    return images, masks


def build_model():
    import torch
    from torch import nn

    def block(cin, cout, dilation=1):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    class PackageNet(nn.Module):
        def __init__(self):
            super().__init__()
            w1, w2, w3, w4, w5 = WIDTHS
            self.stem = nn.Sequential(nn.Conv2d(3, w1, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w1),
                                      nn.ReLU(inplace=True))                  # 1/2
            self.down2 = block(w1, w2)                                        # 1/4
            self.down3 = block(w2, w3)                                        # 1/8
            self.down4 = block(w3, w4)                                        # 1/16
            self.down5 = block(w4, w5, dilation=2)                            # 1/32: sees a whole big package
            self.up4 = block(w5 + w4, w4)
            self.up3 = block(w4 + w3, w3)
            self.up2 = block(w3 + w2, w2)
            self.head = nn.Conv2d(w2, 1, 1)
            self.pool = nn.MaxPool2d(2)
            self.upsample = nn.Upsample(scale_factor=2, mode="nearest")

        def forward(self, x):
            s2 = self.stem(x)
            s4 = self.down2(self.pool(s2))
            s8 = self.down3(self.pool(s4))
            s16 = self.down4(self.pool(s8))
            s32 = self.down5(self.pool(s16))
            u = self.up4(torch.cat([self.upsample(s32), s16], 1))
            u = self.up3(torch.cat([self.upsample(u), s8], 1))
            u = self.up2(torch.cat([self.upsample(u), s4], 1))
            return self.head(u)   # logits; the detector applies the sigmoid

    return PackageNet()


def _augment(torch, images, masks):
    """Random quarter turns and mirror images: a board has no up."""
    k = int(torch.randint(0, 4, (1,)))
    images, masks = torch.rot90(images, k, (2, 3)), torch.rot90(masks, k, (2, 3))
    if torch.rand(1) < 0.5:
        images, masks = images.flip(3), masks.flip(3)
    return images, masks


def train(out: Path = MODEL_PATH, patches: int = TRAINING_PATCHES, minutes: float = TRAINING_MINUTES,
          seed: int = TRAINING_SEED, photos: tuple[Path, ...] = (), photo_share: float = 0.5,
          base: str = TRAINING_BASE, log=print) -> dict:
    """Render `patches` patches (a `photo_share` of them cut from labelled `photos` folders instead, when
    given), train the `base` network for about `minutes`, export ONNX to `out`. Returns figures."""
    import torch
    import torch.nn.functional as F

    if base not in BASES:
        raise ValueError(f"no network {base!r} to start from: one of {', '.join(BASES)}")
    if base == "ppocr-det":
        from .pretrained import check_pretrained
        check_pretrained()   # said before minutes of rendering, not after
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    started = time.monotonic()
    from_photos = round(patches * photo_share) if photos else 0
    images, masks = render_dataset(patches - from_photos, seed)
    log(f"rendered {len(images)} patches of {PATCH} px in {time.monotonic() - started:.0f} s")
    if from_photos:
        real_images, real_masks = photo_patches(list(photos), from_photos, seed)
        images, masks = np.concatenate([images, real_images]), np.concatenate([masks, real_masks])
        log(f"cut {from_photos} patches from the photos in {', '.join(map(str, photos))}")
    x_all = torch.from_numpy(images)   # NHWC uint8, shared with numpy: no second copy of the patches
    y_all = torch.from_numpy(masks)[:, None].float().div(255)
    y_all = F.avg_pool2d(y_all, OUTPUT_STRIDE)   # soft targets at the map's resolution
    if base == "unet":
        model = build_model()
    else:
        from .pretrained import build_pretrained_model
        model = build_pretrained_model()
    lr, batch = BASES[base]["lr"], BASES[base]["batch"]
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    deadline = time.monotonic() + minutes * 60
    step, losses = 0, []
    model.train()
    while time.monotonic() < deadline:
        index = torch.randint(0, len(x_all), (batch,))
        x, y = _augment(torch, x_all[index].permute(0, 3, 1, 2).float().div(255).sub(0.5), y_all[index])
        logits = model(x)
        prob = torch.sigmoid(logits)
        dice = 1 - (2 * (prob * y).sum() + 1) / (prob.sum() + y.sum() + 1)
        loss = F.binary_cross_entropy_with_logits(logits, y) + dice
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        # cosine-ish decay on elapsed time, since the budget is time, not steps
        remaining = max(0.0, (deadline - time.monotonic()) / (minutes * 60))
        for group in optimiser.param_groups:
            group["lr"] = lr * (0.05 + 0.95 * remaining)
        losses.append(float(loss.detach()))
        step += 1
        if step % 50 == 0:
            log(f"step {step}: loss {np.mean(losses[-50:]):.4f}")
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, 256, 256)
    torch.onnx.export(model, dummy, str(out), input_names=["image"], output_names=["logits"], opset_version=13,
                      dynamic_axes={"image": {2: "height", 3: "width"}, "logits": {2: "h4", 3: "w4"}}, dynamo=False)
    return {"base": base, "patches": len(images), "from_photos": from_photos, "steps": step,
            "final_loss": float(np.mean(losses[-100:])), "seconds": round(time.monotonic() - started), "model": str(out)}
