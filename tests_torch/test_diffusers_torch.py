"""aten_diffusers.py against torch eager: the float64 rotary-embedding ops of diffusers' models
(tools/census_diffusers_models.py) and a tiny Flux transformer built offline. Inputs fed by index."""

from __future__ import annotations

import math

import pytest
import torch

from conftest import module
from opbridge import testing
from opbridge.torch import decompositions

diffusers = pytest.importorskip("diffusers")

# Until aten_diffusers is in decompositions._FAMILIES: imported after the families it chains to.
decompositions.table()
from opbridge.torch import aten_diffusers  # noqa: E402, F401


def _rotary(pos: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    # get_1d_rotary_pos_embed(freqs_dtype=float64, use_real, repeat_interleave_real): float64 angles
    freqs = 1.0 / (10000.0 ** (torch.arange(0, 8, 2, dtype=torch.float64) / 8))
    angles = torch.outer(pos, freqs)  # float32 x float64 -> float64
    return (
        angles.cos().repeat_interleave(2, dim=1).float(),  # float64 cos, then expand
        angles.sin().repeat_interleave(2, dim=1).float(),
        pos.double()[:, None].expand(-1, 3).float(),  # a float64 expand of an input
        pos.double().cos().float(),  # NaN and inf in the input
        x.cos(),  # float32: litert-torch's COS, as before
        x.sin(),
    )


def _float64_cos_sin(angles: torch.Tensor) -> tuple[torch.Tensor, ...]:
    # enable_x64: opbridge's float64 Cos/Sin kernels (litert-torch's float64 MUL of an outer
    # product still rounds to float32 then, so the angles are fed)
    return angles.cos(), angles.sin(), angles.cos().float()


_POS = torch.tensor([0.0, 1.0, 2.5, 17.0, 63.0, -40.0, math.nan, math.inf])


def test_float64_cos_sin_expand() -> None:
    # Without enable_x64 the angles are rounded to float32 before the builtin: |angle| * 2^-24
    # absolute at most (63 * 6e-8 = 3.8e-6), which atol allows; with enable_x64 the Cos/Sin kernels
    # run in double (torch's float64 cos within 1 ulp, then rounded to float32 as torch does).
    x = torch.tensor([0.0, -1.5, 3.0, 100.0, math.nan, -math.inf, 1e-20, 7.0])
    testing.assert_parity(module(_rotary), (_POS, x), rtol=0, atol=4e-6)
    # glibc's cos/sin against torch's Sleef u10 (within 1 ulp each): rtol 2 ulp
    angles = torch.tensor(
        [0.0, 1e-300, 0.3, -2.0, 63.0 * 0.5, 1e5, 1e15, math.nan, -math.inf], dtype=torch.float64
    )
    testing.assert_parity(module(_float64_cos_sin), (angles,), rtol=4.5e-16, atol=0, enable_x64=True)


class _Flux(torch.nn.Module):
    """FluxTransformer2DModel (one double- and one single-stream block, 3-axis rotary), guidance
    embedded: the velocity for a 4 x 4 latent. Zero-initialized layers get random values."""

    def __init__(self) -> None:
        super().__init__()
        self.model = diffusers.FluxTransformer2DModel(
            patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
            num_attention_heads=2, joint_attention_dim=16, pooled_projection_dim=8, guidance_embeds=True,
            axes_dims_rope=(4, 4, 8),
        ).eval()  # fmt: skip
        with torch.no_grad():
            for p in self.model.parameters():
                if not p.any():
                    p.normal_(0.0, 0.05)
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        keys = (
            "hidden_states",
            "encoder_hidden_states",
            "pooled_projections",
            "timestep",
            "img_ids",
            "txt_ids",
        )
        return self.model(**dict(zip(keys, inputs, strict=False)), guidance=inputs[-1], return_dict=False)[0]


def test_flux_transformer() -> None:
    ids = torch.stack(torch.meshgrid(torch.zeros(1), torch.arange(4.0), torch.arange(4.0), indexing="ij"), -1)
    inputs = (
        torch.randn(1, 16, 4),
        torch.randn(1, 4, 16),
        torch.randn(1, 8),
        torch.tensor([0.5]),
        ids.reshape(-1, 3),
        torch.zeros(4, 3),
        torch.tensor([3.5]),
    )
    testing.assert_parity(_Flux(), inputs, rtol=1e-5, atol=1e-5)
