"""The architectures of the PyTorch model census (tools/census_torch_models.py): Hugging Face
transformers models built offline from tiny random configs (no download), one forward pass each.

Each entry builds (model, sample inputs) from a seeded generator (the inputs; the census seeds torch's
global generator before each build, so the models' random weights are the same run to run). A config
is the library's default with its size fields shrunk (`_tiny`), so the graph keeps the architecture's
ops (attention variants, rotary, norms, MoE routing, convolution stems) at a size that converts in
seconds.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
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


# The fields a config's weight initialization reads: standard deviations (most architectures draw their
# linear and embedding weights from N(0, std)), and factors (T5, CLIP, SigLIP, OWL-ViT, GroupViT,
# Kosmos-2, Pix2Struct: multipliers of stds the model derives, 1.0 by default).
_INIT_STDS = ("initializer_range", "init_std", "initializer_std", "embed_init_std")
_INIT_FACTORS = ("initializer_factor",)
# Layer scales: a residual block's output multiplied by a learned per-channel scale that starts at 1e-6
# (ConvNext), 1e-5 (PoolFormer, SwiftFormer), 0.01 (Mimi) or 0.1 (Beit): at that start the blocks'
# computations hardly reach the output. Set to 1 (trained models' scales are far from their start).
_LAYER_SCALES = ("layer_scale_init_value", "layerscale_value", "layer_scale_initial_scale")
_USUAL_STD = 0.02  # transformers' usual initializer_range: a factor grows by std / this


def _widen(config: Any, std: float, seen: set[int]) -> None:
    """Sets config's (and its sub-configs': backbone, vision, prompt encoder...) initialization fields."""
    if id(config) in seen:
        return
    seen.add(id(config))
    for key in _INIT_STDS:
        if isinstance(getattr(config, key, None), float):
            setattr(config, key, std)
    for key in _INIT_FACTORS:
        if isinstance(getattr(config, key, None), (int, float)):
            setattr(config, key, float(getattr(config, key)) * std / _USUAL_STD)
    for key in _LAYER_SCALES:
        if isinstance(getattr(config, key, None), float):
            setattr(config, key, 1.0)
    for value in list(vars(config).values()):
        if isinstance(value, transformers.PreTrainedConfig):
            _widen(value, std, seen)


@contextlib.contextmanager
def initializer_range(std: float | None) -> Iterator[None]:
    """Within it, every transformers model built initializes its weights with standard deviation `std`
    instead of its config's (0.02 or 0.01 by default: the tiny models' activations are then small,
    and a wrong lowering can hide under the census's relative threshold). Factor fields are
    multiplied by std / 0.02, layer scales start at 1. None: the configs as they are. Hooks
    PreTrainedModel.__init__, which every model and sub-model (backbones) calls with its config before
    drawing its weights, so the architectures that build their configs themselves (not through
    `_tiny`) are covered too."""
    if std is None:
        yield
        return
    original = transformers.PreTrainedModel.__init__

    def init(self: Any, config: Any, *args: Any, **kwargs: Any) -> None:
        _widen(config, std, set())
        original(self, config, *args, **kwargs)

    transformers.PreTrainedModel.__init__ = init
    try:
        yield
    finally:
        transformers.PreTrainedModel.__init__ = original


def _ids(g: torch.Generator, length: int = 8) -> torch.Tensor:
    return torch.randint(3, 128, (1, length), generator=g)


def _image(g: torch.Generator, size: int = 32, channels: int = 3) -> torch.Tensor:
    return torch.randn(1, channels, size, size, generator=g)


class Forward(torch.nn.Module):
    """A model called as users call it (`model(input_ids=..., ...)`) with the inputs fed by position,
    returning its first output (last hidden state, or logits for a task head) or the one `output` names."""

    def __init__(
        self, model: torch.nn.Module, keys: tuple[str, ...], output: int = 0, cache: bool = True
    ) -> None:
        super().__init__()
        self.model = model
        self.keys = keys
        self.output = output  # which output (a model whose first is a loss or integer codes)
        self.fixed = {"use_cache": False} if cache else {}  # some models' forward takes no use_cache
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = self.model(**dict(zip(self.keys, inputs, strict=True)), **self.fixed, return_dict=False)
        return out[self.output]


def _model(config: Any, cls: str = "AutoModel", keys: tuple[str, ...] = ("input_ids",)) -> torch.nn.Module:
    return Forward(_construct(cls, config), keys)


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


def _built(
    model: Callable[[], torch.nn.Module],
    inputs: Callable[[torch.Generator], tuple[torch.Tensor, ...]],
    keys: tuple[str, ...],
    output: int = 0,
    cache: bool = True,
) -> Builder:
    """An architecture whose config or inputs need more than a shrink: `model()` builds it, `inputs(g)`
    its sample inputs."""
    return lambda g: (Forward(model(), keys, output, cache), inputs(g))


def _resnet(**overrides: Any) -> Any:
    """A tiny native ResNet backbone (detection and segmentation heads' default is a timm one)."""
    config = {"embedding_size": 8, "hidden_sizes": [8, 16, 32, 64], "depths": [1, 1, 1, 1]}
    return transformers.ResNetConfig(**{**config, **overrides})


_DETR = {
    "d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4,
    "decoder_attention_heads": 4, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "num_queries": 8,
}  # fmt: skip


def _construct(cls: str, config: Any) -> torch.nn.Module:
    """transformers.<cls> (an Auto class, or a model class, some not exported at the top level) on config."""
    if cls.startswith("Auto"):
        return getattr(transformers, cls).from_config(config)
    if hasattr(transformers, cls):
        return getattr(transformers, cls)(config)
    module = type(config).__module__.replace("configuration_", "modeling_")
    return getattr(importlib.import_module(module), cls)(config)


def _detection(
    name: str, cls: str = "AutoModel", size: int = 64, output: int = 0, **overrides: Any
) -> Builder:
    return _built(
        lambda: _construct(cls, getattr(transformers, name + "Config")(**overrides)),
        lambda g: (_image(g, size),),
        ("pixel_values",),
        output,
        cache=False,
    )


def _video(name: str, frames: int = 4, **overrides: Any) -> Builder:
    return lambda g: (
        Forward(transformers.AutoModel.from_config(_tiny(name, **overrides)), ("pixel_values",), cache=False),
        (torch.randn(1, frames, 3, 32, 32, generator=g),),
    )


def _forecast(name: str, **overrides: Any) -> Builder:
    """Probabilistic forecasters (past values, time features, observed mask; future time features)."""

    def build(g: torch.Generator) -> tuple[torch.nn.Module, tuple[torch.Tensor, ...]]:
        config = _tiny(
            name, prediction_length=4, context_length=8, lags_sequence=[1, 2], num_time_features=1,
            encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=16, decoder_ffn_dim=16, d_model=16, **overrides,
        )  # fmt: skip
        keys = (
            "past_values",
            "past_time_features",
            "past_observed_mask",
            "future_values",
            "future_time_features",
        )
        inputs = (
            torch.randn(1, 10, generator=g),
            torch.randn(1, 10, 1, generator=g),
            torch.ones(1, 10),
            torch.randn(1, 4, generator=g),
            torch.randn(1, 4, 1, generator=g),
        )
        return _model(config, keys=keys), inputs

    return build


_BART = {
    "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4, "decoder_attention_heads": 4,
    "encoder_ffn_dim": 64, "decoder_ffn_dim": 64,
}  # fmt: skip
_SIZES_VISION = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64}

_MOE = {"num_experts": 4, "num_local_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 16}


def _rtdetr() -> dict[str, Any]:
    """RT-DETR (v1 and v2 share the fields): a tiny ResNet backbone, one decoder layer, 8 queries.

    initializer_range 0.2, not the default 0.01: RT-DETR draws its BatchNorm weights from
    N(0, initializer_range), and at 0.01 each norm scales its features by ~0.01: the encoder's outputs
    are ~1e-6 to 1e-13, the memory the class head reads ~1e-10, and every position's class score is
    the score head's bias exactly. The top-k query selection is then an 84-way tie, which torch and
    the model break differently (other queries: error 0.75 with every op exact). At 0.2 the
    encoder's outputs are ~0.007 to 0.5 and the 9 best scores are >= 0.017 apart."""
    return {
        "initializer_range": 0.2,
        "backbone_config": transformers.RTDetrResNetConfig(
            embedding_size=8,
            hidden_sizes=[8, 16, 32, 64],
            depths=[1, 1, 1, 1],
            out_features=["stage2", "stage3", "stage4"],
        ),
        "encoder_in_channels": [16, 32, 64],
        "encoder_hidden_dim": 32,
        "encoder_ffn_dim": 64,
        "encoder_attention_heads": 4,
        "d_model": 32,
        "decoder_in_channels": [32, 32, 32],
        "decoder_ffn_dim": 64,
        "decoder_attention_heads": 4,
        "decoder_layers": 1,
        "num_queries": 8,
        "num_denoising": 0,
        "decoder_n_points": 2,
    }


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
    "Longformer": text("Longformer", attention_window=4),
    "Nystromformer": text("Nystromformer", num_landmarks=4, segment_means_seq_len=8),
    # axial position embeddings factor the sequence: 2 * 4 = the 8 input ids
    "Reformer": text(
        "Reformer",
        axial_pos_shape=[2, 4],
        axial_pos_embds_dim=[16, 16],
        attn_layers=["local", "local"],
        local_attn_chunk_length=4,
    ),
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
    # detection and segmentation heads (native backbones, no timm, no download)
    "Detr": _detection("Detr", backbone_config=_resnet(out_features=["stage4"]), **_DETR),
    "ConditionalDetr": _detection(
        "ConditionalDetr", backbone_config=_resnet(out_features=["stage4"]), **_DETR
    ),
    "DeformableDetr": _detection(
        "DeformableDetr",
        size=128,  # its extra feature level halves the last stage's map; group norm needs > 1 value
        output=1,  # the decoder's last hidden state (the first output is the initial reference points)
        backbone_config=_resnet(out_features=["stage2", "stage3", "stage4"]),
        encoder_n_points=2,
        decoder_n_points=2,
        **_DETR,
    ),
    "RTDetr": _detection("RTDetr", **_rtdetr()),
    "RTDetrV2": _detection("RTDetrV2", **_rtdetr()),
    "Mask2Former": _detection(
        "Mask2Former",
        backbone_config=transformers.SwinConfig(
            embed_dim=8,
            depths=[1, 1, 1, 1],
            num_heads=[1, 1, 2, 2],
            window_size=2,
            image_size=64,
            out_features=["stage1", "stage2", "stage3", "stage4"],
        ),
        feature_size=32,
        mask_feature_size=32,
        hidden_dim=32,
        encoder_feedforward_dim=64,
        encoder_layers=1,
        decoder_layers=2,
        num_attention_heads=4,
        dim_feedforward=64,
        num_queries=8,
    ),
    "UperNet": _detection(
        "UperNet",
        "UperNetForSemanticSegmentation",
        backbone_config=transformers.ConvNextConfig(
            hidden_sizes=[8, 16, 32, 64],
            depths=[1, 1, 1, 1],
            out_features=["stage1", "stage2", "stage3", "stage4"],
        ),
        hidden_size=32,
        auxiliary_in_channels=32,
        auxiliary_channels=16,
    ),
    # depth and super-resolution
    "DepthAnything": _detection(
        "DepthAnything",
        "DepthAnythingForDepthEstimation",
        size=56,
        backbone_config=transformers.Dinov2Config(
            hidden_size=32,
            num_hidden_layers=4,
            num_attention_heads=4,
            intermediate_size=64,
            image_size=56,
            patch_size=14,
            out_indices=[1, 2, 3, 4],
            reshape_hidden_states=False,
        ),
        patch_size=14,
        reassemble_hidden_size=32,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        head_hidden_size=8,
    ),
    "ZoeDepth": _detection(
        "ZoeDepth",
        "ZoeDepthForDepthEstimation",
        backbone_config=transformers.BeitConfig(
            hidden_size=32,
            num_hidden_layers=4,
            num_attention_heads=4,
            intermediate_size=64,
            image_size=64,
            patch_size=16,
            out_indices=[1, 2, 3, 4],
            reshape_hidden_states=False,
            use_relative_position_bias=True,
        ),
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        bottleneck_features=16,
        num_attractors=[4, 4, 4, 4],
        bin_embedding_dim=16,
        num_patch_transformer_layers=1,
        patch_transformer_hidden_size=16,
        patch_transformer_intermediate_size=32,
        patch_transformer_num_attention_heads=2,
        bin_configurations=[{"n_bins": 8, "min_depth": 0.001, "max_depth": 10.0, "name": "nyu"}],
    ),
    "DPTHybrid": _detection(
        "DPT",
        "DPTForDepthEstimation",
        size=64,
        is_hybrid=True,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=64,
        image_size=64,
        patch_size=16,
        backbone_out_indices=[0, 1, 2, 3],
        neck_hidden_sizes=[128, 256, 32, 32],  # the first two are the backbone stages
        fusion_hidden_size=16,
        reassemble_factors=[1, 1, 1, 1],
        readout_type="project",
        backbone_featmap_shape=[1, 512, 4, 4],
        backbone_config=transformers.BitConfig(  # group norms of 32 groups: >= 32 channels throughout
            global_padding="same",
            layer_type="bottleneck",
            depths=[1, 1, 1],
            hidden_sizes=[128, 256, 512],
            embedding_size=32,
            out_features=["stage1", "stage2", "stage3"],
            embedding_dynamic_padding=True,
        ),
    ),
    "Swin2SR": _detection(
        "Swin2SR",
        "Swin2SRForImageSuperResolution",
        size=16,
        image_size=16,
        patch_size=1,
        embed_dim=16,
        depths=[1, 1],
        num_heads=[2, 2],
        window_size=4,
        upscale=2,
        upsampler="pixelshuffle",
    ),
    "SuperPoint": _detection(
        "SuperPoint",
        "SuperPointForKeypointDetection",
        encoder_hidden_sizes=[8, 8, 16, 16],
        decoder_hidden_size=16,
        keypoint_decoder_dim=65,
        descriptor_decoder_dim=16,
        max_keypoints=8,
    ),
    "Sam": _built(  # image encoder, point prompts and mask decoder: the predicted masks
        lambda: transformers.SamModel(
            transformers.SamConfig(
                vision_config=transformers.SamVisionConfig(
                    hidden_size=32,
                    output_channels=16,
                    num_hidden_layers=2,
                    num_attention_heads=4,
                    image_size=64,
                    patch_size=8,
                    window_size=4,
                    global_attn_indexes=[1],
                    mlp_dim=64,
                    num_pos_feats=8,
                ),
                prompt_encoder_config=transformers.SamPromptEncoderConfig(
                    hidden_size=16, image_size=64, patch_size=8, mask_input_channels=4
                ),
                mask_decoder_config=transformers.SamMaskDecoderConfig(
                    hidden_size=16,
                    num_hidden_layers=1,
                    num_attention_heads=2,
                    mlp_dim=32,
                    iou_head_hidden_dim=16,
                ),
            )
        ),
        lambda g: (_image(g, 64), torch.rand(1, 1, 2, 2, generator=g) * 64),
        ("pixel_values", "input_points"),
        output=1,
        cache=False,
    ),
    # vision encoders of multimodal models
    "SamVision": _detection(
        "SamVision",
        "SamVisionModel",
        size=64,
        hidden_size=32,
        output_channels=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=64,
        patch_size=8,
        window_size=4,
        global_attn_indexes=[1],
        mlp_dim=64,
    ),
    "GroupViTVision": _detection(
        "GroupViTVision",
        "GroupViTVisionModel",
        size=32,
        hidden_size=32,
        intermediate_size=64,
        depths=[1, 1],
        num_hidden_layers=2,
        num_group_tokens=[8, 0],
        num_output_groups=[4, 4],
        num_attention_heads=4,
        image_size=32,
        patch_size=8,
    ),
    "OwlViTVision": _detection("OwlViTVision", "OwlViTVisionModel", size=32, **{**_SIZES_VISION, **_VIT}),
    "Owlv2Vision": _detection("Owlv2Vision", "Owlv2VisionModel", size=32, **{**_SIZES_VISION, **_VIT}),
    "Kosmos2Vision": _detection("Kosmos2Vision", "Kosmos2VisionModel", size=32, **{**_SIZES_VISION, **_VIT}),
    # video
    "Timesformer": _video("Timesformer", num_frames=4, **_VIT),
    "VideoMAE": _video("VideoMAE", num_frames=4, tubelet_size=2, **_VIT),
    "Vivit": _video("Vivit", num_frames=4, image_size=32, tubelet_size=[2, 8, 8]),
    # text, more attention variants
    "RoFormer": text("RoFormer", embedding_size=32),
    "ConvBert": text("ConvBert", embedding_size=32, conv_kernel_size=3),
    "PerceiverMaskedLM": _built(
        lambda: transformers.PerceiverForMaskedLM(
            transformers.PerceiverConfig(
                vocab_size=128,
                d_model=32,
                d_latents=32,
                num_latents=8,
                num_blocks=1,
                num_self_attends_per_block=1,
                num_self_attention_heads=4,
                num_cross_attention_heads=4,
                max_position_embeddings=16,
            )
        ),
        lambda g: (_ids(g),),
        ("inputs",),
        output=0,
        cache=False,
    ),
    "Pegasus": _seq2seq("Pegasus", **_BART),
    "Marian": _seq2seq("Marian", decoder_vocab_size=128, **_BART),
    "LED": _seq2seq(
        "LED",
        attention_window=[4, 4],
        max_encoder_position_embeddings=64,
        max_decoder_position_embeddings=64,
        **{**_BART, "encoder_layers": 1},
    ),
    # audio
    "Wav2Vec2ConformerRotary": _audio(
        "Wav2Vec2Conformer", position_embeddings_type="rotary", conv_depthwise_kernel_size=3
    ),
    "Wav2Vec2ConformerRelative": _audio(
        "Wav2Vec2Conformer", position_embeddings_type="relative", conv_depthwise_kernel_size=3
    ),
    "Speech2Text": _built(
        lambda: transformers.Speech2TextModel(
            _tiny(
                "Speech2Text",
                **_BART,
                conv_channels=16,
                input_feat_per_channel=16,
                max_source_positions=64,
                max_target_positions=64,
            )
        ),
        lambda g: (torch.randn(1, 32, 16, generator=g), _ids(g, 5)),
        ("input_features", "decoder_input_ids"),
    ),
    "SpeechT5Encoder": _built(
        lambda: transformers.SpeechT5ForSpeechToText(
            _tiny(
                "SpeechT5",
                **_BART,
                conv_dim=(16, 16),
                conv_stride=(5, 2),
                conv_kernel=(10, 3),
                num_conv_pos_embeddings=16,
                num_conv_pos_embedding_groups=2,
                speech_decoder_prenet_units=32,
            )
        ).get_encoder(),
        lambda g: (torch.randn(1, 400, generator=g),),
        ("input_values",),
        cache=False,
    ),
    "SeamlessM4TSpeechEncoder": _built(
        lambda: _construct(
            "SeamlessM4TSpeechEncoder",
            _tiny(
                "SeamlessM4T",
                **_BART,
                speech_encoder_layers=1,
                speech_encoder_attention_heads=4,
                speech_encoder_intermediate_size=64,
                feature_projection_input_dim=16,
                num_adapter_layers=1,
            ),
        ),
        lambda g: (torch.randn(1, 16, 16, generator=g),),
        ("input_features",),
        cache=False,
    ),
    "Encodec": _built(
        lambda: transformers.EncodecModel(
            _tiny(
                "Encodec",
                generic=False,
                num_filters=4,
                hidden_size=16,
                upsampling_ratios=[4, 2],
                codebook_size=16,
                codebook_dim=16,
                num_lstm_layers=1,
            )
        ),
        lambda g: (torch.randn(1, 1, 64, generator=g),),
        ("input_values",),
        output=1,
        cache=False,
    ),
    "Dac": _built(
        lambda: transformers.DacModel(
            _tiny(
                "Dac",
                generic=False,
                encoder_hidden_size=4,
                downsampling_ratios=[2, 2],
                decoder_hidden_size=16,
                n_codebooks=2,
                codebook_size=16,
                codebook_dim=4,
            )
        ),
        lambda g: (torch.randn(1, 1, 64, generator=g),),
        ("input_values",),
        output=4,
        cache=False,
    ),
    "Mimi": _built(
        lambda: transformers.MimiModel(
            _tiny(
                "Mimi",
                num_filters=4,
                upsampling_ratios=[4, 2],
                codebook_size=16,
                codebook_dim=16,
                num_quantizers=2,
                vector_quantization_hidden_dimension=16,
                num_semantic_quantizers=1,
                sliding_window=8,
                upsample_groups=32,
            )
        ),
        lambda g: (torch.randn(1, 1, 64, generator=g),),
        ("input_values",),
        output=1,
        cache=False,
    ),
    "Vits": _built(
        lambda: transformers.VitsModel(
            _tiny(
                "Vits",
                generic=False,
                vocab_size=32,
                hidden_size=16,
                num_hidden_layers=1,
                num_attention_heads=2,
                ffn_dim=32,
                flow_size=16,
                spectrogram_bins=17,
                upsample_initial_channel=16,
                upsample_rates=[2, 2],
                upsample_kernel_sizes=[4, 4],
                resblock_kernel_sizes=[3],
                resblock_dilation_sizes=[[1, 3]],
                noise_scale=0.0,
                noise_scale_duration=0.0,
                prior_encoder_num_flows=1,
                duration_predictor_num_flows=1,
                duration_predictor_filter_channels=16,
            )
        ),
        lambda g: (torch.randint(1, 32, (1, 8), generator=g),),
        ("input_ids",),
        cache=False,
    ),
    "FastSpeech2Conformer": _built(
        lambda: transformers.FastSpeech2ConformerModel(
            _tiny(
                "FastSpeech2Conformer",
                generic=False,
                hidden_size=16,
                vocab_size=32,
                num_mel_bins=8,
                encoder_num_attention_heads=2,
                encoder_layers=1,
                encoder_linear_units=32,
                decoder_layers=1,
                decoder_num_attention_heads=2,
                decoder_linear_units=32,
                speech_decoder_postnet_layers=1,
                speech_decoder_postnet_units=16,
                duration_predictor_channels=16,
                energy_predictor_channels=16,
                pitch_predictor_channels=16,
            )
        ),
        lambda g: (torch.randint(1, 32, (1, 8), generator=g),),
        ("input_ids",),
        output=0,
        cache=False,
    ),
    # time series
    "TimeSeriesTransformer": _forecast("TimeSeriesTransformer"),
    "Informer": _forecast("Informer"),
    "Autoformer": _forecast("Autoformer", label_length=4),
    "PatchTSMixerForPrediction": lambda g: (
        _model(
            _tiny(
                "PatchTSMixer",
                context_length=32,
                patch_length=8,
                patch_stride=8,
                num_input_channels=3,
                prediction_length=4,
            ),
            "PatchTSMixerForPrediction",
            ("past_values",),
        ),
        (torch.randn(1, 32, 3, generator=g),),
    ),
    # multimodal patches
    "Pix2StructVision": _built(
        lambda: transformers.Pix2StructVisionModel(
            _tiny("Pix2StructVision", patch_embed_hidden_size=12, d_kv=8, seq_len=16)
        ),
        lambda g: (torch.cat([torch.ones(1, 16, 2), torch.randn(1, 16, 12, generator=g)], -1),),
        ("flattened_patches",),
        cache=False,
    ),
}
