"""aten_models.py against torch eager, on the architectures (or their layers) it fixes; the model's
inputs are fed by index."""

from __future__ import annotations

import torch
import transformers

from conftest import module
from opbridge import testing


def test_cat_promotes_mixed_dtypes() -> None:
    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.cat([a, -torch.ones(2, 1, dtype=torch.int64)], 1),  # int32 + int64 -> int64
            torch.cat([b, a], 0),  # float32 + int32 -> float32
            torch.cat([c, b > 0, a], 1),  # bool + bool + int32 -> int32 (a 3-way promotion)
            torch.cat([a.to(torch.int16), a.to(torch.uint8)], 1),  # int16 + uint8 -> int16
            torch.cat([b, b], 1),  # same dtype: litert-torch's own CONCATENATION
            torch.cat([torch.complex(b, b), torch.complex(b, -b)], 1).imag,  # complex: aten_fft's
        )

    a = torch.randint(-5, 5, (2, 3), dtype=torch.int32)
    testing.assert_parity(
        module(fn), (a, torch.randn(2, 3), torch.rand(2, 2) > 0.5), rtol=0, atol=0, enable_x64=True
    )


class _Sam(torch.nn.Module):
    """SAM from a tiny config (image encoder, point prompts, mask decoder): the predicted masks."""

    def __init__(self) -> None:
        super().__init__()
        config = transformers.SamConfig(
            vision_config=transformers.SamVisionConfig(
                hidden_size=32, output_channels=16, num_hidden_layers=2, num_attention_heads=4, image_size=64,
                patch_size=8, window_size=4, global_attn_indexes=[1], mlp_dim=64, num_pos_feats=8,
            ),
            prompt_encoder_config=transformers.SamPromptEncoderConfig(
                hidden_size=16, image_size=64, patch_size=8, mask_input_channels=4
            ),
            mask_decoder_config=transformers.SamMaskDecoderConfig(
                hidden_size=16, num_hidden_layers=1, num_attention_heads=2, mlp_dim=32, iou_head_hidden_dim=16
            ),
        )  # fmt: skip
        self.sam = transformers.SamModel(config).eval()

    def forward(self, pixels: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores, masks = self.sam(pixel_values=pixels, input_points=points, return_dict=False)[:2]
        return scores, masks


def test_sam_with_point_prompts() -> None:
    inputs = (torch.randn(1, 3, 64, 64), torch.rand(1, 1, 2, 2) * 64)
    testing.assert_parity(_Sam().eval(), inputs, rtol=1e-5, atol=1e-5)


def test_linear_on_rank4_inputs_with_unit_dims() -> None:
    # (1, H, 1, C) and (1, 1, 1, C) failed litert-torch's converter passes (BATCH_MATMUL rank 4);
    # (2, 1, 1, C) and rank 5 ride along. Each output element is the same dot product as torch's
    # (FULLY_CONNECTED sums the C = 8 products in another order: a few ulp).
    layer = torch.nn.Linear(8, 16)
    scale = torch.full((16,), 0.5)

    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(scale * layer(x) for x in (a, b, c, d))

    inputs = (
        torch.randn(1, 3, 1, 8),
        torch.randn(1, 1, 1, 8),
        torch.randn(2, 1, 1, 8),
        torch.randn(1, 2, 1, 3, 8),
    )
    testing.assert_parity(module(fn), inputs, rtol=1e-6, atol=1e-6)


class _ConvNextBlock(torch.nn.Module):
    """ConvNext's block as Hugging Face builds it: zero biases, a layer scale."""

    def __init__(self, c: int = 8) -> None:
        super().__init__()
        self.dw = torch.nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = torch.nn.LayerNorm(c)
        self.up, self.down = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)
        torch.nn.init.zeros_(self.up.bias)
        torch.nn.init.zeros_(self.down.bias)
        self.scale = torch.nn.Parameter(torch.full((c,), 0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.scale * self.down(torch.nn.functional.gelu(self.up(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


def test_convnext_block_at_unit_spatial_sizes() -> None:
    # conv -> permute -> linear (zero bias) -> layer scale at 1x1 and Hx1 failed the converter's
    # passes (BATCH_MATMUL of rank 4), litert-torch alone too (ConvNext once a stage is 1x1).
    block = _ConvNextBlock().eval()

    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return block(a), block(b), block(c)

    inputs = (torch.randn(1, 8, 1, 1), torch.randn(1, 8, 3, 1), torch.randn(1, 8, 1, 3))
    testing.assert_parity(module(fn), inputs, rtol=1e-5, atol=1e-5)
