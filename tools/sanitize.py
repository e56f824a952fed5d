"""Runs opbridge's kernels under AddressSanitizer + UndefinedBehaviorSanitizer.

    python tools/sanitize.py ASAN_PYTHON SEEDS_DIR

ASAN_PYTHON is a venv's python with the sanitized wheel (make sanitize builds it)
and no TensorFlow. SEEDS_DIR holds tests/make_fuzz_seeds.py output: one
converted model per benchmark case, every op covered, with the outputs of the
normal build. Runs, each in its own process with the sanitizer runtimes, two at
a time (OPBRIDGE_SANITIZE_JOBS):
  1. every seed model, through both registration routes and 1 and 3 threads,
     compared bit for bit with the normal build;
  2. the kernel fuzzer, random models and seed mutations, both routes;
  3. the flexbuffer reader's property tests.
Any sanitizer report aborts that process; this script then exits 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("OPBRIDGE_SANITIZE_JOBS", "2"))


def runtime_library(name: str) -> str:
    path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(path):
        raise SystemExit(f"cannot find {name} (gcc -print-file-name)")
    return path


CHECK_SEEDS = textwrap.dedent(
    """
    import glob, json, sys, numpy as np
    from opbridge.running import SignatureSession
    count = 0
    for path in sorted(glob.glob(sys.argv[1] + "/seed_*.tflite")):
        model = open(path, "rb").read()
        meta = json.load(open(path[:-7] + ".json"))
        data = np.load(path[:-7] + ".npz")
        expected = np.load(path[:-7] + ".expected.npz")
        inputs = [data[f"arr_{i}"] for i in range(len(data.files))]
        for route in ("resolver", "delegate"):
            for threads in (1, 3):
                session = SignatureSession(
                    model, route=route, num_threads=threads, default_delegates=meta["default_delegates"]
                )
                session.set_inputs(inputs)
                session.invoke()
                for name, value in session.outputs().items():
                    # Strings are kept as fixed-width bytes, which drop trailing NULs (EncodeWav's
                    # last sample may end in one): compared the same way.
                    if value.dtype == object:
                        value = value.astype(np.bytes_)
                    np.testing.assert_array_equal(value, expected[name], err_msg=f"{path} {route} {threads}")
                count += 1
    print(f"{count} seed runs identical to the normal build")
    """
)


def check_instrumented(python: str) -> None:
    """A pass means something only if the kernels really are instrumented."""
    # Found without importing opbridge: its sanitized module loads only with ASan preloaded.
    locate = "import importlib.util as u; print(u.find_spec('opbridge').submodule_search_locations[0])"
    package = subprocess.run(
        [python, "-c", locate], capture_output=True, text=True, check=True
    ).stdout.strip()
    path = str(Path(package) / "lib" / "libopbridge_tflite.so")
    imports = subprocess.run(["nm", "-D", "--undefined-only", path], capture_output=True, text=True).stdout
    # ASan's checks are calls (__asan_load4, ...; cmake/OpbridgeFunctions.cmake), UBSan's handlers.
    for needed in ("__asan_load", "__ubsan_handle_"):
        if needed not in imports:
            raise SystemExit(f"{path} is not instrumented ({needed}* missing): not a sanitizer build")
    print(f"ok   {path} is built with ASan and UBSan")


def main(python: str, seeds: str) -> int:
    check_instrumented(python)
    env = {
        **os.environ,
        # libstdc++ too: Python does not link it, and ASan resolves its __cxa_throw
        # interceptor at start-up; without it the runtime's first C++ exception aborts.
        "LD_PRELOAD": f"{runtime_library('libasan.so')} {runtime_library('libstdc++.so.6')}",
        # Python itself leaks at exit by design; UB is made fatal at compile time.
        # allocator_may_return_null: a hostile model can declare tensors of tens
        # of GB; glibc's malloc then returns NULL and TFLite's arena refuses the
        # model (the normal build's fuzz run does exactly that), where ASan would
        # abort instead. Out-of-memory is not a memory error; C++ `new` still reports.
        # max_allocation_size_mb: the fuzzers' hostile shape values ask for outputs of up
        # to 2^31 elements, which kernels may compute as TF would: hours under ASan. A
        # larger allocation returns NULL (refused), as tests/fuzz_kernels.py caps it in
        # normal builds. The seeds' own tensors are a few MB.
        "ASAN_OPTIONS": (
            "detect_leaks=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1"
            ":max_allocation_size_mb=1024"
        ),
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    fuzzer = str(ROOT / "tests" / "fuzz_kernels.py")

    Run = tuple[str, list[str], "str | None"]  # label, command, fuzz log (its last case names a crash)

    def fuzz(label: str, log_name: str, *args: str) -> Run:
        # One log per run: the runs go in parallel.
        log = str(Path(seeds) / f"fuzz-{log_name}.log")
        return label, [python, fuzzer, *args, "--log", log], log

    # The longest runs (seed mutations) start first, so the two workers end together (times: docs/ci.md).
    compiled_model_seeds = str(ROOT / "tools" / "compiled_model_seeds.py")
    runs: list[Run] = [
        ("seed models, both routes", [python, "-c", CHECK_SEEDS, seeds], None),
        fuzz(
            "fuzz: seed mutations (resolver)",
            "seeds-resolver",
            "--seeds",
            seeds,
            "--cases",
            "60",
            "--seed",
            "23",
        ),
        fuzz(
            "fuzz: seed mutations (delegate)",
            "seeds-delegate",
            *("--seeds", seeds, "--cases", "30", "--seed", "24", "--route", "delegate"),
        ),
        fuzz("fuzz: random models (resolver)", "random-resolver", "--cases", "80", "--seed", "21"),
        fuzz(
            "fuzz: random models (delegate)",
            "random-delegate",
            *("--cases", "40", "--seed", "22", "--route", "delegate"),
        ),
        (
            "seed models through LiteRT's CompiledModel, 1 thread",
            [python, compiled_model_seeds, seeds, "1"],
            None,
        ),
        (
            "seed models through LiteRT's CompiledModel, 3 threads",
            [python, compiled_model_seeds, seeds, "3"],
            None,
        ),
        fuzz(
            "fuzz: seed mutations (LiteRT CompiledModel)",
            "seeds-compiled-model",
            *("--seeds", seeds, "--cases", "6", "--seed", "25", "--route", "compiled_model"),
        ),
        (
            "flexbuffer reader property tests",
            [
                python,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "tests" / "test_flexbuffer_reader.py"),
            ],
            None,
        ),
    ]

    def run(label: str, command: list[str], log: str | None) -> tuple[bool, str]:
        start = time.monotonic()
        # errors="replace": a run's stderr may hold a hostile model's bytes (names, strings).
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", env=env, cwd=ROOT)
        seconds = time.monotonic() - start
        if result.returncode == 0:
            tail = (result.stdout.strip().splitlines() or [""])[-1]
            return True, f"ok   {label} ({seconds:.0f} s): {tail}"
        last_case = Path(log).read_text().splitlines()[-1:] if log and Path(log).exists() else []
        return (
            False,
            f"FAIL {label} (exit {result.returncode}); last fuzz case: {last_case}\n{result.stderr[-6000:]}",
        )

    # Each run is its own process with its own sanitizer runtime: two at a time on CI's two cores.
    failed = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for ok, message in pool.map(lambda r: run(*r), runs):
            print(message, flush=True)
            failed += 0 if ok else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
