"""What the commands share: errors, model sources, sample data, atomic writes."""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..source import InputSpec
from ..tflite_model import ModelView, parse


class CliError(Exception):
    """A usage or input error: printed as one line, exit status 2."""


@contextlib.contextmanager
def native_noise_hidden(enabled: bool = True) -> Iterator[None]:
    """Hides what TF's and TFLite's C++ code prints on file descriptor 2 (calibration
    settings, delegate notices, deprecation warnings) while keeping Python's
    sys.stderr (progress bars, our errors) on the terminal. --debug shows everything."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    with tempfile.TemporaryFile() as sink, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter is deprecated")
        os.dup2(sink.fileno(), 2)
        sys.stderr = open(os.dup(saved), "w", buffering=1)  # closed below
        try:
            yield
        finally:
            sys.stderr.close()
            sys.stderr = python_stderr
            os.dup2(saved, 2)
            os.close(saved)


def one_line(exc: BaseException, limit: int = 240) -> str:
    """The telling line of a (possibly long, multi-line) exception message."""
    text = str(exc).strip() or type(exc).__name__
    match = re.search(r"Could not locate class '[^']+'", text)
    if match:
        return match.group(0) + " (import the module that defines it: --import MODULE)"
    line = next((line.strip() for line in text.splitlines() if line.strip()), text)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def write_atomically(path: Path, data: bytes) -> None:
    """Never leaves a partial file: write beside it, then rename over."""
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise CliError(f"{path}: the directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_model(path: str) -> ModelView:
    """The .tflite at `path`, parsed once for the command to read (its bytes are `.data`)."""
    p = Path(path)
    if not p.is_file():
        raise CliError(f"{path}: no such file")
    try:
        return parse(p.read_bytes())
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None


def import_modules(names: list[str]) -> None:
    """--import MODULE: modules whose import registers custom Keras layers or ops."""
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise CliError(f"--import {name}: {exc}") from None


def resolve_source(text: str) -> Any:
    """SRC: a SavedModel directory, a .keras or Keras 2 .h5 file, or module:function."""
    path = Path(text)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise CliError(f"{text}: a directory without saved_model.pb is not a SavedModel")
        return path
    if path.suffix in (".keras", ".h5", ".hdf5"):
        if not path.is_file():
            raise CliError(f"{text}: no such file")
        return path
    if ":" in text and not path.exists():
        module_name, _, attr = text.partition(":")
        import_modules([module_name])
        obj: Any = sys.modules[module_name]
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise CliError(f"{text}: module {module_name} has no {attr}")
            obj = getattr(obj, part)
        return obj
    if path.exists():
        raise CliError(f"{text}: not a SavedModel directory, a .keras or .h5 file or module:function")
    raise CliError(f"{text}: no such file or directory")


def _fits(shape: tuple[int, ...], spec: InputSpec) -> bool:
    return len(shape) == len(spec.shape) and all(
        d is None or d == s for d, s in zip(spec.shape, shape, strict=True)
    )


def load_samples(path: str, specs: list[InputSpec], limit: int | None) -> list[dict[str, np.ndarray]]:
    """--representative FILE as samples by input name.

    .npy: one array whose first axis counts samples; each sample is fed with a
    batch axis of 1 (one-input models). .npz: one such array per input name.
    """
    p = Path(path)
    if not p.is_file():
        raise CliError(f"{path}: no such file")
    try:
        loaded = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CliError(f"{path}: not a .npy or .npz file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        if len(specs) != 1:
            names = ", ".join(s.name for s in specs)
            raise CliError(
                f"{path}: the model has {len(specs)} inputs ({names}); give a .npz with one array each"
            )
        arrays = {specs[0].name: loaded}
    else:
        arrays = {k: loaded[k] for k in loaded.files}
        expected = {s.name for s in specs}
        if set(arrays) != expected:
            raise CliError(
                f"{path}: holds arrays {sorted(arrays)}, the model's inputs are {sorted(expected)}"
            )
    counts = {a.shape[0] if a.ndim else 0 for a in arrays.values()}
    if len(counts) != 1 or 0 in counts:
        raise CliError(f"{path}: every array needs the same number (> 0) of samples on its first axis")
    n = min(counts.pop(), limit or 1 << 60)
    samples = []
    for i in range(n):
        sample = {}
        for spec in specs:
            value = arrays[spec.name][i : i + 1].astype(spec.dtype, copy=False)
            if not _fits(value.shape, spec):
                expected = tuple("?" if d is None else d for d in spec.shape)
                raise CliError(
                    f"{path}: input '{spec.name}' gets samples of shape {value.shape[1:]} "
                    f"(fed as {value.shape}), the model expects {expected}"
                )
            sample[spec.name] = value
        samples.append(sample)
    return samples


def random_inputs(specs: list[InputSpec], rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for spec in specs:
        shape = tuple(1 if d is None else d for d in spec.shape)
        if np.issubdtype(spec.dtype, np.floating):
            out[spec.name] = rng.standard_normal(shape).astype(spec.dtype)
        elif spec.dtype == np.bool_:
            out[spec.name] = rng.integers(0, 2, shape).astype(bool)
        else:
            out[spec.name] = rng.integers(0, 8, shape).astype(spec.dtype)
    return out


def refuses_failing_model(parity: dict[str, Any], inputs: str, allowed: bool) -> bool:
    """True (and says why on stderr) if a converted model that fails on `inputs` is not to be
    written: convert's rule for both frontends, unless --allow-run-errors."""
    if "failure" not in parity or allowed:
        return False
    print(
        f"opbridge convert: the converted model fails on its {inputs}: {parity['failure']}; "
        "nothing written (--allow-run-errors writes it anyway)",
        file=sys.stderr,
    )
    return True
