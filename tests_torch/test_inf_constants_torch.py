"""Tensor constants of +-inf keep their value through opbridge.convert (torch/conversion.py).

litert-torch clamps every float tensor constant to the dtype's finite range, in place on
the module's own buffer: `x + torch.tensor([inf])` converts to `x + 3.4e38`. The test
shows the stock conversion's numbers, then opbridge.convert's, equal to torch eager bit
for bit by index, and the module's buffer left as it was."""

from __future__ import annotations

import numpy as np
import torch

import opbridge

INF = float("inf")


class Infinities(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("bias", torch.tensor([INF, -INF, 1.0, 0.5]))
        self.register_buffer("mask", torch.tensor([0.0, -INF, 0.0, -INF]))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        scores = x + self.mask  # an additive attention mask
        return (
            x + self.bias,
            torch.softmax(scores, dim=-1),
            scores.amax(dim=-1),
            torch.minimum(x, torch.tensor([INF, 1.0, INF, INF])),
            x / torch.tensor([0.0, -0.0, 2.0, 0.0]),
        )


def run(model: bytes, x: np.ndarray) -> list[np.ndarray]:
    interpreter = opbridge.Interpreter(model_content=model)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def test_infinite_tensor_constants_keep_torch_values() -> None:
    import litert_torch

    x = torch.tensor([[1.5, 0.0, -3.0, 7.25], [-0.0, 2.0, 4.0, -1.0]])
    m = Infinities().eval()
    want = [t.numpy() for t in m(x)]
    stock = run(bytes(litert_torch.convert(Infinities().eval(), (x,)).model_content()), x.numpy())
    # The need: litert-torch alone makes the infinities finite.
    assert not np.array_equal(stock[0], want[0], equal_nan=True)
    got = run(opbridge.convert(m, sample_inputs=(x,)), x.numpy())
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.dtype == w.dtype and g.shape == w.shape, i
        if i == 1:  # the SOFTMAX builtin's own rounding: 1 ulp off torch's in places
            np.testing.assert_allclose(g, w, rtol=2.4e-7, atol=0, err_msg="softmax")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"output {i}")
    # And the module still holds its infinities (litert-torch alone clamps them in place).
    assert torch.isinf(m.bias[:2]).all() and torch.isinf(m.mask[1::2]).all()
