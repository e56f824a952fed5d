"""Hugging Face transformers models (tiny random configs, built offline) and the converter bugs they
hit, against torch eager: expand then transpose (Falcon's multi-query attention), MoE layers
(transformers' grouped_mm_fallback op, int64 inverse permutations, empty_like).

Tolerances: the models' outputs are O(1) (layer-normed); TFLite's FULLY_CONNECTED/BATCH_MATMUL
accumulate in another order than torch's CPU GEMM, measured 1e-7 to 3e-7 relative to the largest
output: 1e-5 leaves margin without hiding a wrong lowering (Falcon's was 1e-2).
"""

from __future__ import annotations

import pytest
import torch
import transformers as T  # pinned in requirements-torch.txt (litert-torch depends on it)
import transformers.integrations.moe  # defines torch.ops.transformers.grouped_mm_fallback

from conftest import module
from opbridge import testing, tflite_model

TOL = dict(rtol=1e-5, atol=1e-5)
TEXT = dict(
    vocab_size=128,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=64,
)


class _Hidden(torch.nn.Module):
    """The model's last hidden state (a tensor, not a ModelOutput)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.model(ids, return_dict=True)[0]


def _ids() -> torch.Tensor:
    return torch.randint(0, 128, (1, 8))


def test_expand_then_transpose_keeps_the_transpose() -> None:
    def fn(q: torch.Tensor, k: torch.Tensor, r: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, ...]:
        repeated = k.unsqueeze(2).expand(1, 1, 4, 8, 8).reshape(1, 4, 8, 8)  # repeat_kv of one head
        return (
            k.expand(1, 4, 8, 8).transpose(-1, -2),  # square: was k broadcast, not transposed
            r.expand(2, 4, 8, 6).permute(0, 3, 1, 2),  # non-square: failed at prepare
            q @ repeated.transpose(-1, -2),  # Falcon's scores
            r.expand(1, 4, 8, 6) + s,  # expand into an elementwise op
            s.sum().expand(3, 2).t(),  # a scalar broadcast (left to litert-torch)
            k.expand(1, 1, 8, 8).transpose(-1, -2),  # expand that broadcasts nothing
        )

    inputs = (
        torch.randn(1, 4, 8, 8),
        torch.randn(1, 1, 8, 8),
        torch.randn(1, 1, 8, 6),
        torch.randn(1, 4, 8, 6),
    )
    testing.assert_parity(module(fn), inputs, rtol=0, atol=1e-6)


def test_falcon_multi_query_attention() -> None:
    config = T.FalconConfig(**TEXT)  # multi_query=True, parallel_attn=True: Falcon-7B's layout
    model = _Hidden(T.FalconModel(config).eval()).eval()
    testing.assert_parity(model, (_ids(),), **TOL)


def test_grouped_mm_fallback_empty_groups_and_rows_past_the_last_offset() -> None:
    grouped_mm = torch.ops.transformers.grouped_mm_fallback

    def fn(
        x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor, perm: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        inverse = torch.empty_like(perm)  # MoE layers' inverse routing permutation (int64 scatter)
        inverse[perm] = torch.arange(perm.shape[0])
        return grouped_mm(x, w, offs), grouped_mm(x[:5], w, offs), inverse.to(torch.int32)  # int32 I/O

    x, w = torch.randn(7, 5), torch.randn(4, 5, 3)
    offs = torch.tensor([2, 2, 5, 6], dtype=torch.int32)  # expert 1 empty, row 6 past the end: 0
    model = testing.assert_parity(module(fn), (x, w, offs, torch.randperm(9)), rtol=1e-6, atol=1e-6)
    assert tflite_model.custom_op_counts(model) == {}


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("Mixtral", dict(num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2)),
        (
            "Qwen2Moe",
            dict(
                num_key_value_heads=2,
                num_experts=4,
                moe_intermediate_size=16,
                shared_expert_intermediate_size=16,
            ),
        ),
    ],
)
def test_mixture_of_experts_models(name: str, extra: dict[str, int]) -> None:
    config = getattr(T, f"{name}Config")(**TEXT, **extra)
    model = _Hidden(getattr(T, f"{name}Model")(config).eval()).eval()
    testing.assert_parity(model, (_ids(),), **TOL)
