"""Shared fixtures. TensorFlow is real here: parity tests run TF's kernels against
real TFLite interpreters."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The reference TF is TF with its oneDNN kernels, as TF 2.21 runs by default on x86 CPUs with
# AVX-512 (VNNI and newer), where these tests were written: on older x86 CPUs (AVX2 only) TF turns
# them off by default and runs Eigen kernels whose pooling windows, rounding and layouts differ in
# places (docs/design.md, "The TF reference and oneDNN"). Pinned so the reference is the same on
# every CI machine; set before TensorFlow is first imported (subprocesses inherit it).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("litert", "tf")


def pytest_collection_modifyitems(config, items):
    """Modules with a slow test first (a stable sort: files keep their order otherwise). `make test`
    runs pytest-xdist with --dist loadfile --no-loadscope-reorder, which hands out whole files in
    this order: the two workers start on the long files and end on short ones, instead of xdist's
    default order (files with the most tests first), which left the long few-test files (package
    builds, fuzzing, every op's seeds) for one worker at the end."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(scope="session")
def tf():
    import tensorflow

    return tensorflow


def _seeds_key() -> str:
    """What the seeds depend on: the installed package (kernels, converter, bench cases) and the
    generator. The Makefile's key hashes the wheel instead, and names the directory `make sanitize`
    reuses."""
    import opbridge

    digest = hashlib.sha256((ROOT / "tests" / "make_fuzz_seeds.py").read_bytes())
    for path in sorted(Path(opbridge.__file__).parent.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def fuzz_seeds(tmp_path_factory) -> Path:
    """Every benchmark case (each op at least once) converted, with its inputs and what the
    normal build computes (tests/make_fuzz_seeds.py): made once per test run and shared by the
    pytest-xdist workers (a file lock; the workers' temp dirs share a parent). `make test` names a
    directory and a key instead: the seeds made there are the ones `make sanitize` reuses."""
    shared = os.environ.get("OPBRIDGE_FUZZ_SEEDS")
    out = Path(shared) if shared else tmp_path_factory.getbasetemp().parent / "fuzz-seeds"
    key = os.environ.get("OPBRIDGE_FUZZ_SEEDS_KEY") if shared else None
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / (out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generator = ROOT / "tests" / "make_fuzz_seeds.py"
        subprocess.run(
            [sys.executable, str(generator), str(out), "--key", key or _seeds_key()],
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    return out


@dataclass
class Seed:
    """One converted bench case: its op, label, model and inputs (string inputs as bytes objects)."""

    op: str
    label: str
    model: bytes
    inputs: list[np.ndarray]
    default_delegates: bool


def load_seeds(directory: Path) -> list[Seed]:
    seeds = []
    for path in sorted(directory.glob("seed_*.tflite")):
        meta = json.loads(path.with_suffix(".json").read_text())
        arrays = np.load(path.with_suffix(".npz"))
        # Stored as fixed-width bytes (no pickle); the cases keep their strings free of trailing NULs.
        inputs = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
        inputs = [a.astype(object) if a.dtype.kind == "S" else a for a in inputs]
        seeds.append(Seed(meta["op"], meta["label"], path.read_bytes(), inputs, meta["default_delegates"]))
    return seeds


def with_edges(x: np.ndarray, edges: list[float]) -> np.ndarray:
    """x with its first elements (row-major) replaced by `edges`, in x's dtype: the edge cases a
    parity test mixes into random values (signed zeros, ties, infinities, NaN, extremes)."""
    flat = x.reshape(-1)
    flat[: min(flat.size, len(edges))] = np.asarray(edges, x.dtype)[: flat.size]
    return x


def registered_cpu_dtypes(op_type: str, attr: str = "T") -> set[str]:
    """The dtype names TF registers a CPU kernel of op_type for (its `attr` constraint)."""
    import tensorflow as tf
    from tensorflow.python.framework import kernels

    return {
        tf.as_dtype(t).name
        for k in kernels.get_registered_kernels_for_op(op_type).kernel
        if k.device_type == "CPU"
        for c in k.constraint
        if c.name == attr
        for t in c.allowed_values.list.type
    }


def convert_fn(fn, *specs):
    """Converts fn with an input signature of (shape, dtype) pairs through opbridge.convert."""
    import tensorflow as tf

    import opbridge

    signature = [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]
    return opbridge.convert(tf.function(fn, input_signature=signature))


def python_without_tensorflow() -> list[str]:
    """A python command line in which `import tensorflow` fails, as in a LiteRT-only deployment."""
    blocker = (
        "import sys\n"
        "class _NoTF:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'tensorflow' or name.startswith('tensorflow.'):\n"
        "            raise ImportError('tensorflow is not available here')\n"
        "sys.meta_path.insert(0, _NoTF())\n"
    )
    return [sys.executable, "-c", blocker + "exec(open(sys.argv[1]).read())"]


def tf_runs_bfloat16_in_onednn() -> bool:
    """Whether TF runs bfloat16 ops in oneDNN on this CPU: mirrors TF's
    IsBF16SupportedByOneDNNOnThisCPU (AVX512F, or AVX_NE_CONVERT). Elsewhere (x86 with AVX2 only) TF
    takes its Eigen kernels for bfloat16 (rounding in bfloat16, other windows) or refuses the op."""
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("flags"):
            return bool({"avx512f", "avx_ne_convert"} & set(line.split(":", 1)[1].split()))
    return False


def tf_runs_float16_in_onednn() -> bool:
    """Whether TF hands half ops to oneDNN on this CPU, as its IsFP16SupportedByOneDNNOnThisCPU
    decides (AVX512-FP16 or AMX-FP16: Intel Sapphire Rapids and newer). There oneDNN computes
    half convolutions in its own order, not TF's Eigen kernel's tap by tap."""
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("flags"):
            return bool({"avx512_fp16", "amx_fp16"} & set(line.split(":", 1)[1].split()))
    return False


def bfloat16_reference_via_float32(fn32, *inputs):
    """TF's bfloat16 result as oneDNN computes it (in float32, rounded once), for CPUs where TF does
    not run bfloat16 in oneDNN: fn32 (TF in float32, oneDNN) on the bfloat16-rounded inputs, each
    output rounded to bfloat16. fn32 returns a tensor or a dict of tensors; so does this (numpy)."""
    import ml_dtypes

    rounded = [np.asarray(x).astype(ml_dtypes.bfloat16).astype(np.float32) for x in inputs]
    out = fn32(*rounded)
    as_bf16 = lambda t: np.asarray(t).astype(ml_dtypes.bfloat16)  # noqa: E731
    return {k: as_bf16(v) for k, v in out.items()} if isinstance(out, dict) else as_bf16(out)


def kernel_path_env(baseline: bool, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a process whose kernels take their AVX2 paths (the default where the
    CPU has AVX2; AVX-512 where the kernel has one and the CPU too) or, baseline=True, the baseline
    x86-64 ones (OPBRIDGE_NO_AVX2=1); extra_env on top (e.g. OPBRIDGE_NO_AVX512=1)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("OPBRIDGE_NO_AVX2", None)
    env.pop("OPBRIDGE_NO_AVX512", None)
    if baseline:
        env["OPBRIDGE_NO_AVX2"] = "1"
    return {**env, **(extra_env or {})}


def cpu_has_avx2() -> bool:
    """Whether the kernels' AVX2 paths run here (their baseline paths run everywhere)."""
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return " avx2" in flags


def run_tflite_in_process(
    model: bytes,
    inputs: list[np.ndarray],
    workdir: Path,
    baseline: bool,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """The model's outputs (by name) from a fresh process, with the kernels' AVX2 paths
    (the default where the CPU has AVX2) or, baseline=True, OPBRIDGE_NO_AVX2=1: the
    kernels read it once per process."""
    (workdir / "model.tflite").write_bytes(model)
    # .npy files keep bfloat16 as raw 2-byte records: each side views them back by dtype name.
    names = [np.dtype(x.dtype).name for x in inputs]
    for i, x in enumerate(inputs):
        np.save(workdir / f"input_{i}.npy", x)
    script = (
        "import json, ml_dtypes, numpy as np\n"
        "from opbridge.running import run_tflite\n"
        f"names = {names!r}\n"
        "inputs = [np.load(f'input_{i}.npy').view(ml_dtypes.bfloat16 if n == 'bfloat16' else n)\n"
        "          for i, n in enumerate(names)]\n"
        "out = run_tflite(open('model.tflite', 'rb').read(), inputs, num_threads=2)\n"
        "np.savez('out.npz', **out)\n"
        "json.dump({k: np.dtype(v.dtype).name for k, v in out.items()}, open('out.json', 'w'))\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], cwd=workdir, env=kernel_path_env(baseline, extra_env), check=True
    )
    dtypes = json.loads((workdir / "out.json").read_text())
    with np.load(workdir / "out.npz") as out:
        return {k: v.view(ml_dtypes.bfloat16) if dtypes[k] == "bfloat16" else v for k, v in out.items()}


def run_tflite_each_in_process(
    model: bytes, input_sets: list[list[np.ndarray]], workdir: Path, baseline: bool
) -> list[dict]:
    """run_tflite_in_process for many input sets in one fresh process (a process per set costs
    about a second): the model's outputs by name for each set, in order. No bfloat16."""
    (workdir / "model.tflite").write_bytes(model)
    named = {f"{i:05d}_{j}": x for i, xs in enumerate(input_sets) for j, x in enumerate(xs)}
    np.savez(workdir / "in.npz", **named)
    script = (
        "import numpy as np\n"
        "from opbridge.running import run_tflite\n"
        "model = open('model.tflite', 'rb').read()\n"
        "npz = np.load('in.npz')\n"
        "sets = {}\n"
        "for key in sorted(npz.files, key=lambda k: (k[:5], int(k[6:]))):\n"
        "    sets.setdefault(key[:5], []).append(npz[key])\n"
        "out = {}\n"
        "for i, inputs in sets.items():\n"
        "    for name, value in run_tflite(model, inputs, num_threads=2).items():\n"
        "        out[f'{i}_{name}'] = value\n"
        "np.savez('out.npz', **out)\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=workdir, env=kernel_path_env(baseline), check=True)
    results: list[dict] = [{} for _ in input_sets]
    with np.load(workdir / "out.npz") as out:
        for key in out.files:
            results[int(key[:5])][key[6:]] = out[key]
    return results


def assert_path_gives_tf_bits(tf, fn, inputs: list[np.ndarray], workdir: Path, baseline: bool) -> None:
    """fn (float outputs by name) converted and run in a fresh process on one kernel path
    (run_tflite_in_process) gives tf.function(fn)'s outputs bit for bit, NaN where TF has NaN
    (a NaN's sign and payload are not TF's contract)."""
    model = convert_fn(fn, *[(x.shape, tf.as_dtype(x.dtype)) for x in inputs])
    got = run_tflite_in_process(model, inputs, workdir, baseline=baseline)
    for name, want in tf.function(fn)(*inputs).items():
        g, w = got[name], want.numpy()
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)
        bits = np.dtype(f"u{w.dtype.itemsize}")
        assert g.dtype == w.dtype, name
        np.testing.assert_array_equal(g[~np.isnan(g)].view(bits), w[~np.isnan(w)].view(bits), err_msg=name)
