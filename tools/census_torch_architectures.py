"""The architectures of the PyTorch model census (tools/census_torch_models.py): Hugging Face
transformers models built offline from tiny random configs (no download), one forward pass each.

Each entry builds (model, sample inputs) from a seeded generator. A config is the library's default
with its size fields shrunk (`_tiny`), so the graph keeps the architecture's ops (attention
variants, rotary, norms, MoE routing, convolution stems) at a size that converts in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import transformers

Builder = Callable[[torch.Generator], tuple[torch.nn.Module, tuple[torch.Tensor, ...]]]

# Size fields shrunk wherever a config has them (names differ across architectures).
_SIZES: dict[str, Any] = {
    "vocab_size": 128,
    "hidden_size": 32,
    "d_model": 32,
    "n_embd": 32,
    "dim": 32,
    "num_hidden_layers": 2,
    "n_layer": 2,
    "n_layers": 2,
    "num_layers": 2,
    "num_attention_heads": 4,
    "n_head": 4,
    "n_heads": 4,
    "num_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "intermediate_size": 64,
    "hidden_dim": 64,
    "ffn_dim": 64,
    "d_ff": 64,
    "max_position_embeddings": 64,
    "n_positions": 64,
    "pad_token_id": 0,
    "bos_token_id": 1,
    "eos_token_id": 2,
}


def _tiny(name: str, generic: bool = True, **overrides: Any) -> Any:
    """transformers.<name>Config with its size fields shrunk (`generic`: the common fields it has) and
    `overrides`. Passed to the constructor, which derives fields (layer counts from lists) from them."""
    cls = getattr(transformers, name + "Config")
    default = cls()
    sizes = {
        key: value
        for key, value in _SIZES.items()
        if generic and hasattr(default, key) and not isinstance(getattr(cls, key, None), property)
    }
    return cls(**{**sizes, **overrides})


def _ids(g: torch.Generator, length: int = 8) -> torch.Tensor:
    return torch.randint(3, 128, (1, length), generator=g)


def _image(g: torch.Generator, size: int = 32, channels: int = 3) -> torch.Tensor:
    return torch.randn(1, channels, size, size, generator=g)


class Forward(torch.nn.Module):
    """A model called as users call it (`model(input_ids=..., ...)`) with the inputs fed by position,
    returning its first output (last hidden state, or logits for a task head)."""

    def __init__(self, model: torch.nn.Module, keys: tuple[str, ...]) -> None:
        super().__init__()
        self.model = model
        self.keys = keys
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = self.model(**dict(zip(self.keys, inputs, strict=True)), use_cache=False, return_dict=False)
        return out[0]


def _model(config: Any, cls: str = "AutoModel", keys: tuple[str, ...] = ("input_ids",)) -> torch.nn.Module:
    return Forward(getattr(transformers, cls).from_config(config), keys)


def text(name: str, cls: str = "AutoModel", **overrides: Any) -> Builder:
    return lambda g: (_model(_tiny(name, **overrides), cls), (_ids(g),))


def causal_lm(name: str, **overrides: Any) -> Builder:
    return text(name, "AutoModelForCausalLM", **overrides)


def vision(
    name: str, size: int = 32, cls: str = "AutoModel", generic: bool = True, **overrides: Any
) -> Builder:
    return lambda g: (_model(_tiny(name, generic, **overrides), cls, ("pixel_values",)), (_image(g, size),))


_VIT = {"image_size": 32, "patch_size": 8}
# Stage-based convolutional backbones keep their own field names (no generic shrink).
_STAGES: dict[str, Any] = {"hidden_sizes": [8, 16, 32, 64], "depths": [1, 1, 1, 1], "generic": False}
_WAV2VEC2 = {
    "conv_dim": (16, 16),
    "conv_stride": (5, 2),
    "conv_kernel": (10, 3),
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2,
}


def _audio(name: str, **overrides: Any) -> Builder:
    config = _tiny(name, **{**_WAV2VEC2, **overrides})
    return lambda g: (_model(config, keys=("input_values",)), (torch.randn(1, 400, generator=g),))


def _whisper_encoder(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    config = _tiny(
        "Whisper", encoder_layers=1, decoder_layers=1, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16,
        max_target_positions=16,
    )  # fmt: skip
    encoder = transformers.WhisperModel(config).get_encoder()
    return Forward(encoder, ("input_features",)), (torch.randn(1, 16, 32, generator=g),)


def _seq2seq(name: str, **overrides: Any) -> Builder:
    """Encoder-decoder: input_ids and decoder_input_ids, the decoder's hidden states."""

    def build(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
        model = _model(_tiny(name, **overrides), keys=("input_ids", "decoder_input_ids"))
        return model, (_ids(g), _ids(g, 5))

    return build


def _ast(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
    config = _tiny("AST", num_mel_bins=16, max_length=32, patch_size=8, frequency_stride=8, time_stride=8)
    return _model(config, keys=("input_values",)), (torch.randn(1, 32, 16, generator=g),)


def _time_series(name: str) -> Builder:
    def build(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
        config = _tiny(name, context_length=32, patch_length=8, patch_stride=8, num_input_channels=3)
        return _model(config, keys=("past_values",)), (torch.randn(1, 32, 3, generator=g),)

    return build


_MOE = {"num_experts": 4, "num_local_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 16}

ARCHITECTURES: dict[str, Builder] = {
    # decoder-only language models, logits of one forward pass
    "Llama": causal_lm("Llama"),
    "Mistral": causal_lm("Mistral"),
    "Qwen2": causal_lm("Qwen2"),
    "Qwen3": causal_lm("Qwen3"),
    "Gemma": causal_lm("Gemma"),
    "Gemma2": causal_lm("Gemma2"),
    "Gemma3Text": causal_lm("Gemma3Text"),
    "Phi": causal_lm("Phi"),
    "Phi3": causal_lm("Phi3"),
    "GPT2": causal_lm("GPT2"),
    "GPTNeoX": causal_lm("GPTNeoX"),
    "GPTJ": causal_lm("GPTJ", rotary_dim=4),
    "Falcon": causal_lm("Falcon"),
    "Bloom": causal_lm("Bloom"),
    "OPT": causal_lm("OPT", word_embed_proj_dim=32),
    "Mpt": causal_lm("Mpt"),
    "Olmo": causal_lm("Olmo"),
    "Olmo2": causal_lm("Olmo2"),
    "StableLm": causal_lm("StableLm"),
    "Starcoder2": causal_lm("Starcoder2"),
    "Cohere": causal_lm("Cohere"),
    "Granite": causal_lm("Granite"),
    "SmolLM3": causal_lm("SmolLM3"),
    "Glm": causal_lm("Glm"),
    "Lfm2": causal_lm("Lfm2"),
    "Mamba": causal_lm("Mamba", state_size=4),
    "Mamba2": causal_lm("Mamba2", state_size=4, n_groups=1, expand=2, num_heads=8, chunk_size=8),
    "Rwkv": causal_lm("Rwkv", attention_hidden_size=32, context_length=64),
    "Mixtral": causal_lm("Mixtral", **_MOE),
    "Qwen2Moe": causal_lm("Qwen2Moe", shared_expert_intermediate_size=16, **_MOE),
    "Qwen3Moe": causal_lm("Qwen3Moe", **_MOE),
    "Olmoe": causal_lm("Olmoe", **_MOE),
    "GraniteMoe": causal_lm("GraniteMoe", **_MOE),
    "GptOss": causal_lm("GptOss", **_MOE),
    # encoders
    "Bert": text("Bert"),
    "Roberta": text("Roberta"),
    "DistilBert": text("DistilBert"),
    "Albert": text("Albert", embedding_size=16),
    "Electra": text("Electra", embedding_size=16),
    "DebertaV2": text("DebertaV2"),
    "MobileBert": text("MobileBert", embedding_size=16, intra_bottleneck_size=32, true_hidden_size=32),
    "ModernBert": text("ModernBert"),
    "BigBird": text("BigBird", attention_type="original_full"),
    "Canine": text("Canine"),
    "FNet": text("FNet"),
    "Ernie": text("Ernie"),
    "CLIPText": text("CLIPText"),
    "BertForSequenceClassification": text("Bert", "AutoModelForSequenceClassification"),
    # encoder-decoders
    "T5": _seq2seq("T5", d_kv=8),
    "Bart": _seq2seq(
        "Bart",
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
    ),
    # vision
    "ViT": vision("ViT", **_VIT),
    "DeiT": vision("DeiT", **_VIT),
    "Beit": vision("Beit", **_VIT),
    "Dinov2": vision("Dinov2", **_VIT),
    "CLIPVision": vision("CLIPVision", **_VIT),
    "SiglipVision": vision("SiglipVision", **_VIT),
    "ConvNext": vision("ConvNext", **_STAGES),
    "ConvNextV2": vision("ConvNextV2", **_STAGES),
    "ResNet": vision("ResNet", embedding_size=8, **_STAGES),
    "RegNet": vision("RegNet", embedding_size=8, groups_width=8, **_STAGES),
    "MobileNetV1": vision("MobileNetV1", depth_multiplier=0.25, image_size=32),
    "MobileNetV2": vision("MobileNetV2", depth_multiplier=0.25, image_size=32),
    "MobileViT": vision(
        "MobileViT", image_size=32, hidden_sizes=[16, 24, 32], neck_hidden_sizes=[8, 8, 16, 16, 24, 24, 64]
    ),
    "Swin": vision(
        "Swin",
        generic=False,
        image_size=32,
        patch_size=4,
        embed_dim=8,
        depths=[1, 1],
        num_heads=[2, 2],
        window_size=4,
    ),
    "Swinv2": vision(
        "Swinv2",
        generic=False,
        image_size=32,
        patch_size=4,
        embed_dim=8,
        depths=[1, 1],
        num_heads=[2, 2],
        window_size=4,
    ),
    "Segformer": vision("Segformer", decoder_hidden_size=32, num_attention_heads=[1, 1, 2, 2], **_STAGES),
    "PoolFormer": vision("PoolFormer", **_STAGES),
    "Levit": vision(
        "Levit",
        image_size=32,
        hidden_sizes=[16, 32, 48],
        num_attention_heads=[1, 2, 3],
        depths=[1, 1, 1],
        key_dim=[8, 8, 8],
    ),
    "FocalNet": vision("FocalNet", image_size=32, embed_dim=8, depths=[1, 1], hidden_sizes=[8, 16]),
    "Hiera": vision(
        "Hiera", 64, embed_dim=8, image_size=[64, 64], num_heads=[1, 1, 1, 1], depths=[1, 1, 1, 1]
    ),
    "DPT": vision(
        "DPT",
        backbone_out_indices=[0, 1],
        neck_hidden_sizes=[8, 16],
        fusion_hidden_size=16,
        reassemble_factors=[1, 1],
        **_VIT,
    ),
    "VitDet": vision("VitDet", image_size=32, patch_size=8, mlp_ratio=2, pretrain_image_size=32),
    "Bit": vision(
        "Bit",
        generic=False,
        embedding_size=32,
        hidden_sizes=[128, 128, 256, 256],
        depths=[1, 1, 1, 1],
        layer_type="bottleneck",
    ),
    "SwiftFormer": vision("SwiftFormer", depths=[1, 1, 1, 1], embed_dims=[8, 16, 32, 64]),
    "ViTForImageClassification": vision("ViT", cls="AutoModelForImageClassification", **_VIT),
    # audio
    "Wav2Vec2": _audio("Wav2Vec2"),
    "Hubert": _audio("Hubert"),
    "WavLM": _audio("WavLM", num_buckets=16, max_bucket_distance=32),
    "Data2VecAudio": _audio("Data2VecAudio"),
    "UniSpeech": _audio("UniSpeech"),
    "WhisperEncoder": _whisper_encoder,
    "AST": _ast,
    # time series
    "PatchTST": _time_series("PatchTST"),
    "PatchTSMixer": _time_series("PatchTSMixer"),
}
