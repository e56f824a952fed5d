"""Fuzzes every TFLite kernel of every kernel library: random single-op models
(ranks, dims, dtypes, input counts, option bytes, input values) through
prepare and invoke. A kernel may refuse a case (RuntimeError, ValueError);
it may never crash the process.

    python tests/fuzz_kernels.py --cases 40 --seed 1 --log cases.log [--route ROUTE]
    python tests/fuzz_kernels.py --seeds DIR --cases 20 --log cases.log

Random mode builds one-op models from each op's declaration (mostly caught by
validation). Seed mode starts from real converted models that reach each
kernel's compute (tests/make_fuzz_seeds.py) and feeds them hostile values
(NaN, inf, extremes, out-of-range indices), other shapes (resized at run
time) and damaged copies of their real custom options.

Needs only ai-edge-litert, numpy and opbridge (no TensorFlow), so it also runs
against the sanitizer build. Each case is written to --log before it runs:
after a crash, the last line names it. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter

import numpy as np
from flatbuffers import flexbuffers

import opbridge
from opbridge import tflite_model
from opbridge._library import OpInfo
from opbridge.catalog import op_infos

DTYPES = {
    "float": np.float32,
    "double": np.float64,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "int8": np.int8,
    "bool": np.bool_,
}
# Schema TensorType numbers for type attrs, as the converter writes them.
SCHEMA_TYPE = {"float": 0, "int32": 2, "uint8": 3, "int64": 4, "bool": 6, "int8": 9, "double": 10, "int16": 7}


def attr_value(attr: object, rng: np.random.Generator) -> object:
    """A plausible value for an attr: mostly valid, sometimes odd."""
    kind, allowed = attr.type, attr.allowed
    odd = rng.random() < 0.15
    if kind == "type":
        names = [a for a in allowed if a in SCHEMA_TYPE] or list(SCHEMA_TYPE)
        return int(rng.integers(0, 20)) if odd else SCHEMA_TYPE[str(rng.choice(names))]
    if kind == "bool":
        return int(rng.integers(-2, 3)) if odd else bool(rng.integers(0, 2))
    if kind == "int":
        return int(rng.integers(-(2**40), 2**40)) if odd else int(rng.integers(-3, 8))
    if kind == "float":
        return float(rng.choice([np.nan, np.inf, -1e30, 0.0])) if odd else float(rng.normal() * 3)
    if kind == "string":
        if allowed and not odd:
            return str(rng.choice(list(allowed)))
        return str(rng.choice(["", "x" * 40, "VALID", "SAME", "nearest", "bogus"]))
    if kind == "list(int)":
        length = int(rng.integers(0, 7))
        high = 2**33 if odd else 6
        return [int(v) for v in rng.integers(-2 if odd else 0, high, length)]
    if kind == "list(float)":
        return [float(v) for v in rng.normal(size=int(rng.integers(0, 6)))]
    if kind == "list(string)":
        pool = ["ROW_SPLITS", "VALUE_ROWIDS", "FIRST_DIM_SIZE", "", "bogus"]
        return [str(rng.choice(pool)) for _ in range(int(rng.integers(0, 4)))]
    return None


def options_for(op: OpInfo, rng: np.random.Generator) -> bytes:
    roll = rng.random()
    attrs = {a.name: attr_value(a, rng) for a in op.attrs if rng.random() < 0.9}
    valid = flexbuffers.Dumps(attrs) if attrs else b""
    if roll < 0.7:
        return valid
    if roll < 0.85 and valid:
        damaged = bytearray(valid)
        for _ in range(int(rng.integers(1, 4))):
            damaged[int(rng.integers(len(damaged)))] = int(rng.integers(256))
        return bytes(damaged[: int(rng.integers(1, len(damaged) + 1))])
    return rng.bytes(int(rng.integers(0, 48)))


def tensor_values(shape: tuple[int, ...], dtype: np.dtype, rng: np.random.Generator) -> np.ndarray:
    size = int(np.prod(shape)) if shape else 1
    # String tensors (objects; fixed-width bytes in the seeds): empty, ASCII, UTF-8 and ill-formed bytes.
    if np.dtype(dtype).kind in "OS":
        pool = [b"", b" ", b"a", b"ab cd", "日本\u3000語".encode(), b"\xff\xfe", b"\xe3\x80", b"a\x00b"]
        picks = [pool[int(k)] * int(rng.integers(1, 4)) for k in rng.integers(0, len(pool), size)]
        return np.array(picks, dtype=object).reshape(shape)
    if np.issubdtype(dtype, np.complexfloating):
        real_type = np.float32 if np.dtype(dtype) == np.complex64 else np.float64
        real, imag = tensor_values(shape, real_type, rng), tensor_values(shape, real_type, rng)
        with np.errstate(invalid="ignore", over="ignore"):
            return (real + 1j * imag).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        pool = np.array([0.0, -0.0, 1.0, -1.0, 0.5, np.nan, np.inf, -np.inf, 1e30, -1e-30, 3.0, 1e4])
        values = np.where(rng.random(size) < 0.3, rng.choice(pool, size), rng.normal(size=size) * 3)
    elif dtype == np.bool_:
        values = rng.integers(0, 2, size)
    else:
        info = np.iinfo(dtype)
        extremes = np.array([info.min, info.max, -1, 0, 1, 2**20], dtype=np.float64).clip(info.min, info.max)
        values = np.where(rng.random(size) < 0.3, rng.choice(extremes, size), rng.integers(-2, 6, size))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(values).astype(dtype).reshape(shape)


def random_case(op: OpInfo, rng: np.random.Generator) -> dict:
    n_inputs = len(op.inputs) + (int(rng.integers(-1, 2)) if rng.random() < 0.1 else 0)
    n_outputs = len(op.outputs) + (int(rng.integers(-1, 2)) if rng.random() < 0.05 else 0)
    allowed = [d for d in op.dtypes if d in DTYPES] or ["float"]
    main_dtype = str(rng.choice(allowed)) if rng.random() < 0.85 else str(rng.choice(list(DTYPES)))
    inputs, outputs = [], []
    for k in range(max(0, n_inputs)):
        rank = int(rng.integers(0, 6))
        shape = tuple(int(d) for d in rng.integers(0 if rng.random() < 0.1 else 1, 5, rank))
        declared = op.inputs[k][1] if k < len(op.inputs) else "T"
        dtype = declared if declared in DTYPES else main_dtype
        if declared not in DTYPES and rng.random() < 0.3:
            dtype = str(rng.choice(["int32", "int64", "float"]))
        inputs.append((f"in_{k}", shape, dtype))
    for k in range(max(1, n_outputs)):
        declared = op.outputs[k][1] if k < len(op.outputs) else "T"
        dtype = declared if declared in DTYPES else main_dtype
        if declared not in DTYPES and rng.random() < 0.3:
            dtype = str(rng.choice(["int32", "int64", "float"]))
        outputs.append((f"out_{k}", (1,), dtype))
    return {"op": op.name, "inputs": inputs, "outputs": outputs, "options": options_for(op, rng).hex()}


# The messages of refusals that did not name the op, for the summary (the test wants none).
REFUSED_OTHER: list[str] = []


def run_case(case: dict, rng: np.random.Generator, route: str) -> str:
    model = tflite_model.single_custom_op_model(
        case["op"],
        [(n, s, DTYPES[d]) for n, s, d in case["inputs"]],
        [(n, s, DTYPES[d]) for n, s, d in case["outputs"]],
        options=bytes.fromhex(case["options"]),
    )
    try:
        interpreter = opbridge.Interpreter(
            model_content=model, route=route, num_threads=int(rng.integers(1, 4))
        )
        interpreter.allocate_tensors()
        for detail in interpreter.get_input_details():
            shape = tuple(detail["shape"])
            if 0 not in shape:
                interpreter.set_tensor(detail["index"], tensor_values(shape, detail["dtype"], rng))
        interpreter.invoke()
        for detail in interpreter.get_output_details():
            if 0 not in tuple(detail["shape"]):
                interpreter.get_tensor(detail["index"])
    except (RuntimeError, ValueError) as exc:
        message = str(exc)
        # A refusal must say which op refused, unless the runtime itself refused first.
        if case["op"] in message:
            return "refused-named"
        REFUSED_OTHER.append(f"{case['op']}: {message[:300]}")
        return "refused-other"
    return "ran"


def _mutate(options: bytes, rng: np.random.Generator) -> bytes:
    if not options or rng.random() < 0.2:
        return rng.bytes(int(rng.integers(0, 32)))
    damaged = bytearray(options)
    for _ in range(int(rng.integers(1, 4))):
        damaged[int(rng.integers(len(damaged)))] = int(rng.integers(256))
    return bytes(damaged[: int(rng.integers(1, len(damaged) + 1))] if rng.random() < 0.3 else damaged)


def seed_case(
    path: str, inputs: list[np.ndarray], rng: np.random.Generator, route: str, default_delegates: bool = True
) -> tuple[str, str]:
    """One mutation of a seed model. Returns (kind, outcome)."""
    model = open(path, "rb").read()
    kind = str(rng.choice(["values", "shapes", "options"]))
    arrays = [a.copy() for a in inputs]
    if kind == "options":
        uses = tflite_model.custom_ops(model)
        if uses:
            use = uses[int(rng.integers(len(uses)))]
            model = tflite_model.replace_custom_options(model, use.name, _mutate(use.options, rng))
    elif kind == "shapes":
        for i, a in enumerate(arrays):
            if a.ndim and rng.random() < 0.7:
                shape = list(a.shape)
                axis = int(rng.integers(a.ndim))
                shape[axis] = int(rng.choice([0, 1, max(0, shape[axis] - 1), shape[axis] + 1]))
                arrays[i] = tensor_values(tuple(shape), a.dtype, rng)
    else:
        arrays = [tensor_values(a.shape, a.dtype, rng) if rng.random() < 0.8 else a for a in arrays]
    if route == "compiled_model":
        return kind, _run_compiled(model, arrays, default_delegates)
    try:
        interpreter = opbridge.Interpreter(
            model_content=model,
            route=route,
            num_threads=int(rng.integers(1, 4)),
            default_delegates=default_delegates,
        )
        signatures = interpreter._get_full_signature_list()
        if signatures:
            (signature,) = signatures.values()
            ids = list(signature["inputs"].values())
            output_ids = list(signature["outputs"].values())
        else:  # a hand-made model: tensor order
            ids = [d["index"] for d in interpreter.get_input_details()]
            output_ids = [d["index"] for d in interpreter.get_output_details()]
        for index, a in zip(ids, arrays, strict=True):
            interpreter.resize_tensor_input(index, a.shape, strict=False)
        interpreter.allocate_tensors()
        for index, a in zip(ids, arrays, strict=True):
            if a.size:
                interpreter.set_tensor(index, a)
        interpreter.invoke()
        for index in output_ids:
            detail = next(d for d in interpreter.get_output_details() if d["index"] == index)
            if 0 not in tuple(detail["shape"]):
                interpreter.get_tensor(index)
    except (RuntimeError, ValueError, MemoryError):
        # MemoryError: numpy's copy of an output the capped address space cannot hold (main()).
        return kind, "refused"
    return kind, "ran"


# Custom ops LiteRT's stock resolver also registers (its own audio kernels).
# On the delegate route a node our delegate does not claim (options it
# refuses) falls to that kernel, whose Init crashes on mutated options
# (SEGV in tflite::ops::custom::audio_spectrogram::Init): LiteRT's bug, not
# ours; the resolver route fuzzes our kernels for these ops. LiteRT's
# CompiledModel does the same: stock ai_edge_litert's CompiledModel alone,
# without opbridge, segfaults on a mutated AudioSpectrogram seed (seed_037
# case 4 of make sanitize's run, 2026-12-06).
STOCK_CUSTOM_OPS = frozenset({"AudioSpectrogram", "Mfcc"})
# The routes on which a node may fall to LiteRT's own kernel.
FALLBACK_ROUTES = frozenset({"delegate", "compiled_model"})


def _run_compiled(model: bytes, arrays: list[np.ndarray], default_delegates: bool) -> str:
    """A mutated seed through LiteRT's CompiledModel API (opbridge.CompiledModel)."""
    from opbridge.running import SignatureSession, run_compiled_model

    try:
        names = SignatureSession(model, default_delegates=default_delegates)._index_order
        run_compiled_model(model, dict(zip(names, arrays, strict=True)))
    except (RuntimeError, ValueError, opbridge.OpbridgeError):
        return "refused"
    return "ran"


# Hostile shape values may ask a kernel for outputs of 2^31 elements, which it may
# legitimately compute, as TF would: minutes of work per case (hours under ASan), and
# two fuzzers side by side could exhaust the machine. Allocations above the cap fail,
# and TFLite refuses the model; an out-of-memory refusal is not what the fuzzer tests.
MEMORY_CAP_BYTES = 4 << 30


def cap_memory() -> None:
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        return  # ASan reserves terabytes of shadow; tools/sanitize.py caps its allocator instead
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_CAP_BYTES, hard))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40, help="cases per op")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", required=True)
    parser.add_argument("--route", default="resolver", choices=("resolver", "delegate", "compiled_model"))
    parser.add_argument("--only", help="fuzz only ops whose name contains this")
    parser.add_argument("--seeds", help="a directory of seeds (tests/make_fuzz_seeds.py): seed mode")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cap_memory()
    if args.seeds:
        return seed_main(args, rng)
    ops = [op for op in op_infos() if op.tflite and (not args.only or args.only in op.name)]
    # On the delegate and CompiledModel routes a node we refuse falls to LiteRT's own kernel when it has one.
    skipped = [op.name for op in ops if args.route in FALLBACK_ROUTES and op.name in STOCK_CUSTOM_OPS]
    ops = [op for op in ops if op.name not in skipped]
    outcomes: Counter[str] = Counter()
    per_op: dict[str, Counter[str]] = {}
    start = time.perf_counter()
    with open(args.log, "w") as log:
        for op in ops:
            per_op[op.name] = Counter()
            for _ in range(args.cases):
                case = random_case(op, rng)
                log.write(json.dumps(case) + "\n")
                log.flush()
                outcome = run_case(case, rng, args.route)
                outcomes[outcome] += 1
                per_op[op.name][outcome] += 1
    summary = {
        "ops": len(ops),
        "skipped_ops": skipped,
        "cases": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "refused_other": REFUSED_OTHER[:5],
        "seconds": round(time.perf_counter() - start, 1),
        "ran_per_op": {name: c["ran"] for name, c in per_op.items()},
    }
    print(json.dumps(summary))
    return 0


def seed_main(args: argparse.Namespace, rng: np.random.Generator) -> int:
    from pathlib import Path

    outcomes: Counter[str] = Counter()
    start = time.perf_counter()
    seeds = sorted(Path(args.seeds).glob("seed_*.tflite"))
    fuzzed, skipped = 0, []
    seconds_per_seed: dict[str, float] = {}
    with open(args.log, "w") as log:
        for path in seeds:
            # String inputs are stored as object arrays (the seeds are our own files).
            loaded = np.load(path.parent / (path.stem + ".npz"), allow_pickle=True)
            meta = json.loads((path.parent / (path.stem + ".json")).read_text())
            inputs = [loaded[f"arr_{i}"] for i in range(len(loaded.files))]
            if args.route in FALLBACK_ROUTES and meta.get("op") in STOCK_CUSTOM_OPS:
                skipped.append(path.name)
                continue
            fuzzed += 1
            seed_start = time.perf_counter()
            for k in range(args.cases):
                log.write(f"{path.name} case {k}\n")
                log.flush()
                kind, outcome = seed_case(
                    str(path), inputs, rng, args.route, meta.get("default_delegates", True)
                )
                outcomes[f"{kind}:{outcome}"] += 1
            seconds_per_seed[f"{path.name} {meta.get('op')}"] = time.perf_counter() - seed_start
    # The slowest seeds name the kernels that dominate this run's time (CI budget: docs/ci.md).
    slowest = sorted(seconds_per_seed.items(), key=lambda item: -item[1])[:8]
    summary = {
        "seeds": fuzzed,
        "skipped_seeds": skipped,
        "cases": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "seconds": round(time.perf_counter() - start, 1),
        "slowest_seeds": {name: round(seconds, 1) for name, seconds in slowest},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
