"""Census of real architectures: small random-weight keras-hub models, built as a
user builds them (batch and sequence or image dimensions dynamic, as Keras leaves
them), converted with TFLite builtins only and with `opbridge.convert`, run in
both TFLite runtimes on inputs of a size no trace saw, and compared with TF.

    python tools/census_models.py                            # every architecture -> docs/models.md
    python tools/census_models.py --only Llama Swin          # refresh those rows (the rest from the JSON)
    python tools/census_models.py --list                     # the architectures
    nice -n 19 python tools/census_models.py --out docs/models.md

Each architecture runs in its own subprocess (memory, isolation from a crashing
kernel) with a timeout. No weights are downloaded: every model is built from a
tiny config (1-2 layers, hidden 16-64) with random weights. The markdown table and
a JSON of the same findings (docs/models.json) are this script's output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Keras 3 picks its backend at import: the census is about TF graphs.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("litert", "tf")
# Batch and sequence length of every run: none of the traces (all dynamic) nor
# the build-time calls (keras-hub builds with batch 1-2) used them.
BATCH = 3
SEQ = 7
# A run "matches" when max |TFLite - TF| <= TOLERANCE * max |TF| (relative to the
# outputs' scale, which random weights put anywhere from 1e-4 to 1e2): float32
# models of width <= 64 and 1-2 layers differ from TF by reassociation only
# (measured: at most 1e-5 of the scale, the SD3 VAE's 32-channel convs and group
# norms); a wrong slice, shift or mask gives errors of the outputs' own size.
TOLERANCE = 1e-4


def within_tolerance(error: float, scale: float) -> bool:
    return error <= TOLERANCE * scale


@dataclass
class Case:
    """What a user would convert, and inputs to check it with."""

    model: Any  # a keras.Model, or a tf.function with an input signature
    inputs: dict[str, np.ndarray]  # by the converted model's signature input names
    # TF's outputs keyed by the signature's output names; None: opbridge's
    # ModelSource.reference (the Keras model called on the inputs, or the function).
    reference: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None


@dataclass
class Architecture:
    name: str
    what: str  # the keras-hub classes and the config, in a few words
    build: Callable[[np.random.Generator], Case]


@dataclass
class Finding:
    name: str
    what: str
    shapes: str = ""  # the run's input shapes
    builtins: str = ""  # builtins-only conversion, and its run when it converted
    builtins_converts: bool = False
    opbridge: str = ""  # "converts", "refused: ...", "fails: ..."
    opbridge_converts: bool = False  # converted and every custom op has a kernel
    custom_ops: dict[str, int] = field(default_factory=dict)
    covered: list[str] = field(default_factory=list)  # custom ops opbridge has kernels for
    missing: list[str] = field(default_factory=list)  # custom ops without a kernel
    run: dict[str, str] = field(default_factory=dict)  # runtime -> "ok" or the error
    max_abs_error: dict[str, float] = field(default_factory=dict)  # runtime -> max |TFLite - TF|
    max_abs_tf: float = 0.0  # the outputs' scale
    parity: str = ""  # "match", "mismatch", "run fails", "-"
    seconds: float = 0.0
    error: str = ""  # the census itself failed (build, timeout, crash)
    route: str = ""  # what was converted: "Keras model" or "tf.function"
    route_note: str = ""  # why the Keras model itself was not what converted
    measured: str = ""  # the date, and the opbridge version whose kernels ran


# --- architectures -----------------------------------------------------------

ARCHITECTURES: dict[str, Architecture] = {}


def architecture(name: str, what: str) -> Callable[[Callable[[np.random.Generator], Case]], Any]:
    def register(build: Callable[[np.random.Generator], Case]) -> Callable[[np.random.Generator], Case]:
        ARCHITECTURES[name] = Architecture(name, what, build)
        return build

    return register


def _tokens(rng: np.random.Generator, vocab: int, batch: int = BATCH, seq: int = SEQ) -> np.ndarray:
    return rng.integers(0, vocab, (batch, seq)).astype(np.int32)


def _mask(rng: np.random.Generator, dtype: Any = np.int32, batch: int = BATCH, seq: int = SEQ) -> np.ndarray:
    """A right-padded mask: each row keeps at least half its positions, so no row is all padding."""
    lengths = rng.integers((seq + 1) // 2, seq + 1, batch)
    lengths[0] = seq
    return (np.arange(seq)[None, :] < lengths[:, None]).astype(dtype)


def _normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _lm(rng: np.random.Generator, model: Any, vocab: int, mask_dtype: Any = np.int32) -> Case:
    return Case(model, {"token_ids": _tokens(rng, vocab), "padding_mask": _mask(rng, mask_dtype)})


def _image(rng: np.random.Generator, model: Any, size: int, batch: int = BATCH, channels: int = 3) -> Case:
    (name,) = [t.name for t in model.inputs]
    return Case(model, {name: rng.uniform(0, 1, (batch, size, size, channels)).astype(np.float32)})


@architecture("Llama", "LlamaBackbone: 2 layers, hidden 16, 4 query / 2 kv heads, vocab 64")
def _llama(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.LlamaBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
    )
    return _lm(rng, model, 64)


@architecture("Mistral", "MistralBackbone: 2 layers, hidden 16, 4/2 heads, sliding window 4")
def _mistral(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.MistralBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        sliding_window=4,
    )
    return _lm(rng, model, 64)


@architecture("Mixtral", "MixtralBackbone: 2 layers, hidden 16, 4/2 heads, 4 experts top-2, window 4")
def _mixtral(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.MixtralBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        num_experts=4,
        top_k=2,
        sliding_window=4,
    )
    return _lm(rng, model, 64)


@architecture("Gemma", "GemmaBackbone: 2 layers, hidden 16, 4/1 heads, head 4")
def _gemma(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.GemmaBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=1,
        hidden_dim=16,
        intermediate_dim=32,
        head_dim=4,
    )
    return _lm(rng, model, 64)


@architecture("Gemma2", "GemmaBackbone, Gemma 2 options: soft caps, post norms, sliding window 4")
def _gemma2(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.GemmaBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        head_dim=4,
        sliding_window_size=4,
        attention_logit_soft_cap=50.0,
        final_logit_soft_cap=30.0,
        query_head_dim_normalize=False,
        use_post_ffw_norm=True,
        use_post_attention_norm=True,
        use_sliding_window_attention=True,
    )
    return _lm(rng, model, 64)


@architecture("Gemma3", "Gemma3Backbone (text only): 2 layers, hidden 16, 2/1 heads, q/k norm, window 4")
def _gemma3(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.Gemma3Backbone(
        vocabulary_size=64,
        image_size=16,
        num_layers=2,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=16,
        intermediate_dim=32,
        head_dim=8,
        use_post_ffw_norm=True,
        use_post_attention_norm=True,
        use_sliding_window_attention=True,
        sliding_window_size=4,
        vision_encoder=None,
    )
    return _lm(rng, model, 64)


@architecture("Qwen", "QwenBackbone (Qwen2): 2 layers, hidden 16, 4/2 heads")
def _qwen(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.QwenBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
    )
    return _lm(rng, model, 64)


@architecture("Qwen3", "Qwen3Backbone: 2 layers, hidden 16, 4/2 heads, head 4")
def _qwen3(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.Qwen3Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        head_dim=4,
        hidden_dim=16,
        intermediate_dim=32,
    )
    return _lm(rng, model, 64)


@architecture("GPT-OSS", "GptOssBackbone: 2 layers, hidden 16, 4/2 heads, 4 experts top-2, window 4")
def _gpt_oss(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.GptOssBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        num_experts=4,
        top_k=2,
        sliding_window=4,
    )
    return _lm(rng, model, 64)


@architecture("Phi3", "Phi3Backbone: 2 layers, hidden 16, 4/2 heads")
def _phi3(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.Phi3Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
    )
    return _lm(rng, model, 64)


@architecture("Falcon", "FalconBackbone: 2 layers, hidden 16, 4 heads (ALiBi)")
def _falcon(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.FalconBackbone(
        vocabulary_size=64, num_layers=2, num_attention_heads=4, hidden_dim=16, intermediate_dim=32
    )
    return _lm(rng, model, 64)


@architecture("GPT-2", "GPT2Backbone: 2 layers, hidden 16, 2 heads, 16 positions")
def _gpt2(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.GPT2Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    return _lm(rng, model, 64)


@architecture("GPT-NeoX", "GPTNeoXBackbone: 2 layers, hidden 16, 2 heads, 16 positions")
def _gpt_neo_x(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.GPTNeoXBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    return _lm(rng, model, 64)


@architecture("OPT", "OPTBackbone: 2 layers, hidden 16, 2 heads, 16 positions")
def _opt(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.OPTBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    return _lm(rng, model, 64)


@architecture("BERT", "BertBackbone: 2 layers, hidden 16, 2 heads, 16 positions")
def _bert(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.BertBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    inputs = {
        "token_ids": _tokens(rng, 64),
        "segment_ids": _tokens(rng, 2),
        "padding_mask": _mask(rng),
    }
    return Case(model, inputs)


@architecture("ALBERT", "AlbertBackbone: 2 layers (1 group), hidden 16, embedding 8, 2 heads")
def _albert(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.AlbertBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        num_groups=1,
        num_inner_repetitions=1,
        embedding_dim=8,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    inputs = {
        "token_ids": _tokens(rng, 64),
        "segment_ids": _tokens(rng, 2),
        "padding_mask": _mask(rng),
    }
    return Case(model, inputs)


@architecture("DeBERTaV3", "DebertaV3Backbone: 2 layers, hidden 16, 2 heads, 16 positions, bucket 4")
def _deberta_v3(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.DebertaV3Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
        bucket_size=4,
    )
    return _lm(rng, model, 64)


@architecture("T5", "T5Backbone: 2+2 layers, hidden 16, 2 heads, gated GELU")
def _t5(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.T5Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        dropout=0.0,
        activation="gelu",
    )
    inputs = {
        "encoder_token_ids": _tokens(rng, 64),
        "encoder_padding_mask": _mask(rng),
        "decoder_token_ids": _tokens(rng, 64, seq=SEQ - 2),
        "decoder_padding_mask": _mask(rng, seq=SEQ - 2),
    }
    return Case(model, inputs)


@architecture("BART", "BartBackbone: 2+2 layers, hidden 16, 2 heads, 16 positions")
def _bart(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.BartBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    inputs = {
        "encoder_token_ids": _tokens(rng, 64),
        "encoder_padding_mask": _mask(rng),
        "decoder_token_ids": _tokens(rng, 64, seq=SEQ - 2),
        "decoder_padding_mask": _mask(rng, seq=SEQ - 2),
    }
    return Case(model, inputs)


@architecture("Whisper", "WhisperBackbone: 2+2 layers, hidden 16, 2 heads, 16 mel bins")
def _whisper(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.WhisperBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        num_mels=16,
        max_encoder_sequence_length=32,
        max_decoder_sequence_length=16,
    )
    # 22 frames: 11 after the encoder's stride-2 conv, within its 32 positions.
    inputs = {
        "encoder_features": _normal(rng, BATCH, 22, 16),
        "decoder_token_ids": _tokens(rng, 64),
        "decoder_padding_mask": _mask(rng),
    }
    return Case(model, inputs)


@architecture("Moonshine", "MoonshineBackbone: 1+1 layers, hidden 32, filter 32, 2 heads, audio in")
def _moonshine(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.MoonshineBackbone(
        vocabulary_size=64,
        filter_dim=32,
        encoder_num_layers=1,
        decoder_num_layers=1,
        hidden_dim=32,
        intermediate_dim=64,
        encoder_num_heads=2,
        decoder_num_heads=2,
    )
    samples = 2000  # 1/8 s at 16 kHz: the encoder's convs shrink it 384x
    inputs = {
        "encoder_input_values": _normal(rng, BATCH, samples, 1),
        "encoder_padding_mask": np.ones((BATCH, samples), bool),
        "decoder_token_ids": _tokens(rng, 64),
        "decoder_padding_mask": _mask(rng, bool),
    }
    return Case(model, inputs)


@architecture("CLIP", "CLIPBackbone: vision 32x32 patch 8 + text, 2 layers each, hidden 32")
def _clip(rng: np.random.Generator) -> Case:
    import keras_hub

    vision = keras_hub.models.CLIPVisionEncoder(
        patch_size=8, hidden_dim=32, num_layers=2, num_heads=2, intermediate_dim=64, image_shape=(32, 32, 3)
    )
    text = keras_hub.models.CLIPTextEncoder(
        vocabulary_size=64,
        embedding_dim=32,
        hidden_dim=32,
        num_layers=2,
        num_heads=2,
        intermediate_dim=64,
        max_sequence_length=16,
    )
    model = keras_hub.models.CLIPBackbone(vision, text, projection_dim=16)
    inputs = {
        "images": rng.uniform(0, 1, (BATCH, 32, 32, 3)).astype(np.float32),
        "token_ids": _tokens(rng, 64),
    }
    return Case(model, inputs)


@architecture("SigLIP", "SigLIPBackbone: vision 32x32 patch 8 + text, 2 layers each, hidden 32")
def _siglip(rng: np.random.Generator) -> Case:
    import keras_hub

    vision = keras_hub.models.SigLIPVisionEncoder(
        patch_size=8, hidden_dim=32, num_layers=2, num_heads=2, intermediate_dim=64, image_shape=(32, 32, 3)
    )
    text = keras_hub.models.SigLIPTextEncoder(
        vocabulary_size=64,
        embedding_dim=32,
        hidden_dim=32,
        num_layers=2,
        num_heads=2,
        intermediate_dim=64,
        max_sequence_length=16,
    )
    model = keras_hub.models.SigLIPBackbone(vision, text)
    # SigLIP's text encoder reads a fixed number of positions (max_sequence_length).
    inputs = {
        "images": rng.uniform(0, 1, (BATCH, 32, 32, 3)).astype(np.float32),
        "token_ids": _tokens(rng, 64, seq=16),
    }
    return Case(model, inputs)


@architecture(
    "SAM", "SAMImageSegmenter: ViTDet 64x64 patch 8 (2 layers, hidden 16), prompt encoder, mask decoder"
)
def _sam(rng: np.random.Generator) -> Case:
    import keras_hub

    encoder = keras_hub.models.ViTDetBackbone(
        hidden_size=16,
        num_layers=2,
        intermediate_dim=32,
        num_heads=2,
        global_attention_layer_indices=[1],
        patch_size=8,
        num_output_channels=16,
        window_size=2,
        image_shape=(64, 64, 3),
    )
    prompt = keras_hub.layers.SAMPromptEncoder(
        hidden_size=16, image_embedding_size=(8, 8), input_image_size=(64, 64), mask_in_channels=8
    )
    decoder = keras_hub.layers.SAMMaskDecoder(
        hidden_size=16,
        num_layers=2,
        intermediate_dim=32,
        num_heads=2,
        embedding_dim=16,
        num_multimask_outputs=3,
        iou_head_depth=2,
        iou_head_hidden_dim=8,
    )
    backbone = keras_hub.models.SAMBackbone(
        image_encoder=encoder, prompt_encoder=prompt, mask_decoder=decoder
    )
    # The task model: the backbone's embeddings through the mask decoder, as users segment.
    model = keras_hub.models.SAMImageSegmenter(backbone=backbone)
    points = 2
    inputs = {
        "images": rng.uniform(0, 1, (BATCH, 64, 64, 3)).astype(np.float32),
        "points": rng.uniform(0, 64, (BATCH, points, 2)).astype(np.float32),
        "labels": rng.integers(0, 2, (BATCH, points)).astype(np.float32),
        "boxes": rng.uniform(0, 64, (BATCH, 1, 2, 2)).astype(np.float32),
        # One mask of 4x the embedding size (8 -> 32), as SAM's own tests feed.
        "masks": rng.uniform(0, 1, (BATCH, 1, 32, 32, 1)).astype(np.float32),
    }
    return Case(model, inputs)


@architecture("ViT", "ViTBackbone: 32x32 patch 8, 2 layers, hidden 32")
def _vit(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.ViTBackbone(
        image_shape=(32, 32, 3), patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64
    )
    return _image(rng, model, 32)


@architecture("DINOv2", "DINOV2Backbone: 28x28 patch 14, 2 layers, hidden 16, 2 registers, SwiGLU")
def _dinov2(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.DINOV2Backbone(
        patch_size=14,
        num_layers=2,
        hidden_dim=16,
        num_heads=2,
        intermediate_dim=32,
        num_register_tokens=2,
        use_swiglu_ffn=True,
        image_shape=(28, 28, 3),
        position_embedding_shape=(56, 56, 3),
    )
    return _image(rng, model, 28)


@architecture("Swin", "SwinTransformerBackbone: 32x32, embed 16, depths (2, 2), window 4 (shifted)")
def _swin(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.SwinTransformerBackbone(
        image_shape=(32, 32, 3), embed_dim=16, depths=(2, 2), num_heads=(2, 2), window_size=4, drop_path=0.0
    )
    return _image(rng, model, 32)


@architecture("ResNet", "ResNetBackbone: basic blocks, filters (64, 32), 1 block each, any image size")
def _resnet(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 32],  # keras-hub requires 64 first
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
    )
    return _image(rng, model, 40)


@architecture("EfficientNet", "EfficientNetBackbone: 2 stages (fused, unfused with SE), 16-24 filters")
def _efficientnet(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.EfficientNetBackbone(
        stackwise_kernel_sizes=[3, 3],
        stackwise_num_repeats=[1, 1],
        stackwise_input_filters=[16, 16],
        stackwise_output_filters=[16, 24],
        stackwise_expansion_ratios=[1, 4],
        stackwise_squeeze_and_excite_ratios=[0.0, 0.25],
        stackwise_strides=[1, 2],
        stackwise_block_types=["fused", "unfused"],
        stackwise_force_input_filters=[0, 0],
        stackwise_nores_option=[False, False],
        width_coefficient=1.0,
        depth_coefficient=1.0,
        num_features=32,
    )
    return _image(rng, model, 40)


@architecture("MobileNetV3", "MobileNetBackbone: 2 stages (SE, hard-swish), 8-16 filters, any image size")
def _mobilenet(rng: np.random.Generator) -> Case:
    import keras_hub

    model = keras_hub.models.MobileNetBackbone(
        stackwise_expansion=[[16], [32]],
        stackwise_num_blocks=[1, 1],
        stackwise_num_filters=[[8], [16]],
        stackwise_kernel_size=[[3], [5]],
        stackwise_num_strides=[[2], [2]],
        stackwise_se_ratio=[[None], [0.25]],
        stackwise_activation=[["relu"], ["hard_swish"], ["hard_swish"]],
        stackwise_padding=[[1], [2]],
        output_num_filters=32,
        depthwise_filters=8,
        depthwise_stride=2,
        depthwise_residual=False,
        last_layer_filter=32,
        squeeze_and_excite=0.5,
        input_num_filters=8,
    )
    return _image(rng, model, 40)


@architecture("SD3 VAE", "VAEBackbone as Stable Diffusion 3's: 4 levels of 32 filters, 1 block, any size")
def _sd3_vae(rng: np.random.Generator) -> Case:
    # The class StableDiffusion3Backbone(vae=...) takes (keras-hub does not
    # export it by itself); building the whole SD3 backbone would add MMDiT and
    # two CLIP encoders for the same VAE graph.
    from keras_hub.src.models.vae.vae_backbone import VAEBackbone

    model = VAEBackbone(
        # 32 filters: the fewest its GroupNormalization's 32 groups take.
        encoder_num_filters=[32, 32, 32, 32],
        encoder_num_blocks=[1, 1, 1, 1],
        decoder_num_filters=[32, 32, 32, 32],
        decoder_num_blocks=[1, 1, 1, 1],
        sampler_method="mode",  # deterministic, as SD3's image-to-image encodes
        sample_channels=32,
        output_channels=3,
    )
    return _image(rng, model, 24)


def _decoded_detector(tf: Any, detector: Any, batch: int, size: int) -> Any:
    """The detector with its decoder (predict_step: model outputs -> boxes via
    non-max suppression), as one tf.function. Its shapes are static: keras-hub's
    NonMaxSuppression sizes its loop state by the static batch (`boxes.shape[0]`),
    AnchorGenerator computes feature sizes from the static image size, and
    D-FINE's decode_predictions multiplies float boxes by the int image size
    (a TypeError when it is a tensor)."""
    spec = tf.TensorSpec([batch, size, size, 3], tf.float32, name="images")

    @tf.function(input_signature=[spec])
    def detect(images: Any) -> Any:
        return detector.decode_predictions(detector(images, training=False), images)

    return detect


@architecture(
    "RetinaNet", "RetinaNetObjectDetector + decoder (static 2x64x64): ResNet (64, 32, 32), FPN 3-4, 4 classes"
)
def _retinanet(rng: np.random.Generator) -> Case:
    import keras_hub
    import tensorflow as tf
    from keras_hub.src.models.retinanet.retinanet_backbone import RetinaNetBackbone

    encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 32, 32],  # keras-hub requires 64 first
        stackwise_num_blocks=[1, 1, 1],
        stackwise_num_strides=[1, 2, 2],
        block_type="bottleneck_block",
    )
    backbone = RetinaNetBackbone(image_encoder=encoder, min_level=3, max_level=4, use_p5=False)
    anchors = keras_hub.layers.AnchorGenerator(
        bounding_box_format="yxyx",
        min_level=3,
        max_level=4,
        num_scales=3,
        aspect_ratios=[0.5, 1.0, 2.0],
        anchor_size=4,
    )
    detector = keras_hub.models.RetinaNetObjectDetector(
        backbone=backbone,
        anchor_generator=anchors,
        num_classes=4,
        bounding_box_format="yxyx",
        pre_logits_num_conv_layers=1,
        # Random heads score about their prior, 0.01: the default threshold
        # (0.5) would leave no box to compare.
        prediction_decoder=keras_hub.layers.NonMaxSuppression(
            bounding_box_format="yxyx", from_logits=True, confidence_threshold=0.005, max_detections=20
        ),
    )
    # In [0, 1], as its preprocessor (scale 1/255) hands images to the model.
    images = rng.uniform(0, 1, (2, 64, 64, 3)).astype(np.float32)
    # Random box deltas (all about -5) shrink every anchor to a speck that the
    # decoder drops, leaving nothing to compare: a zero box head predicts the
    # anchors themselves, so the boxes that survive depend on the class scores.
    detector(images)  # builds the heads
    layer = detector.box_head.prediction_layer
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    return Case(_decoded_detector(tf, detector, 2, 64), {"images": images})


@architecture(
    "D-FINE",
    "DFineObjectDetector + decoder (static 2x32x32): HGNetV2 (2 stages), hidden 16, 1+1 layers, 10 queries",
)
def _d_fine(rng: np.random.Generator) -> Case:
    import keras_hub
    import tensorflow as tf

    hgnet = keras_hub.models.HGNetV2Backbone(
        stem_channels=[3, 8, 8],
        stackwise_stage_filters=[[8, 8, 16, 1, 1, 3], [16, 8, 32, 1, 1, 3]],
        apply_downsample=[False, True],
        use_lightweight_conv_block=[False, False],
        depths=[1, 1],
        hidden_sizes=[16, 32],
        embedding_size=8,
        use_learnable_affine_block=True,
        hidden_act="relu",
        image_shape=(None, None, 3),
        out_features=["stage1", "stage2"],
    )
    backbone = keras_hub.models.DFineBackbone(
        backbone=hgnet,
        decoder_in_channels=[16, 16],
        encoder_hidden_dim=16,
        num_denoising=0,
        num_labels=4,
        hidden_dim=16,
        learn_initial_query=False,
        num_queries=10,
        anchor_image_size=(32, 32),
        feat_strides=[4, 8],
        num_feature_levels=2,
        encoder_in_channels=[16, 32],
        encode_proj_layers=[1],
        num_attention_heads=2,
        encoder_ffn_dim=32,
        num_encoder_layers=1,
        hidden_expansion=0.5,
        depth_multiplier=0.5,
        eval_idx=-1,
        num_decoder_layers=1,
        decoder_attention_heads=2,
        decoder_ffn_dim=32,
        decoder_n_points=[2, 2],
        lqe_hidden_dim=16,
        num_lqe_layers=1,
        out_features=["stage1", "stage2"],
        image_shape=(None, None, 3),
        seed=0,
    )
    detector = keras_hub.models.DFineObjectDetector(
        backbone=backbone, num_classes=4, bounding_box_format="yxyx"
    )
    # The anchors are made for anchor_image_size (32).
    images = rng.uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)  # as its preprocessor scales them
    return Case(_decoded_detector(tf, detector, 2, 32), {"images": images})


@architecture(
    "Llama generate step", "LlamaCausalLM: one greedy step (call_with_cache + argmax) as a tf.function"
)
def _llama_generate_step(rng: np.random.Generator) -> Case:
    return _llama_step(rng, keras_hub_sampler="greedy")


@architecture(
    "Llama sample step",
    "LlamaCausalLM: one step of its default sampler (top-k, seeded) as a tf.function",
)
def _llama_sample_step(rng: np.random.Generator) -> Case:
    # keras-hub's default sampler draws with keras.random.categorical
    # (StatelessMultinomial): TF's Philox stream, so TFLite can only match TF
    # with a kernel that reproduces it bit for bit.
    return _llama_step(rng, keras_hub_sampler="top_k")


def _llama_step(rng: np.random.Generator, keras_hub_sampler: str) -> Case:
    import keras_hub
    import tensorflow as tf
    from keras import ops

    backbone = keras_hub.models.LlamaBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
    )
    lm = keras_hub.models.LlamaCausalLM(backbone=backbone)
    lm.compile(sampler=keras_hub_sampler)  # how keras-hub picks the sampler
    heads, head_dim = backbone.num_key_value_heads, backbone.hidden_dim // backbone.num_query_heads
    signature = [
        tf.TensorSpec([None, None], tf.int32, name="token_ids"),
        tf.TensorSpec([None, None], tf.bool, name="padding_mask"),
        tf.TensorSpec([None, backbone.num_layers, 2, None, heads, head_dim], tf.float32, name="cache"),
        tf.TensorSpec([], tf.int32, name="index"),
    ]

    # One iteration of keras-hub's sampler loop (Sampler.__call__'s body with
    # LlamaCausalLM.generate_step's `next`), the loop left to the caller as an
    # app does that decodes token by token.
    @tf.function(input_signature=signature)
    def step(token_ids: Any, padding_mask: Any, cache: Any, index: Any) -> Any:
        batch = ops.shape(token_ids)[0]
        prompt = ops.slice(token_ids, [0, index - 1], [batch, 1])
        logits, _, cache = lm.call_with_cache(prompt, cache, index - 1)
        probabilities = lm.sampler.compute_probabilities(ops.squeeze(logits, axis=1))
        next_token = ops.cast(lm.sampler.get_next_token(probabilities), token_ids.dtype)
        next_token = ops.where(padding_mask[:, index], token_ids[:, index], next_token)
        token_ids = ops.slice_update(token_ids, [0, index], next_token[:, None])
        return {"token_ids": token_ids, "cache": cache}

    seq = 2 * SEQ
    token_ids = _tokens(rng, 64, seq=seq)
    mask = np.arange(seq)[None, :] < np.array([[SEQ], [SEQ - 2], [SEQ - 1]])
    _, cache = lm._build_cache(tf.constant(token_ids))  # the cache generate() seeds from the prompt
    inputs = {
        "token_ids": token_ids,
        "padding_mask": mask,
        "cache": np.asarray(cache, np.float32),
        "index": np.asarray(SEQ - 2, np.int32),
    }
    return Case(step, inputs)


# --- one architecture ---------------------------------------------------------


def _first_line(text: str, limit: int = 160) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


def _conversion_failure(exc: BaseException) -> str:
    """The TF ops a converter error names (`'tf.StridedSlice' op is neither ...`), else its first line."""
    text = str(exc)
    ops = sorted(set(re.findall(r"'tf\.(\w+)' op", text)))
    if ops:
        return "no builtin for " + ", ".join(ops)
    return _first_line(text) or type(exc).__name__


def _run_failure(exc: BaseException) -> str:
    """A runtime error in a few words: the failing node and the kernel's message."""
    text = str(exc)
    node = re.search(r"Node number \d+ \((\w+)\) failed to (\w+)", text)
    if not node:
        return _first_line(text, 120) or type(exc).__name__
    # "<file>:<line> <message>Node number 2 (STRIDED_SLICE) failed to prepare.": the message alone.
    message = re.sub(r"^\S+\.cc(:\d+)?\s*", "", text[: node.start()].strip())
    return f"{node.group(1)} failed to {node.group(2)}: {_first_line(message, 100)}"


def _quiet() -> contextlib.ExitStack:
    """The converter and Keras' exporter print progress to stdout and stderr."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def _builtins_only(tf: Any, model: Any) -> bytes:
    """The stock converter as a user calls it, TFLite builtins only."""
    import keras

    from opbridge.source import holder

    if isinstance(model, keras.Model):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
    else:
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [model.get_concrete_function()], holder(tf, model)
        )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with _quiet():
        return bytes(converter.convert())


def _compare(
    model: bytes, inputs: dict[str, np.ndarray], expected: dict[str, np.ndarray], runtime: str
) -> float:
    from opbridge.comparison import max_abs_error
    from opbridge.running import run_tflite

    actual = run_tflite(model, inputs, runtime)
    if set(actual) != set(expected):
        raise AssertionError(f"outputs {sorted(actual)}, TF gives {sorted(expected)}")
    return max(max_abs_error(expected[k], actual[k]) for k in expected)


def _reference(tf: Any, source: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """TF's outputs, keyed as the converted model's signature keys them. A Keras
    model gets its inputs in its own structure (keras-hub's are dicts), which
    opbridge's ModelSource.reference (a flat list) does not give it."""
    import keras

    from opbridge.source import output_names, output_values

    if source.keras_model is None:
        return source.reference(inputs)
    model = source.keras_model
    out = model(keras.tree.map_structure(lambda t: inputs[t.name], model.input), training=False)
    return {n: np.asarray(v) for n, v in zip(output_names(tf, out), output_values(tf, out), strict=True)}


def _as_function(tf: Any, model: Any) -> Any:
    """The Keras model as a tf.function of its inputs, one named argument each,
    which packs them into the model's own input structure (a dict for keras-hub)
    and calls it in inference mode: what a user writes when the Keras model
    itself does not convert."""
    import keras

    flat = list(model.inputs)
    specs = [tf.TensorSpec(t.shape, t.dtype, name=t.name) for t in flat]

    @tf.function(input_signature=specs)
    def serve(*args: Any) -> Any:
        by_name = {t.name: a for t, a in zip(flat, args, strict=True)}
        return model(keras.tree.map_structure(lambda t: by_name[t.name], model.input), training=False)

    return serve


_DICT_INPUTS = "cannot export its dict inputs"


def _keras_failure(exc: BaseException) -> str:
    """Why the Keras model itself did not convert, in a few words."""
    text = str(exc)
    if "structure of `inputs` doesn't match" in text or "'NoneType' object is not callable" in text:
        # TF 2.21's from_keras_model exports the model with its inputs as a flat
        # list; Keras 3.15 refuses that for a dict-input model, and the stock
        # converter's fallback then fails with the NoneType error.
        return "from_keras_model " + _DICT_INPUTS
    return _conversion_failure(exc)


def _stock(
    tf: Any, target: Any, case: Case, expected: dict[str, np.ndarray], explain: Callable[[BaseException], str]
) -> tuple[bool, str]:
    try:
        stock = _builtins_only(tf, target)
    except Exception as exc:  # the converter's ConverterError names the ops it lacks
        return False, "fails: " + explain(exc)
    # A model that converts may still fail to run at other shapes (docs/design.md).
    try:
        return True, f"converts, runs (error {_compare(stock, case.inputs, expected, 'litert'):.1e})"
    except Exception as exc:
        return True, "converts, run fails: " + _run_failure(exc)


def census_one(name: str) -> Finding:
    """Builds, converts (builtins only, opbridge), runs and compares one architecture."""
    import keras
    import tensorflow as tf

    from opbridge import catalog, tflite_model
    from opbridge.conversion import ConversionResult, convert_model
    from opbridge.source import ModelSource

    start = time.perf_counter()
    arch = ARCHITECTURES[name]
    finding = Finding(
        name, arch.what, measured=f"{datetime.date.today()}, opbridge {_versions()['opbridge']}"
    )
    keras.utils.set_random_seed(0)  # the same random weights on every run
    case = arch.build(np.random.default_rng(0))
    source = ModelSource(tf, case.model)
    names = sorted(spec.name for spec in source.input_specs())
    if names != sorted(case.inputs):
        raise ValueError(f"{name}: the model's inputs are {names}, the case gives {sorted(case.inputs)}")
    finding.shapes = ", ".join(
        f"{k} {'x'.join(map(str, v.shape)) or 'scalar'}" for k, v in case.inputs.items()
    )
    expected = (case.reference or (lambda inputs: _reference(tf, source, inputs)))(case.inputs)
    # The outputs' scale, over their finite values (inf matches only inf).
    finite = [np.abs(v.astype(np.float64))[np.isfinite(v)] for v in expected.values()]
    finding.max_abs_tf = max((float(f.max()) for f in finite if f.size), default=0.0)

    # The Keras model as built first; when opbridge.convert cannot take it, the
    # tf.function a user then writes around it (same inputs, same outputs).
    is_keras = isinstance(case.model, keras.Model)
    routes = [("Keras model", case.model)]
    if is_keras:
        routes.append(("tf.function", _as_function(tf, case.model)))
    result: ConversionResult | None = None
    for label, target in routes:
        finding.route = label
        explain = _keras_failure if label == "Keras model" and is_keras else _conversion_failure
        finding.builtins_converts, finding.builtins = _stock(tf, target, case, expected, explain)
        if label == "Keras model" and is_keras and finding.builtins.endswith(_DICT_INPUTS):
            # The stock converter's own failure on dict inputs says nothing about
            # the architecture's ops: measure builtins on the tf.function a user
            # writes next, as opbridge needs no such detour.
            converts, why = _stock(tf, _as_function(tf, case.model), case, expected, _conversion_failure)
            finding.builtins_converts = converts
            finding.builtins = f"{why} (as tf.function: from_keras_model {_DICT_INPUTS})"
        try:
            with _quiet():
                result = convert_model(target, allow_missing=True)
            finding.opbridge = ""
            break
        except Exception as exc:
            why = explain(exc)
            finding.opbridge = "fails: " + why
            if label == "Keras model" and is_keras:
                finding.route_note = f"the Keras model: builtins {finding.builtins}; opbridge {why}"
    if not is_keras:
        finding.route = "tf.function"
    if result is None:
        finding.parity = "-"
        finding.seconds = time.perf_counter() - start
        return finding
    finding.custom_ops = dict(sorted(result.custom_ops.items()))
    kernels = set(catalog.list_ops())
    finding.covered = sorted(op for op in result.custom_ops if op in kernels)
    finding.missing = sorted(result.missing)
    if finding.missing:
        finding.opbridge = "refused: no kernel for " + ", ".join(finding.missing)
        finding.parity = "-"
        finding.seconds = time.perf_counter() - start
        return finding
    finding.opbridge_converts = True
    finding.opbridge = "converts"
    assert not tflite_model.parse(result.model).custom_op_counts().keys() - kernels
    for runtime in RUNTIMES:
        try:
            finding.max_abs_error[runtime] = _compare(result.model, case.inputs, expected, runtime)
            finding.run[runtime] = "ok"
        except Exception as exc:
            finding.run[runtime] = _run_failure(exc)
    if len(finding.max_abs_error) < len(RUNTIMES):
        finding.parity = "run fails"
    elif within_tolerance(max(finding.max_abs_error.values()), finding.max_abs_tf):
        finding.parity = "match"
    else:
        finding.parity = "mismatch"
    finding.seconds = time.perf_counter() - start
    return finding


def run_isolated(name: str, timeout: float) -> Finding:
    """census_one in a subprocess: a crashing kernel or a runaway model costs one row."""
    with tempfile.TemporaryDirectory(prefix="census-models-") as scratch:
        out = Path(scratch) / "finding.json"
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", name, "--child-out", str(out)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return Finding(
                name, ARCHITECTURES[name].what, error=f"timed out after {timeout:.0f} s", parity="-"
            )
        if out.exists():
            return Finding(**json.loads(out.read_text()))
        tail = [line for line in (proc.stderr or "").splitlines() if line.strip()][-3:]
        return Finding(
            name,
            ARCHITECTURES[name].what,
            error=f"exit {proc.returncode}: " + " / ".join(tail)[-300:],
            parity="-",
            seconds=time.perf_counter() - start,
        )


# --- report ---------------------------------------------------------------------


def _ops_cell(counts: dict[str, int], names: list[str]) -> str:
    return ", ".join(f"{op} x{counts[op]}" if counts.get(op, 1) > 1 else op for op in names) or "-"


def _parity_cell(f: Finding) -> str:
    if f.error:
        return "-"
    if not f.opbridge_converts:
        return "-"
    parts = []
    for runtime in RUNTIMES:
        if runtime in f.max_abs_error:
            parts.append(f"{runtime} {f.max_abs_error[runtime]:.1e}")
        else:
            parts.append(f"{runtime}: {f.run.get(runtime, '?')}")
    return f"{f.parity} ({'; '.join(parts)})"


def markdown(findings: list[Finding], versions: dict[str, str], command: str) -> str:
    converts_builtins = sum(f.builtins_converts for f in findings)
    converts_opbridge = sum(f.opbridge_converts for f in findings)
    match = sum(f.parity == "match" for f in findings)
    missing: dict[str, list[str]] = {}
    for f in findings:
        for op in f.missing:
            missing.setdefault(op, []).append(f.name)
    lines = [
        "# Real architectures (generated)",
        "",
        f"Generated by `{command}` on {datetime.date.today().isoformat()} with "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + "; do not edit by hand (`make census` regenerates it; docs/models.json has the same findings).",
        "",
        "Each row is a small keras-hub model with random weights (no download; tiny configs, see",
        "`tools/census_models.py`), built as a user builds it, so its batch and sequence (or image)",
        "dimensions are dynamic as Keras leaves them. It is converted with the stock converter and",
        "TFLite builtins only, then with `opbridge.convert`; the opbridge model runs in LiteRT and in",
        f"TF's TFLite interpreter on random inputs of batch {BATCH} (sequence {SEQ} for text), sizes",
        "no trace saw, and is compared with the Keras model in TF: the max |TFLite - TF| over the",
        f"outputs; `match`: within {TOLERANCE:g} x max |TF|. The detectors' decoders need static shapes",
        "(see the code); their outputs are boxes after non-max suppression.",
        "",
        "Converted as: `Keras model` is `opbridge.convert(model)` (and `from_keras_model` for builtins",
        "only). TF 2.21's `from_keras_model` exports a model with dict inputs (most keras-hub",
        "backbones) with a flat list of inputs, which Keras 3.15 refuses; opbridge exports it called",
        "with its dict. For such models the builtins-only column converts the tf.function a user",
        "writes next (the model's inputs as named arguments, packed into its dict), so it shows",
        "what the architecture's ops need. `tf.function` rows are functions to begin with (decoders,",
        "generation steps).",
        "",
        f"- {len(findings)} architectures; {converts_builtins} convert with builtins only; "
        f"{converts_opbridge} convert with opbridge (every custom op has a kernel); {match} match TF in",
        "both runtimes.",
    ]
    left: dict[str, list[str]] = {}
    for f in findings:
        for op in f.custom_ops:
            left.setdefault(op, []).append(f.name)
    if left:
        lines.append(
            "- Custom ops the converter leaves: "
            + "; ".join(f"{op} ({', '.join(names)})" for op, names in sorted(left.items()))
            + "."
        )
    if missing:
        lines.append(
            "- Custom ops still without a kernel: "
            + "; ".join(f"{op} ({', '.join(names)})" for op, names in sorted(missing.items()))
            + "."
        )
    lines += [
        "",
        "| architecture | built | converted as | builtins only | with opbridge | custom ops with kernels"
        " | ops left | parity |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in findings:
        if f.error:
            cells = [f.name, f.what, "-", "-", f"census failed: {f.error}", "-", "-", "-"]
        else:
            cells = [
                f.name,
                f.what,
                f.route + ("*" if f.route_note else ""),
                f.builtins,
                f.opbridge,
                _ops_cell(f.custom_ops, f.covered),
                _ops_cell(f.custom_ops, f.missing),
                _parity_cell(f),
            ]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("tensorflow-cpu", "keras", "keras-hub", "ai-edge-litert", "opbridge"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "absent"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="architectures to run (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "models.md", help="the markdown table")
    parser.add_argument("--json", type=Path, help="the findings as JSON (default: --out with .json)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per architecture")
    parser.add_argument("--list", action="store_true", help="list the architectures and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.list:
        for arch in ARCHITECTURES.values():
            print(f"{arch.name}: {arch.what}")
        return 0
    if args.child:
        try:
            finding = census_one(args.child)
        except Exception as exc:
            traceback.print_exc()
            # TF's "in user code:" errors end with the message; others start with it.
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            message = lines[-1] if lines and lines[0] == "in user code:" else _first_line(str(exc))
            finding = Finding(
                args.child, ARCHITECTURES[args.child].what, error=f"{type(exc).__name__}: {message}"
            )
        args.child_out.write_text(json.dumps(asdict(finding)))
        return 0

    names = args.only or list(ARCHITECTURES)
    unknown = [n for n in names if n not in ARCHITECTURES]
    if unknown:
        print(f"census_models: unknown architectures: {', '.join(unknown)}", file=sys.stderr)
        return 2
    json_path = args.json or args.out.with_suffix(".json")
    # --only refreshes those rows of an existing table (a kernel landed, say):
    # the other rows are kept from the JSON, in the table's order.
    by_name: dict[str, Finding] = {}
    if args.only and json_path.exists():
        by_name = {f["name"]: Finding(**f) for f in json.loads(json_path.read_text())}
    for name in names:
        finding = run_isolated(name, args.timeout)
        summary = finding.error or f"{finding.builtins} / {finding.opbridge} / {_parity_cell(finding)}"
        print(f"{name} ({finding.seconds:.0f} s): {summary}", flush=True)
        by_name[name] = finding
    findings = [by_name[n] for n in ARCHITECTURES if n in by_name]
    args.out.write_text(markdown(findings, _versions(), "python tools/census_models.py"))
    json_path.write_text(json.dumps([asdict(f) for f in findings], indent=1) + "\n")
    print(f"wrote {args.out} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
