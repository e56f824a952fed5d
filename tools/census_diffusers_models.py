"""The diffusers model census: diffusers models (UNets, VAEs, adapters, diffusion transformers,
scheduler steps) built offline from tiny random configs (no download), one forward pass each with
static sample inputs, converted by litert-torch alone and by opbridge.convert, run in LiteRT and
compared with torch eager.

    .venv-torch/bin/python tools/census_diffusers_models.py --markdown docs/models-diffusers.md
    .venv-torch/bin/python tools/census_diffusers_models.py --only UNet2D VQModel

Each entry of ARCHITECTURES builds (module, sample inputs) from a seeded generator; torch.manual_seed
runs before each build, so the weights (drawn from torch's global generator) are reproducible.
error = max |LiteRT - torch| / max |torch| over the outputs.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).parent))

from census_torch import WRONG, matches, model_row, table_line

from opbridge.torch.testing import reference_outputs

Builder = Callable[[torch.Generator], tuple[torch.nn.Module, tuple[torch.Tensor, ...]]]


def _flat(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if hasattr(out, "to_tuple"):
        out = out.to_tuple()
    return [t for item in out if item is not None for t in _flat(item)]


class Forward(torch.nn.Module):
    """`fn(model, **dict(zip(keys, inputs)), **fixed)` with the inputs fed by position; returns its
    tensors flattened (a diffusers output's fields, or the tuple of `return_dict=False`), or the
    first `outputs` of them."""

    def __init__(
        self,
        model: torch.nn.Module,
        keys: tuple[str, ...],
        fn: Callable[..., Any] | None = None,
        outputs: int | None = 1,
        **fixed: Any,
    ) -> None:
        super().__init__()
        self.model = model.eval()
        self.keys = keys
        self.fn = fn
        self.outputs = outputs
        self.fixed = fixed
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> Any:
        kwargs = {**dict(zip(self.keys, inputs, strict=True)), **self.fixed}
        out = self.fn(self.model, **kwargs) if self.fn else self.model(**kwargs, return_dict=False)
        flat = _flat(out)
        flat = flat if self.outputs is None else flat[: self.outputs]
        return flat[0] if len(flat) == 1 else tuple(flat)


def _randn(g: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=g)


def _t(value: float = 500.0) -> torch.Tensor:
    return torch.tensor([value])


def _diffusers(cls: str, **config: Any) -> torch.nn.Module:
    import diffusers

    model = getattr(diffusers, cls)(**config)
    # Zero-initialized layers (ControlNet's zero convolutions, adaLN-Zero modulations, output
    # projections) would make the outputs, or a branch, identically zero: parity on them would
    # check nothing. They get small random values instead.
    with torch.no_grad():
        for p in model.parameters():
            if p.numel() and not p.any():
                p.normal_(0.0, 0.05)
    return model


# Stable-Diffusion-style UNet: cross-attention down/up blocks, 4 latent channels, 8-wide text states.
_UNET_SD = {
    "block_out_channels": (8, 16),
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "sample_size": 16,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
    "cross_attention_dim": 8,
    "attention_head_dim": 2,
}
_UNET_KEYS = ("sample", "timestep", "encoder_hidden_states")


def _unet_sd(g: torch.Generator, **overrides: Any) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers("UNet2DConditionModel", **{**_UNET_SD, **overrides})
    return Forward(model, _UNET_KEYS), (_randn(g, 1, 4, 16, 16), _t(), _randn(g, 1, 4, 8))


def _unet_class_labels(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers("UNet2DConditionModel", **_UNET_SD, num_class_embeds=10)
    inputs = (_randn(g, 1, 4, 16, 16), _t(), _randn(g, 1, 4, 8), torch.tensor([3]))
    return Forward(model, (*_UNET_KEYS, "class_labels")), inputs


def _unet_class_timestep(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # class_embed_type="timestep": the class label is a noise level embedded like the timestep
    # (the Stable Diffusion x4 upscaler).
    model = _diffusers("UNet2DConditionModel", **_UNET_SD, class_embed_type="timestep")
    inputs = (_randn(g, 1, 4, 16, 16), _t(), _randn(g, 1, 4, 8), _t(20.0))
    return Forward(model, (*_UNET_KEYS, "class_labels")), inputs


def _unet_sdxl(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # SDXL: pooled text embeddings and the size/crop "time ids" added to the time embedding.
    model = _diffusers(
        "UNet2DConditionModel",
        **_UNET_SD,
        addition_embed_type="text_time",
        addition_time_embed_dim=4,
        projection_class_embeddings_input_dim=8 + 6 * 4,
        transformer_layers_per_block=(1, 2),
    )

    def call(m: Any, text_embeds: torch.Tensor, time_ids: torch.Tensor, **kw: Any) -> Any:
        added = {"text_embeds": text_embeds, "time_ids": time_ids}
        return m(**kw, added_cond_kwargs=added, return_dict=False)

    inputs = (
        _randn(g, 1, 4, 16, 16),
        _t(),
        _randn(g, 1, 4, 8),
        _randn(g, 1, 8),
        torch.tensor([[32.0, 32.0, 0.0, 0.0, 32.0, 32.0]]),
    )
    return Forward(model, (*_UNET_KEYS, "text_embeds", "time_ids"), call), inputs


def _unet_lcm(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Latent consistency models: the guidance scale embedded (timestep_cond) into the time embedding.
    model = _diffusers("UNet2DConditionModel", **_UNET_SD, time_cond_proj_dim=8)
    inputs = (_randn(g, 1, 4, 16, 16), _t(), _randn(g, 1, 4, 8), _randn(g, 1, 8))
    return Forward(model, (*_UNET_KEYS, "timestep_cond")), inputs


def _unet2d(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "UNet2DModel",
        block_out_channels=(8, 16),
        norm_num_groups=4,
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=4,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        sample_size=16,
    )
    return Forward(model, ("sample", "timestep")), (_randn(g, 1, 3, 16, 16), _t())


def _unet2d_consistency(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # The consistency-model UNet (openai/diffusers-cd_imagenet64_l2 layout): class-conditional,
    # scale-shift time norm, attention with a head dim, ResnetDownsample blocks.
    model = _diffusers(
        "UNet2DModel",
        sample_size=16,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        num_class_embeds=10,
        block_out_channels=(8, 16),
        norm_num_groups=4,
        attention_head_dim=4,
        down_block_types=("ResnetDownsampleBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "ResnetUpsampleBlock2D"),
        resnet_time_scale_shift="scale_shift",
    )
    inputs = (_randn(g, 1, 3, 16, 16), _t(0.5), torch.tensor([3]))
    return Forward(model, ("sample", "timestep", "class_labels")), inputs


def _unet1d(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Dance Diffusion's 1D UNet (its default blocks) at 8..16 channels.
    model = _diffusers(
        "UNet1DModel",
        block_out_channels=(32, 32, 64),  # its attention has channels // 32 heads
        in_channels=2,
        out_channels=2,
        time_embedding_dim=16,
        extra_in_channels=16,
        down_block_types=("DownBlock1DNoSkip", "DownBlock1D", "AttnDownBlock1D"),
        up_block_types=("AttnUpBlock1D", "UpBlock1D", "UpBlock1DNoSkip"),
        mid_block_type="UNetMidBlock1D",
        sample_size=64,
    )
    return Forward(model, ("sample", "timestep")), (_randn(g, 1, 2, 64), _t(0.3))


def _unet1d_rl(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # The value/trajectory UNet of diffusers' RL pipeline (Janner et al.): Conv1D residual blocks.
    model = _diffusers(
        "UNet1DModel",
        block_out_channels=(8, 16),
        in_channels=4,
        out_channels=4,
        down_block_types=("DownResnetBlock1D", "DownResnetBlock1D"),
        up_block_types=("UpResnetBlock1D",),
        mid_block_type="MidResTemporalBlock1D",
        out_block_type="OutConv1DBlock",
        act_fn="mish",
        use_timestep_embedding=True,
        time_embedding_type="positional",
        flip_sin_to_cos=False,
        freq_shift=1,
        norm_num_groups=8,
        layers_per_block=1,
        downsample_each_block=False,
        sample_size=16,
        extra_in_channels=0,
    )
    return Forward(model, ("sample", "timestep")), (_randn(g, 1, 4, 16), _t(10.0))


def _unet3d(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "UNet3DConditionModel",
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=8,
        attention_head_dim=4,
    )
    return Forward(model, _UNET_KEYS), (_randn(g, 1, 4, 2, 16, 16), _t(), _randn(g, 1, 4, 8))


def _unet_svd(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Stable Video Diffusion: spatio-temporal blocks, image embeddings, added time ids (its group
    # norms have 32 groups: 32 channels at least).
    model = _diffusers(
        "UNetSpatioTemporalConditionModel",
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=8,
        num_attention_heads=(2, 4),
        addition_time_embed_dim=4,
        projection_class_embeddings_input_dim=12,
        num_frames=2,
    )
    inputs = (_randn(g, 1, 2, 8, 16, 16), _t(), _randn(g, 1, 1, 8), torch.tensor([[6.0, 127.0, 0.02]]))
    return Forward(model, (*_UNET_KEYS, "added_time_ids")), inputs


_VAE = {
    "block_out_channels": (8, 16),
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ("DownEncoderBlock2D", "DownEncoderBlock2D"),
    "up_block_types": ("UpDecoderBlock2D", "UpDecoderBlock2D"),
    "latent_channels": 4,
    "norm_num_groups": 4,
    "sample_size": 32,
}


def _vae_encoder(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # The latent distribution's mean and log-variance (what a pipeline samples from).
    def call(m: Any, x: torch.Tensor) -> Any:
        dist = m.encode(x).latent_dist
        return dist.mean, dist.logvar

    return Forward(_diffusers("AutoencoderKL", **_VAE), ("x",), call, outputs=None), (
        _randn(g, 1, 3, 32, 32),
    )


def _vae_decoder(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    def call(m: Any, z: torch.Tensor) -> Any:
        return m.decode(z).sample

    return Forward(_diffusers("AutoencoderKL", **_VAE), ("z",), call), (_randn(g, 1, 4, 16, 16),)


def _vae_tiny(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # TAESD: encode then decode (its latents clamped by a scaled tanh).
    model = _diffusers(
        "AutoencoderTiny",
        encoder_block_out_channels=(8, 8),
        decoder_block_out_channels=(8, 8),
        num_encoder_blocks=(1, 1),
        num_decoder_blocks=(1, 1),
    )
    return Forward(model, ("sample",)), (_randn(g, 1, 3, 16, 16),)


def _vq(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Encode, quantize to the nearest codebook vector (argmin of distances), decode.
    model = _diffusers(
        "VQModel",
        block_out_channels=(8, 16),
        norm_num_groups=4,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=3,
        num_vq_embeddings=16,
        vq_embed_dim=3,
        sample_size=16,
    )
    return Forward(model, ("sample",)), (_randn(g, 1, 3, 16, 16),)


def _controlnet(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # All residuals (each down block's and the mid block's); the condition image at 2x the latent.
    config = {k: v for k, v in _UNET_SD.items() if k not in ("sample_size", "out_channels", "up_block_types")}
    model = _diffusers("ControlNetModel", **config, conditioning_embedding_out_channels=(8, 8))
    inputs = (_randn(g, 1, 4, 16, 16), _t(), _randn(g, 1, 4, 8), _randn(g, 1, 3, 32, 32))
    return Forward(model, (*_UNET_KEYS, "controlnet_cond"), outputs=None), inputs


def _t2i_adapter(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    def call(m: Any, x: torch.Tensor) -> Any:
        return m(x)

    model = _diffusers("T2IAdapter", in_channels=3, channels=(8, 16), num_res_blocks=1, downscale_factor=2)
    return Forward(model, ("x",), call, outputs=None), (_randn(g, 1, 3, 16, 16),)


def _t2i_adapter_light(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    def call(m: Any, x: torch.Tensor) -> Any:
        return m(x)

    model = _diffusers(
        "T2IAdapter",
        in_channels=3,
        channels=(8, 16),
        num_res_blocks=1,
        downscale_factor=2,
        adapter_type="light_adapter",
    )
    return Forward(model, ("x",), call, outputs=None), (_randn(g, 1, 3, 16, 16),)


def _prior(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "PriorTransformer",
        num_attention_heads=2,
        attention_head_dim=4,
        num_layers=2,
        embedding_dim=8,
        num_embeddings=7,
        additional_embeddings=4,
    )
    inputs = (_randn(g, 1, 8), _t(10.0), _randn(g, 1, 8), _randn(g, 1, 7, 8))
    return Forward(model, ("hidden_states", "timestep", "proj_embedding", "encoder_hidden_states")), inputs


def _dit(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "DiTTransformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        out_channels=8,
        num_attention_heads=2,
        attention_head_dim=4,
        num_layers=2,
        num_embeds_ada_norm=10,
        norm_num_groups=1,
    )
    inputs = (_randn(g, 1, 4, 8, 8), _t(), torch.tensor([3]))
    return Forward(model, ("hidden_states", "timestep", "class_labels")), inputs


def _transformer2d(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # The Stable Diffusion 1/2 spatial transformer on its own (continuous input, cross-attention).
    model = _diffusers(
        "Transformer2DModel",
        num_attention_heads=2,
        attention_head_dim=4,
        in_channels=8,
        num_layers=1,
        norm_num_groups=4,
        cross_attention_dim=8,
    )
    return Forward(model, ("hidden_states", "encoder_hidden_states")), (
        _randn(g, 1, 8, 8, 8),
        _randn(g, 1, 4, 8),
    )


def _pixart(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "PixArtTransformer2DModel",
        sample_size=8,
        num_layers=2,
        patch_size=2,
        attention_head_dim=4,
        num_attention_heads=2,
        caption_channels=8,
        in_channels=4,
        cross_attention_dim=8,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
    )
    inputs = (_randn(g, 1, 4, 8, 8), _randn(g, 1, 4, 8), _t())
    added = {"resolution": None, "aspect_ratio": None}
    keys = ("hidden_states", "encoder_hidden_states", "timestep")
    return Forward(model, keys, added_cond_kwargs=added), inputs


def _sd3(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "SD3Transformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        num_layers=2,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_projection_dim=16,
        joint_attention_dim=16,
        pooled_projection_dim=8,
        out_channels=4,
        pos_embed_max_size=8,
    )
    inputs = (_randn(g, 1, 4, 8, 8), _randn(g, 1, 4, 16), _randn(g, 1, 8), _t())
    keys = ("hidden_states", "encoder_hidden_states", "pooled_projections", "timestep")
    return Forward(model, keys), inputs


def _flux(g: torch.Generator, guidance: bool = False) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Flux: double-stream (joint) then single-stream blocks with 3-axis rotary embeddings.
    model = _diffusers(
        "FluxTransformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        pooled_projection_dim=8,
        guidance_embeds=guidance,
        axes_dims_rope=(4, 4, 8),
    )
    h = w = 4
    ids = torch.stack(
        torch.meshgrid(torch.zeros(1, dtype=torch.long), torch.arange(h), torch.arange(w), indexing="ij"), -1
    )
    inputs = [_randn(g, 1, h * w, 4), _randn(g, 1, 4, 16), _randn(g, 1, 8), _t(0.5)]
    inputs += [ids.reshape(-1, 3).float(), torch.zeros(4, 3)]
    keys = ["hidden_states", "encoder_hidden_states", "pooled_projections", "timestep", "img_ids", "txt_ids"]
    if guidance:
        inputs.append(torch.tensor([3.5]))
        keys.append("guidance")
    return Forward(model, tuple(keys)), tuple(inputs)


def _sana(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    # Sana: linear (ReLU-kernel) self-attention, cross-attention, Mix-FFN with a depthwise conv.
    model = _diffusers(
        "SanaTransformer2DModel",
        patch_size=1,
        in_channels=4,
        out_channels=4,
        num_layers=1,
        attention_head_dim=4,
        num_attention_heads=2,
        num_cross_attention_heads=2,
        cross_attention_head_dim=4,
        cross_attention_dim=8,
        caption_channels=8,
        sample_size=8,
    )
    inputs = (_randn(g, 1, 4, 8, 8), _randn(g, 1, 4, 8), _t())
    return Forward(model, ("hidden_states", "encoder_hidden_states", "timestep")), inputs


def _cogvideox(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "CogVideoXTransformer3DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=8,
        num_layers=1,
        sample_width=8,
        sample_height=8,
        sample_frames=5,
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=4,
    )
    inputs = (_randn(g, 1, 2, 4, 8, 8), _randn(g, 1, 4, 8), _t())
    return Forward(model, ("hidden_states", "encoder_hidden_states", "timestep")), inputs


def _ltx(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "LTXVideoTransformer3DModel",
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        num_layers=1,
        caption_channels=8,
    )
    f, h, w = 2, 4, 4
    inputs = (_randn(g, 1, f * h * w, 4), _randn(g, 1, 4, 8), _t(), torch.ones(1, 4))
    keys = ("hidden_states", "encoder_hidden_states", "timestep", "encoder_attention_mask")
    return Forward(model, keys, num_frames=f, height=h, width=w), inputs


def _wan(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    model = _diffusers(
        "WanTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=1,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    inputs = (_randn(g, 1, 4, 2, 8, 8), _t(), _randn(g, 1, 4, 16))
    return Forward(model, ("hidden_states", "timestep", "encoder_hidden_states")), inputs


class _SchedulerStep(torch.nn.Module):
    """One denoising step of a scheduler at a fixed timestep (a python constant: the schedules are
    tables indexed by it), model_output and sample fed; returns the previous sample."""

    def __init__(
        self, scheduler: Any, index: int, extra: Callable[[Any], dict[str, Any]] | None = None
    ) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.index = index
        # a python number (read here, in eager): the schedules index their tables by it, which
        # torch.export cannot trace from a tensor
        self.timestep = scheduler.timesteps[index].item()
        self.extra = extra or (lambda s: {})
        self.eval()

    def forward(self, model_output: torch.Tensor, sample: torch.Tensor) -> torch.Tensor:
        s = self.scheduler
        t = self.timestep
        # Stateful schedulers (Euler's step index, DPM-Solver's history) start fresh at each call.
        for field in ("_step_index", "lower_order_nums"):
            if hasattr(s, field):
                setattr(s, field, None if field == "_step_index" else 0)
        if hasattr(s, "model_outputs"):
            s.model_outputs = [None] * len(s.model_outputs)
            s.last_sample = None
        if hasattr(s, "is_scale_input_called"):  # the sample fed is the scaled one
            s.is_scale_input_called = True
        if hasattr(s, "_begin_index"):
            s._begin_index = self.index
        return s.step(model_output, t, sample, return_dict=False, **self.extra(s))[0]


def _scheduler(cls: str, index: int = 3, **config: Any) -> Builder:
    def build(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
        import diffusers

        scheduler = getattr(diffusers, cls)(**config)
        scheduler.set_timesteps(10)
        return _SchedulerStep(scheduler, index), (_randn(g, 1, 4, 8, 8), _randn(g, 1, 4, 8, 8))

    return build


ARCHITECTURES: dict[str, Builder] = {
    "UNet2D": _unet2d,
    "UNet2D (consistency model, class labels)": _unet2d_consistency,
    "UNet2DCondition (SD)": _unet_sd,
    "UNet2DCondition (class labels)": _unet_class_labels,
    "UNet2DCondition (timestep class embedding)": _unet_class_timestep,
    "UNet2DCondition (SDXL text_time)": _unet_sdxl,
    "UNet2DCondition (LCM time_cond_proj_dim)": _unet_lcm,
    "UNet2DCondition (linear projection, upcast attention)": lambda g: _unet_sd(
        g, use_linear_projection=True, upcast_attention=True
    ),
    "UNet1D (Dance Diffusion)": _unet1d,
    "UNet1D (RL value/trajectory)": _unet1d_rl,
    "UNet3DCondition": _unet3d,
    "UNetSpatioTemporalCondition": _unet_svd,
    "AutoencoderKL encoder": _vae_encoder,
    "AutoencoderKL decoder": _vae_decoder,
    "AutoencoderTiny": _vae_tiny,
    "VQModel": _vq,
    "ControlNet": _controlnet,
    "T2IAdapter (full)": _t2i_adapter,
    "T2IAdapter (light)": _t2i_adapter_light,
    "PriorTransformer": _prior,
    "Transformer2D (SD spatial)": _transformer2d,
    "DiTTransformer2D": _dit,
    "PixArtTransformer2D": _pixart,
    "SD3Transformer2D": _sd3,
    "FluxTransformer2D": _flux,
    "FluxTransformer2D (guidance)": lambda g: _flux(g, guidance=True),
    "SanaTransformer2D": _sana,
    "CogVideoXTransformer3D": _cogvideox,
    "LTXVideoTransformer3D": _ltx,
    "WanTransformer3D": _wan,
    "DDIMScheduler step": _scheduler("DDIMScheduler"),
    "DDPMScheduler step (no noise: last step)": _scheduler("DDPMScheduler", index=9),
    "EulerDiscreteScheduler step": _scheduler("EulerDiscreteScheduler"),
    "DPMSolverMultistepScheduler step": _scheduler("DPMSolverMultistepScheduler"),
    "LCMScheduler step": _scheduler("LCMScheduler", index=9),
    "FlowMatchEulerDiscreteScheduler step": _scheduler("FlowMatchEulerDiscreteScheduler"),
}


def build(name: str) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    """ARCHITECTURES[name]'s module and inputs, its weights drawn after torch.manual_seed(0)."""
    torch.manual_seed(0)
    return ARCHITECTURES[name](torch.Generator().manual_seed(0))


def census(only: list[str]) -> list[dict[str, Any]]:
    logging.getLogger().setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    import diffusers

    diffusers.utils.logging.set_verbosity_error()
    # each of `only` names an architecture, or else starts the names of several
    chosen = [n for n in ARCHITECTURES if not only or n in only]
    chosen += [n for n in ARCHITECTURES if any(o not in ARCHITECTURES and n.startswith(o) for o in only)]
    rows = []
    for name in [n for n in ARCHITECTURES if n in chosen]:
        start = time.monotonic()
        try:
            module, inputs = build(name)
            expected = reference_outputs(module, inputs)
        except Exception as exc:  # a config this diffusers version rejects: recorded, not fatal
            row = {"architecture": name, "error": f"{type(exc).__name__}: {exc}"[:200]}
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
            continue
        rows.append(model_row(name, module, inputs, expected, start))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    import diffusers

    built = [r for r in rows if "litert_torch" in r]
    stock = sum(matches(r["litert_torch"]) for r in built)
    ours = sum(matches(r["opbridge"]) for r in built)
    lines = [
        "# diffusers architectures (generated)",
        "",
        f"Generated by `python tools/census_diffusers_models.py --markdown docs/models-diffusers.md` "
        f"with torch {torch.__version__}, diffusers {diffusers.__version__}, litert-torch "
        f"{importlib.metadata.version('litert-torch')} and ai-edge-litert "
        f"{importlib.metadata.version('ai-edge-litert')}; do not edit by hand. Each architecture "
        "(tools/census_diffusers_models.py: a diffusers model from a tiny random config built offline, "
        "weights drawn after torch.manual_seed(0), zero-initialized ones (ControlNet's zero convolutions, "
        "norm biases) given small random values, one forward pass with static sample inputs; a "
        "scheduler step at a fixed timestep) is converted by litert-torch alone and run in the stock "
        "interpreter, then by `opbridge.convert` and run with opbridge's kernels; error = "
        "max |LiteRT - torch| / max |torch| over the outputs, float32.",
        "",
        f"- {len(rows)} architectures: litert-torch alone converts and matches torch (error <= {WRONG:g}) "
        f"on {stock}; with opbridge, {ours}.",
        "",
        "| architecture | litert-torch alone | with opbridge | custom nodes |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if "litert_torch" not in r:
            lines.append(f"| {r['architecture']} | not built: {r['error']} | | |")
            continue
        lines.append(table_line(r))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="write the table here")
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--only", nargs="*", default=[], help="these architectures only (or name prefixes)")
    parser.add_argument(
        "--rows",
        nargs="*",
        default=[],
        help="make the table from these --json files (runs split up), in ARCHITECTURES' order",
    )
    args = parser.parse_args()
    if args.rows:
        found = {r["architecture"]: r for f in args.rows for r in json.loads(Path(f).read_text())}
        rows = [found[name] for name in ARCHITECTURES if name in found]
    else:
        rows = census(args.only)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    text = markdown(rows)
    if args.markdown:
        Path(args.markdown).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
