"""opbridge.convert for torch modules: the route, errors, and opbridge's ops as torch operators."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import opbridge
from conftest import module
from opbridge import testing, tflite_model
from opbridge.running import run_tflite
from opbridge.torch import TorchExportError, litert_torch_api, op


def test_inv_and_erfinv_become_custom_nodes_and_match_torch() -> None:
    x = torch.randn(3, 4, 4)
    y = torch.rand(5) * 2 - 1
    model = testing.assert_parity(
        module(lambda a, b: (torch.linalg.inv(a) * 2, torch.special.erfinv(b))), (x, y), rtol=1e-5, atol=1e-5
    )
    assert tflite_model.custom_op_counts(model) == {"MatrixInverse": 1, "Erfinv": 1}


def test_convert_returns_bytes_and_keeps_input_order() -> None:
    a, b = torch.randn(2, 3, 3), torch.rand(4)
    model = opbridge.convert(module(lambda p, q: (torch.linalg.inv(p), q * 3)), sample_inputs=(a, b))
    out = run_tflite(model, [a.numpy(), b.numpy()])
    np.testing.assert_allclose(out["output_1"], b.numpy() * 3)


def test_exported_program_is_accepted() -> None:
    x = torch.randn(2, 3, 3)
    program = torch.export.export(module(torch.linalg.inv), (x,))
    model = opbridge.convert(program, sample_inputs=(x,))
    assert tflite_model.custom_op_counts(model) == {"MatrixInverse": 1}


# A user's own torch operator with no lowering and no opbridge kernel: the op every model may hold
# that neither converter knows (an aten op would one day gain a rewrite and this test lose its case).
@torch.library.custom_op("opbridge_tests::scramble", mutates_args=())
def scramble(x: torch.Tensor) -> torch.Tensor:
    return x.flip(0)


@scramble.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


def test_op_without_lowering_or_kernel_is_named() -> None:
    with pytest.raises(
        opbridge.UnsupportedOpsError, match=r"opbridge_tests\.scramble\.default.*conftest\.py"
    ):
        opbridge.convert(module(scramble), sample_inputs=(torch.rand(3),))


def test_training_mode_is_refused() -> None:
    m = module(torch.linalg.inv).train()
    with pytest.raises(ValueError, match="training mode"):
        opbridge.convert(m, sample_inputs=(torch.randn(2, 2),))


def test_untraceable_module_gives_torch_message_shortened() -> None:
    def data_dependent(x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.sum() > 0 else x

    with pytest.raises(TorchExportError, match=r"torch\.export could not trace") as info:
        opbridge.convert(module(data_dependent), sample_inputs=(torch.ones(3),))
    assert len(str(info.value)) < 800


def test_tf_options_are_refused_for_torch() -> None:
    with pytest.raises(ValueError, match="quant_config"):
        opbridge.convert(module(torch.linalg.inv), sample_inputs=(torch.randn(2, 2),), quantize="int8")


def test_opbridge_ops_run_eagerly_through_their_tflite_kernel() -> None:
    x = torch.randn(2, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(op("MatrixInverse")(x), torch.linalg.inv(x))
    torch.testing.assert_close(op("MatrixInverse")(x, adjoint=True), torch.linalg.inv(x.mT))


def test_eager_errors_name_the_op() -> None:
    with pytest.raises(ValueError, match="MatrixInverse"):
        op("MatrixInverse")(torch.randn(2, 3))
    with pytest.raises(ValueError, match="MatrixInverse: dtype int32"):
        op("MatrixInverse")(torch.ones(2, 2, dtype=torch.int32))


def test_fake_shapes_come_from_the_kernels_shape_rule() -> None:
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        s, u, v = op("Svd")(torch.empty(4, 6, 3), full_matrices=True)
    assert (tuple(s.shape), tuple(u.shape), tuple(v.shape)) == ((4, 3), (4, 6, 6), (4, 3, 3))


def test_litert_torch_internals_are_where_opbridge_expects() -> None:
    # Fails loudly, naming what moved, when litert-torch changes its private API.
    api = litert_torch_api.api()
    assert callable(api.lower) and callable(api.node_meta_to_ir_types)
    assert litert_torch_api.version().startswith(litert_torch_api.TESTED_VERSIONS)


def test_pt2e_dynamic_quantization_passes_through_with_custom_ops() -> None:
    # litert-torch's quantization (quant_config=) reaches the builtins; opbridge's
    # custom nodes stay float between them.
    from litert_torch.quantize import pt2e_quantizer, quant_config
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(16, 16)
            self.register_buffer("eye", torch.eye(4))

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            y = self.linear(x).reshape(-1, 4, 4)
            return torch.linalg.inv(y @ y.mT + 4 * self.eye), torch.special.erfinv(torch.tanh(self.linear(x)))

    model, x = Model().eval(), torch.randn(2, 16)
    quantizer = pt2e_quantizer.PT2EQuantizer().set_global(
        pt2e_quantizer.get_symmetric_quantization_config(is_per_channel=True, is_dynamic=True)
    )
    prepared = prepare_pt2e(torch.export.export(model, (x,)).module(), quantizer)
    prepared(x)
    quantized = convert_pt2e(prepared, fold_quantize=False)
    tflite = opbridge.convert(
        quantized, sample_inputs=(x,), quant_config=quant_config.QuantConfig(pt2e_quantizer=quantizer)
    )
    assert tflite_model.custom_op_counts(tflite) == {"MatrixInverse": 1, "Erfinv": 1}
    view = tflite_model.parse(tflite)
    assert "int8" in view.tensor_type_counts()  # the Linear's weights are quantized
    expected = [t.detach().numpy() for t in quantized(x)]
    actual = list(run_tflite(tflite, [x.numpy()]).values())
    # Against the quantized torch model: both quantize the activations dynamically.
    for e, a in zip(expected, actual, strict=True):
        np.testing.assert_allclose(a, e, rtol=0, atol=2e-2 * float(np.abs(e).max()))


@pytest.mark.parametrize(
    ("fn", "shape"),
    [
        (lambda x: x @ torch.eye(x.shape[-1]), (2, 4, 4)),
        (lambda x: x + torch.eye(4, 6), (4, 6)),
        (lambda x: x * torch.eye(3, dtype=torch.int32), (3, 3)),
    ],
)
def test_eye_folds_to_a_constant_the_runtime_can_load(fn: object, shape: tuple[int, ...]) -> None:
    # litert-torch alone lowers torch.eye to STABLEHLO_IOTA, which ai-edge-litert cannot load.
    model = testing.assert_parity(module(fn), (torch.rand(*shape),), rtol=0, atol=0)
    assert not any(op.startswith("STABLEHLO") for op in tflite_model.op_histogram(model))


def test_same_signature_as_litert_torch_alone() -> None:
    # Where litert-torch converts a module by itself, opbridge.convert gives the same
    # inputs and outputs: names, order, shapes, dtypes, and the same values by index.
    import litert_torch
    from ai_edge_litert.interpreter import Interpreter

    class TwoInTwoOut(torch.nn.Module):
        def forward(self, image: torch.Tensor, scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            pooled = torch.nn.functional.avg_pool2d(image, 2)
            return pooled * scale, image.mean(dim=(2, 3))

    m = TwoInTwoOut().eval()
    inputs = (torch.rand(2, 3, 8, 8), torch.rand(1))
    stock = bytes(litert_torch.convert(m, inputs).model_content())
    ours = opbridge.convert(m, sample_inputs=inputs)

    def layout(model: bytes) -> tuple[object, ...]:
        interpreter = Interpreter(model_content=model)
        details = [
            [(d["name"], tuple(d["shape"]), d["dtype"]) for d in interpreter.get_input_details()],
            [(d["name"], tuple(d["shape"]), d["dtype"]) for d in interpreter.get_output_details()],
        ]
        return interpreter.get_signature_list(), details

    assert layout(ours) == layout(stock)
    arrays = [t.numpy() for t in inputs]
    expected, actual = run_tflite(stock, arrays), run_tflite(ours, arrays)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name])
    assert tflite_model.op_histogram(ours) == tflite_model.op_histogram(stock)
