"""On-device training (TFLite's guide: a tf.Module with train/infer/save/restore signatures),
converted with opbridge.convert: 20 train steps in each LiteRT runtime follow TF's losses and end
with TF's weights; save and restore round-trip, and TF reads the checkpoint LiteRT wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from training_models import build_model, loss_and_optimizer

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)

STEPS = 20
BATCH = 8
# (model, loss, optimizer): every loss and optimizer on both models, four runs in all.
CASES = [
    ("mlp", "mse", "sgd"),
    ("mlp", "crossentropy", "adam"),
    ("cnn", "sparse_crossentropy", "adam"),
    ("cnn", "mse", "sgd"),
]
# The gradient ops the converter leaves custom in these train steps (the census in
# docs/training.md); each must be in the converted model, run by opbridge's kernel.
EXPECTED_CUSTOM = {
    "mlp": {"ReluGrad", "EluGrad", "SeluGrad", "Relu6Grad", "LeakyReluGrad", "Erfc", "BroadcastGradientArgs"},
    "cnn": {
        "ReluGrad",
        "Conv2DBackpropFilter",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "MaxPoolGrad",
        "AvgPoolGrad",
    },
}


def batches(rng: np.random.Generator, model: Any, loss: str) -> list[tuple[np.ndarray, np.ndarray]]:
    shape = (BATCH, *model.input_shape[1:])
    classes = model.output_shape[-1]
    out = []
    for _ in range(STEPS):
        x = rng.normal(size=shape).astype(np.float32)
        labels = rng.integers(0, classes, BATCH)
        if loss == "sparse_crossentropy":
            y = labels.astype(np.int64)
        elif loss == "crossentropy":
            y = np.eye(classes, dtype=np.float32)[labels]
        else:
            y = rng.normal(size=(BATCH, classes)).astype(np.float32)
        out.append((x, y))
    return out


class Case:
    """One model converted before any training, and TF's own run of the same steps."""

    def __init__(self, tf: Any, tmp: Path, kind: str, loss: str, optimizer: str) -> None:
        import keras

        import opbridge
        from opbridge import tflite_model
        from opbridge.training import Trainer

        keras.utils.set_random_seed(7)
        model = build_model(keras, kind)
        trainer = Trainer(model, *loss_and_optimizer(keras, loss, optimizer))
        tf.saved_model.save(trainer, str(tmp / "saved"), signatures=trainer.signatures())
        self.kind = kind
        self.model = opbridge.convert(str(tmp / "saved"))
        self.custom = set(tflite_model.custom_op_counts(self.model))
        # The guide's own conversion: Select TF ops ("Flex<Op>" nodes holding NodeDefs), with
        # custom ops allowed for the ops Select TF ops lacks (Erfc).
        converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp / "saved"))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
        converter.allow_custom_ops = True
        self.select_tf_model = converter.convert()
        self.names = list(trainer.variable_names)
        self.batches = batches(np.random.default_rng(11), model, loss)
        self.tf_losses = [
            float(trainer.train(tf.constant(x), tf.constant(y))["loss"]) for x, y in self.batches
        ]
        self.tf_weights = [w.numpy() for w in trainer.weights().values()]


@pytest.fixture(scope="module", params=CASES, ids=["-".join(c) for c in CASES])
def case(request: Any, tf: Any, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return Case(tf, tmp_path_factory.mktemp("training"), *request.param)


def interpreter(case: Case, runtime: str, model: bytes | None = None) -> Any:
    import opbridge

    interp = opbridge.Interpreter(model_content=case.model if model is None else model, runtime=runtime)
    interp.allocate_tensors()
    return interp


def weights(interp: Any) -> list[np.ndarray]:
    out = interp.get_signature_runner("weights")()
    return [out[f"v{i}"] for i in range(len(out))]


def train(interp: Any, steps: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    runner = interp.get_signature_runner("train")
    return [float(runner(x=x, y=y)["loss"]) for x, y in steps]


def test_the_gradient_ops_are_opbridge_custom_ops(case: Case) -> None:
    assert EXPECTED_CUSTOM[case.kind] <= case.custom, sorted(case.custom)
    assert {"Save", "Restore"} <= case.custom


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_twenty_steps_follow_tf(case: Case, runtime: str) -> None:
    interp = interpreter(case, runtime)
    losses = train(interp, case.batches)
    np.testing.assert_allclose(losses, case.tf_losses, rtol=1e-4, err_msg=f"[{runtime}] losses per step")
    assert losses[-1] < losses[0]  # it learns
    for name, got, want in zip(case.names, weights(interp), case.tf_weights, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape, name
        if not np.issubdtype(want.dtype, np.floating):
            np.testing.assert_array_equal(got, want, err_msg=f"[{runtime}] {name}")  # steps, dropout seeds
            continue
        scale = max(float(np.abs(want).max(initial=0.0)), 1e-3)
        worst = float(np.abs(got - want).max(initial=0.0)) / scale
        assert worst < 1e-4, f"[{runtime}] weight {name}: error {worst:.3g} of its scale after {STEPS} steps"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_guides_select_tf_conversion_trains_the_same(case: Case, runtime: str) -> None:
    from opbridge import tflite_model

    flex = {name for name in tflite_model.custom_op_counts(case.select_tf_model) if name.startswith("Flex")}
    assert {"FlexReluGrad", "FlexSave", "FlexRestore"} <= flex
    losses = train(interpreter(case, runtime, case.select_tf_model), case.batches)
    np.testing.assert_allclose(losses, case.tf_losses, rtol=1e-4, err_msg=f"[{runtime}] losses per step")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_save_and_restore_round_trip(case: Case, runtime: str, tmp_path: Path, tf: Any) -> None:
    interp = interpreter(case, runtime)
    train(interp, case.batches[:3])
    path = str(tmp_path / "checkpoint.ckpt")
    interp.get_signature_runner("save")(checkpoint_path=np.array(path.encode()))
    saved = weights(interp)
    infer = interp.get_signature_runner("infer")
    x = case.batches[0][0]
    logits = infer(x=x)["logits"]
    train(interp, case.batches[3:6])
    assert any(not np.array_equal(a, b) for a, b in zip(weights(interp), saved, strict=True))
    restored = interp.get_signature_runner("restore")(checkpoint_path=np.array(path.encode()))
    assert len(restored) == len(saved)
    for a, b, name in zip(weights(interp), saved, case.names, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"[{runtime}] {name} after restore")
    np.testing.assert_array_equal(infer(x=x)["logits"], logits)
    # The checkpoint is TF's V1 format: TF's own Restore reads every tensor back.
    for name, want in zip(case.names, saved, strict=True):
        got = tf.raw_ops.Restore(file_pattern=path, tensor_name=name, dt=tf.as_dtype(want.dtype)).numpy()
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"TF reading {name}")
