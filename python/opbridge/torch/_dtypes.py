"""dtype names three ways: TF's attr names (the catalog), torch dtypes, TFLite TensorType codes."""

from __future__ import annotations

import numpy as np
import torch
from ai_edge_litert import schema_py_generated as schema

# TF's names (as OpSpec declares allowed types) -> torch dtype.
TORCH_DTYPES: dict[str, torch.dtype] = {
    "float": torch.float32,
    "double": torch.float64,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
TF_NAMES: dict[torch.dtype, str] = {v: k for k, v in TORCH_DTYPES.items()}

# TF's names -> the TFLite TensorType codes the converter writes for type attrs.
TFLITE_CODES: dict[str, int] = {
    "float": schema.TensorType.FLOAT32,
    "double": schema.TensorType.FLOAT64,
    "half": schema.TensorType.FLOAT16,
    "bfloat16": schema.TensorType.BFLOAT16,
    "int8": schema.TensorType.INT8,
    "int16": schema.TensorType.INT16,
    "int32": schema.TensorType.INT32,
    "int64": schema.TensorType.INT64,
    "uint8": schema.TensorType.UINT8,
    "uint16": schema.TensorType.UINT16,
    "uint32": schema.TensorType.UINT32,
    "uint64": schema.TensorType.UINT64,
    "bool": schema.TensorType.BOOL,
    "complex64": schema.TensorType.COMPLEX64,
    "complex128": schema.TensorType.COMPLEX128,
}
TF_NAME_OF_CODE: dict[int, str] = {v: k for k, v in TFLITE_CODES.items()}

_NUMPY: dict[torch.dtype, np.dtype] = {
    torch.float32: np.dtype(np.float32),
    torch.float64: np.dtype(np.float64),
    torch.float16: np.dtype(np.float16),
    torch.int8: np.dtype(np.int8),
    torch.int16: np.dtype(np.int16),
    torch.int32: np.dtype(np.int32),
    torch.int64: np.dtype(np.int64),
    torch.uint8: np.dtype(np.uint8),
    torch.uint16: np.dtype(np.uint16),
    torch.uint32: np.dtype(np.uint32),
    torch.uint64: np.dtype(np.uint64),
    torch.bool: np.dtype(np.bool_),
    torch.complex64: np.dtype(np.complex64),
    torch.complex128: np.dtype(np.complex128),
}


def numpy_dtype(dtype: torch.dtype, op: str) -> np.dtype:
    """The numpy dtype of a torch dtype the TFLite runtime holds (ValueError naming `op` if none)."""
    try:
        return _NUMPY[dtype]
    except KeyError:
        raise ValueError(f"{op}: dtype {dtype} has no TFLite tensor type opbridge can feed") from None


def tf_name(dtype: torch.dtype, op: str) -> str:
    try:
        return TF_NAMES[dtype]
    except KeyError:
        raise ValueError(f"{op}: dtype {dtype} has no TF equivalent") from None
