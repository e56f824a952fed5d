"""Ops that Hugging Face transformers models put in their graphs (MoE grouped matmul, ...)."""

from __future__ import annotations
