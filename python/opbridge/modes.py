"""Quantization modes `opbridge.convert` and `opbridge convert` take (one list for both)."""

QUANTIZE_MODES = ("none", "dynamic", "float16", "int8")
