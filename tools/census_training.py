"""Census of on-device training: which TF ops a Keras train step leaves as custom ops.

Each model of tests/training_models.py (an MLP with every common activation and
dropout, a CNN with conv, batch norm, depthwise conv, pooling and dropout) is
wrapped with every loss and optimizer in opbridge.training.Trainer (TFLite's
on-device training recipe: train, infer, save, restore signatures), saved, and
converted twice: with custom ops allowed (opbridge.convert's way) and with
Select TF ops (the guide's way). The table of custom ops, and whether opbridge
has a kernel for each, goes to docs/training.md.

    python tools/census_training.py                # -> docs/training.md (about 2 minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MODELS = ("mlp", "cnn")
LOSSES = ("sparse_crossentropy", "crossentropy", "mse")
OPTIMIZERS = ("sgd", "adam")
BEGIN, END = "<!-- census:begin -->", "<!-- census:end -->"


def custom_ops(tf: Any, saved: str, select_tf: bool) -> dict[str, int]:
    from opbridge import tflite_model

    converter = tf.lite.TFLiteConverter.from_saved_model(saved)
    if select_tf:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    converter.allow_custom_ops = True
    with contextlib.redirect_stdout(io.StringIO()):
        model = converter.convert()
    return tflite_model.custom_op_counts(model)


def census() -> list[tuple[str, str, str, dict[str, int], dict[str, int]]]:
    import keras
    import tensorflow as tf

    from opbridge.training import Trainer
    from training_models import build_model, loss_and_optimizer

    rows = []
    for kind in MODELS:
        for loss in LOSSES:
            for optimizer in OPTIMIZERS:
                keras.utils.set_random_seed(1)
                trainer = Trainer(build_model(keras, kind), *loss_and_optimizer(keras, loss, optimizer))
                with tempfile.TemporaryDirectory() as scratch:
                    tf.saved_model.save(trainer, scratch, signatures=trainer.signatures())
                    plain = custom_ops(tf, scratch, select_tf=False)
                    flex = custom_ops(tf, scratch, select_tf=True)
                rows.append((kind, loss, optimizer, plain, flex))
                print(kind, loss, optimizer, sorted(plain), flush=True)
    return rows


def render(rows: list[tuple[str, str, str, dict[str, int], dict[str, int]]]) -> str:
    from opbridge.catalog import custom_codes

    ours = custom_codes()
    lines = [
        "| model | loss | optimizer | custom ops (allow_custom_ops) | Select TF ops nodes | without kernel |",
        "|---|---|---|---|---|---|",
    ]
    found: set[str] = set()
    for kind, loss, optimizer, plain, flex in rows:
        found |= set(plain)
        missing = sorted(n for n in {*plain, *flex} if n not in ours)
        lines.append(
            f"| {kind} | {loss} | {optimizer} | {', '.join(sorted(plain))} | {', '.join(sorted(flex))} "
            f"| {', '.join(missing) or 'none'} |"
        )
    lines += ["", f"Ops found ({len(found)}): {', '.join(sorted(found))}."]
    return "\n".join(lines)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "training.md")
    args = parser.parse_args()
    table = render(census())
    text = args.out.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    args.out.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
