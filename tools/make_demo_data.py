"""Writes python/opbridge/data/demo_scene.npz, the bundled input of `opbridge demo`.

A 96x96 RGB test card (gradients, rings, stripes, a checkerboard) and four
2-D affine camera motions. Deterministic: rerunning reproduces the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def test_card(size: int = 96) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    r = np.hypot(x - 0.5, y - 0.5)
    red = x
    green = 0.5 + 0.5 * np.cos(40 * r)
    blue = (np.floor(x * 8) + np.floor(y * 8)) % 2
    stripes = (np.sin(60 * (x + y)) > 0) & (y > 0.75)
    image = np.stack([red, green, blue], -1)
    image[stripes] = [1.0, 1.0, 0.2]
    image[r < 0.08] = [1.0, 1.0, 1.0]
    return (image * 255).round().astype(np.uint8)


def motions() -> np.ndarray:
    """Forward transforms in normalized coordinates, as homogeneous 3x3 matrices."""

    def affine(angle: float, scale: float, shear: float, tx: float, ty: float) -> np.ndarray:
        c, s = np.cos(angle), np.sin(angle)
        rotation = np.array([[c, -s], [s, c]]) * scale
        matrix = np.eye(3)
        matrix[:2, :2] = rotation @ np.array([[1.0, shear], [0.0, 1.0]])
        matrix[:2, 2] = [tx, ty]
        return matrix

    return np.stack(
        [
            affine(0.0, 1.0, 0.0, 0.0, 0.0),
            affine(0.35, 1.1, 0.0, 0.1, -0.05),
            affine(-0.6, 0.8, 0.2, -0.2, 0.1),
            affine(1.2, 1.4, -0.3, 0.25, 0.3),
        ]
    ).astype(np.float32)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "python" / "opbridge" / "data" / "demo_scene.npz"
    np.savez_compressed(out, image=test_card(), motions=motions())
    print(f"wrote {out}")
