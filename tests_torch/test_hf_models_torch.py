"""Hugging Face models torch.export could not trace (python/opbridge/torch/export_functions.py's value
reads, conversion.export's retry) and the converter bugs they hit (aten_transformers' flip): torch
eager vs the converted model in LiteRT, inputs by index; a data-dependent model is refused naming the
function and the source line.

Tolerances: the small modules' outputs are exact in float32 (pads, flips, a product by 2); the tiny
transformers models accumulate their matmuls in another order than torch's CPU GEMM, measured
< 1e-6 relative to the largest output (as test_transformers_torch): 1e-5.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import transformers as T  # pinned in requirements-torch.txt (litert-torch depends on it)

import opbridge
from opbridge import testing
from opbridge.parity_cases import _ordered
from opbridge.running import run_tflite
from opbridge.torch.conversion import TorchExportError

TOL = dict(rtol=1e-5, atol=1e-5)


class _ConstantReads(torch.nn.Module):
    """Value reads of tensors that do not depend on the inputs (Encodec/Mimi's padding from stride
    and kernel buffers, LED's `is_global_attn` from a mask of ones it builds, Reformer's
    `position_ids.max().item()`): torch.export alone fails on each."""

    def __init__(self) -> None:
        super().__init__()
        self.stride = torch.nn.Buffer(torch.tensor(2), persistent=False)
        self.kernel = torch.nn.Buffer(torch.tensor(5), persistent=False)
        self.scale = torch.nn.Parameter(torch.tensor([1.5]))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        extra = self.kernel - self.stride  # a 0-dim tensor in F.pad's padding list
        padded = F.pad(x, (extra, 1), mode="reflect")
        mask = torch.ones_like(y, dtype=torch.long)
        if (mask > 1).any():  # never, for any input: a branch on a mask the model builds
            y = y * 0
        last = torch.arange(y.shape[-1]).max().item()  # sizes a slice
        scaled = y[:, : last - 1] * self.scale.item()
        halves = int(self.kernel) // int(self.stride)  # __int__ reads
        return padded, scaled, y.reshape(-1, halves).sum(-1)


def test_input_independent_value_reads_export_and_convert() -> None:
    m = _ConstantReads().eval()
    inputs = (torch.randn(1, 2, 6), torch.randn(2, 8))
    with pytest.raises(Exception, match="data-dependent"):
        torch.export.export(m, inputs)  # torch.export alone
    testing.assert_parity(m, inputs, **TOL)


class _Fn(torch.nn.Module):
    def __init__(self, fn: object) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *xs: torch.Tensor) -> object:
        return self.fn(*xs)


def _branch_on_input(x: torch.Tensor) -> torch.Tensor:
    if x.sum() > 0:
        return x
    return -x


def _keypoints(x: torch.Tensor) -> torch.Tensor:
    keypoints = torch.nonzero(x > 1)  # SuperPoint: then a branch on how many there are
    return keypoints[:3].float() if len(keypoints) > 3 else keypoints.float()


def _sized_by_input(x: torch.Tensor) -> torch.Tensor:
    return torch.arange(x.max().to(torch.int64).item()).float()


@pytest.mark.parametrize(
    ("fn", "what"),
    [
        (_branch_on_input, r"torch.Tensor.__bool__ at .*test_hf_models_torch.py:\d+ \(`if x.sum\(\) > 0:`\)"),
        (_keypoints, r"torch.nonzero at .*test_hf_models_torch.py:\d+ \(`keypoints = torch.nonzero"),
        (_sized_by_input, r"aten.item.default at .*test_hf_models_torch.py:\d+"),
    ],
)
def test_data_dependent_model_is_refused_naming_the_read(fn: object, what: str) -> None:
    # SuperPoint (nonzero of the scores), FastSpeech2Conformer (a branch on predicted durations),
    # Vits (a waveform sized by predicted durations)
    with pytest.raises(TorchExportError, match="data-dependent: " + what):
        opbridge.convert(_Fn(fn).eval(), sample_inputs=(torch.rand(2, 3) * 4,))


def test_an_input_dependent_read_is_never_answered_with_the_sample_value() -> None:
    # the sample takes the first branch; a converted graph fixed to it would be wrong for -x
    def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        on = bool((y > 0).all())  # input-dependent
        k = int(torch.ones(()) * 2)  # input-independent, but read after an input-dependent value
        return x * k if on else x

    with pytest.raises(TorchExportError, match=r"torch.Tensor.__bool__ at"):
        opbridge.convert(_Fn(fn).eval(), sample_inputs=(torch.randn(3), torch.rand(3) + 1))


def test_flip_of_non_adjacent_dims() -> None:
    # one REVERSE_V2 of axes (1, 3) fails at invoke ("Non-contiguous `axes` not supported": LED)
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return x.flip((1, 3)), x.flip((0, 2, 3)), x.flip((1, 2)), x.flip(-1), x.flip((0, -1))

    testing.assert_parity(_Fn(fn).eval(), (torch.randn(2, 3, 4, 5),), **TOL)


class _Hidden(torch.nn.Module):
    def __init__(self, model: torch.nn.Module, *keys: str, cache: bool = True) -> None:
        super().__init__()
        self.model, self.keys = model, keys
        self.fixed = {"use_cache": False} if cache else {}

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.keys, xs, strict=True)), **self.fixed, return_dict=False)[0]


def test_led_longformer_attention() -> None:
    # is_global_attn (`.any().item()` of a mask the model builds) and the non-adjacent flip
    torch.manual_seed(0)
    config = T.LEDConfig(
        vocab_size=64, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, attention_window=[4],
        max_encoder_position_embeddings=32, max_decoder_position_embeddings=32,
    )  # fmt: skip
    model = _Hidden(T.LEDModel(config), "input_ids", "decoder_input_ids").eval()
    inputs = (torch.randint(3, 64, (1, 8)), torch.randint(3, 64, (1, 5)))
    testing.assert_parity(model, inputs, **TOL)


def test_nystromformer_mask_of_ones_dropped_as_in_eager() -> None:
    # transformers keeps the bidirectional mask under torch.export; Nystromformer's landmark
    # attention cannot broadcast it (Informer, Autoformer: the same with no mask at all)
    torch.manual_seed(0)
    config = T.NystromformerConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, num_landmarks=4, segment_means_seq_len=8,
    )  # fmt: skip
    model = _Hidden(T.NystromformerModel(config), "input_ids", cache=False).eval()
    testing.assert_parity(model, (torch.randint(3, 64, (1, 8)),), **TOL)


def test_float64_constants_folded_and_runtime_checks_dropped() -> None:
    # RT-DETR: a sinusoidal position embedding computed from arange in float64 (litert-torch cannot
    # legalize f64 pow / broadcast_to), and transformers' torch_compilable_check (_is_all_true)
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        dim = torch.arange(4, dtype=torch.float64) / 4
        omega = 1.0 / (10000.0**dim)
        grid = torch.arange(x.shape[1], dtype=torch.float64)
        embedding = torch.cat([torch.outer(grid, omega).sin(), torch.outer(grid, omega).cos()], 1)
        shapes = torch.tensor([[2, 3]])
        torch._check_tensor_all((shapes[:, 0] * shapes[:, 1]).sum() == x.shape[1])
        return x + embedding.to(torch.float32), x * 2

    testing.assert_parity(_Fn(fn).eval(), (torch.randn(2, 6, 8),), **TOL)


class _QuerySelection(torch.nn.Module):
    """RT-DETR's query selection (RTDetrModel.forward): per-position class scores of the encoder
    memory, topk over their max, the boxes and scores of the chosen positions gathered with the
    repeated index, sigmoid (boxes: the box head plus per-position anchors)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.enc_output = torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.LayerNorm(16))
        self.score_head = torch.nn.Linear(16, 3)
        self.bbox_head = torch.nn.Linear(16, 4)
        self.anchors = torch.nn.Buffer(torch.randn(84, 4))  # RT-DETR's per-position anchors

    def forward(self, memory: torch.Tensor) -> tuple[torch.Tensor, ...]:
        output = self.enc_output(memory)
        scores, coords = self.score_head(output), self.bbox_head(output) + self.anchors
        _, index = torch.topk(scores.max(-1).values, 8, dim=1)
        logits = scores.gather(1, index.unsqueeze(-1).repeat(1, 1, scores.shape[-1]))
        boxes = coords.gather(1, index.unsqueeze(-1).repeat(1, 1, coords.shape[-1])).sigmoid()
        return logits, boxes, index


def test_rtdetr_query_selection_and_its_ties() -> None:
    m = _QuerySelection().eval()
    testing.assert_parity(m, (torch.randn(2, 84, 16),), **TOL, enable_x64=True)  # distinct scores
    # The census's tiny RT-DETR (initializer_range 0.01) collapsed its encoder to ~1e-10: LayerNorm
    # mapped that to ~0, so every position scored the score head's bias exactly, an 84-way tie.
    # torch's topk then picks positions by its algorithm (58, 53, 54...), the model the stable order
    # (0, 1, 2...): the same scores, other boxes (the census's "error 0.75"; docs/ops/sort.md).
    # A memory of zeros makes that tie here.
    memory = torch.zeros(2, 84, 16)
    with torch.no_grad():
        logits, _, _ = m(memory)
        scores = m.score_head(m.enc_output(memory)).max(-1).values
    assert (scores == scores[:, :1]).all()  # the tie
    model = opbridge.convert(m, sample_inputs=(memory,))
    got = _ordered(run_tflite(model, [memory.numpy()]))
    torch.testing.assert_close(torch.from_numpy(got[0]), logits, **TOL)  # the same scores
    stable = torch.sort(scores, dim=1, descending=True, stable=True).indices[:, :8]
    assert torch.equal(torch.from_numpy(got[2]).long(), stable)
    with torch.no_grad():  # the boxes of the positions the stable order chose
        coords = m.bbox_head(m.enc_output(memory)) + m.anchors
    expected = coords.gather(1, stable.unsqueeze(-1).repeat(1, 1, 4)).sigmoid()
    torch.testing.assert_close(torch.from_numpy(got[1]), expected, **TOL)
