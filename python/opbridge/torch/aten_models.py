"""Ops that vision and audio architectures (detection, segmentation, depth, codecs) put in their
graphs and litert-torch cannot lower or run."""

from __future__ import annotations
