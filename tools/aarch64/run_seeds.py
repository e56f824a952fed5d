"""Proves the aarch64 wheel's kernels on emulated aarch64 (make test-aarch64).

    python tools/aarch64/run_seeds.py [--ops Op1,Op2] [--fuzz-cases N]

On this x86-64 machine (the .venv with TensorFlow and the normal build):
  1. the seed models (tests/make_fuzz_seeds.py: one converted model per bench
     case, every op), made once into build/aarch64/seeds;
  2. their outputs here, XNNPACK off (as on the emulated side);
then under `qemu-aarch64` with Debian's arm64 python3.11 (tools/aarch64/setup.sh)
and the aarch64 wheel from dist/aarch64:
  3. every seed through both routes and 1 and 3 threads (check_seeds.py), which
     must agree bit for bit, and must equal x86-64's bits; where they do not,
     both are compared with TF's outputs (tolerance.py);
  4. the seed-mutation fuzzer (tests/fuzz_kernels.py --seeds), both routes: no crash.
Prints a table per op family and writes it to build/aarch64/table.md. Exit 1
on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tolerance import compare_with_tf  # noqa: E402

CACHE = ROOT / ".cache" / "aarch64"
WORK = ROOT / "build" / "aarch64-run"


def emulated_env(site: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QEMU_LD_PREFIX": str(CACHE / "sysroot"),
        "PYTHONPATH": f"{site}:{CACHE / 'site'}:{ROOT / 'tests'}",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


def emulated(args: list[str], site: Path, log: Path) -> tuple[int, float]:
    python = [shutil.which("qemu-aarch64") or "qemu-aarch64", str(CACHE / "sysroot/usr/bin/python3.11")]
    start = time.monotonic()
    with log.open("w") as out:
        rc = subprocess.run(
            python + args, env=emulated_env(site), stdout=out, stderr=subprocess.STDOUT
        ).returncode
    return rc, time.monotonic() - start


def unpack_wheel(site: Path, wheel_dir: Path) -> Path:
    wheels = sorted(wheel_dir.glob("opbridge-*aarch64*.whl"))
    if not wheels:
        raise SystemExit(f"no aarch64 wheel in {wheel_dir}: make wheels (or wheel-aarch64)")
    shutil.rmtree(site, ignore_errors=True)
    zipfile.ZipFile(wheels[-1]).extractall(site)
    return wheels[-1]


def op_families() -> dict[str, str]:
    """Op name -> its family (the ops/<family>/ directory that registers it)."""
    families = {}
    for path in (ROOT / "ops").glob("*/*.cc"):
        for name in re.findall(r'OpSpec\("([^"]+)"\)', path.read_text()):
            families[name] = path.parent.name
    return families


def select_seeds(all_seeds: Path, seeds: Path, ops: set[str] | None) -> list[str]:
    """The chosen seeds, linked into `seeds` with XNNPACK off in their metadata
    (tests/fuzz_kernels.py reads default_delegates from there)."""
    shutil.rmtree(seeds, ignore_errors=True)
    seeds.mkdir(parents=True)
    stems = []
    for meta_path in sorted(all_seeds.glob("seed_*.json")):
        meta = json.loads(meta_path.read_text())
        if ops is not None and meta["op"] not in ops:
            continue
        stem = meta_path.name[: -len(".json")]
        for suffix in (".tflite", ".npz"):
            (seeds / f"{stem}{suffix}").symlink_to(all_seeds / f"{stem}{suffix}")
        (seeds / meta_path.name).write_text(json.dumps({**meta, "default_delegates": False}))
        stems.append(stem)
    return stems


def x86_outputs(seeds: Path, stems: list[str], out: Path) -> None:
    """This machine's outputs with the emulated run's settings (resolver, 1 thread, no XNNPACK)."""
    from opbridge.running import SignatureSession

    out.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        data = np.load(seeds / f"{stem}.npz")
        session = SignatureSession(
            (seeds / f"{stem}.tflite").read_bytes(), route="resolver", num_threads=1, default_delegates=False
        )
        session.set_inputs([data[f"arr_{i}"] for i in range(len(data.files))])
        session.invoke()
        outputs = {n: np.asarray(v) for n, v in session.outputs().items()}
        np.savez(
            out / f"{stem}.npz",
            **{n: v.astype(np.bytes_) if v.dtype == object else v for n, v in outputs.items()},
        )


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", help="comma-separated op names: only their seeds (the CI subset)")
    parser.add_argument("--fuzz-cases", type=int, default=10, help="seed mutations per seed and route")
    parser.add_argument(
        "--all-seeds",
        type=Path,
        help="seeds already made by tests/make_fuzz_seeds.py (build/fuzz-seeds, which make test writes)",
    )
    parser.add_argument(
        "--wheel-dir", type=Path, default=ROOT / "dist" / "manylinux", help="the aarch64 wheel's"
    )
    args = parser.parse_args()
    ops = set(args.ops.split(",")) if args.ops else None
    timings: dict[str, float] = {}

    start = time.monotonic()
    wheel = unpack_wheel(WORK / "site", args.wheel_dir)
    # Absolute: the selected seeds are symlinks to these files (a relative target would resolve
    # against the link's own directory).
    all_seeds = (args.all_seeds or ROOT / "build" / "aarch64-seeds").resolve()
    if args.all_seeds is None and not (all_seeds / ".complete").exists():
        shutil.rmtree(all_seeds, ignore_errors=True)
        subprocess.run(
            [sys.executable, str(ROOT / "tests" / "make_fuzz_seeds.py"), str(all_seeds)], check=True
        )
        (all_seeds / ".complete").touch()
    timings["seed models (x86-64, TF)"] = time.monotonic() - start

    start = time.monotonic()
    seeds = WORK / "seeds"
    stems = select_seeds(all_seeds, seeds, ops)
    x86_outputs(seeds, stems, WORK / "x86")
    timings["x86-64 outputs"] = time.monotonic() - start

    rc, timings["aarch64 seed runs (qemu)"] = emulated(
        [str(Path(__file__).with_name("check_seeds.py")), str(seeds), str(WORK / "aarch64")],
        WORK / "site",
        WORK / "check_seeds.log",
    )
    report = json.loads((WORK / "aarch64" / "report.json").read_text()) if rc == 0 else {}
    if rc != 0:
        print(f"FAIL check_seeds.py exited {rc}:\n" + (WORK / "check_seeds.log").read_text()[-4000:])

    families = op_families()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    differing: dict[str, list[str]] = {}
    for stem in stems:
        meta = json.loads((seeds / f"{stem}.json").read_text())
        family = families.get(meta["op"], "?")
        counts[family]["seeds"] += 1
        result = report.get(stem, {"status": "not run"})
        if result["status"] != "ok":
            counts[family]["failed"] += 1
            print(f"FAIL {stem} {meta['op']} ({meta['label']}): {result}")
            continue
        here, there = np.load(WORK / "x86" / f"{stem}.npz"), np.load(WORK / "aarch64" / f"{stem}.npz")
        names = [n for n in here.files if not same_bits(here[n], there[n])]
        if here.files != there.files:
            names = sorted(set(here.files) | set(there.files))
        if names:
            differing[stem] = names
        else:
            counts[family]["identical"] += 1

    start = time.monotonic()
    verdicts = compare_with_tf(seeds, WORK, differing) if differing else {}
    timings["TF outputs for differing seeds"] = time.monotonic() - start
    for stem, (ok, detail) in verdicts.items():
        meta = json.loads((seeds / f"{stem}.json").read_text())
        family = families.get(meta["op"], "?")
        counts[family]["within tolerance" if ok else "failed"] += 1
        print(f"{'DIFF' if ok else 'FAIL'} {stem} {meta['op']} ({meta['label']}): {detail}")

    # LiteRT 2.3.0's aarch64 resize_tensor_input crashes (SIGSEGV) on an empty
    # shape under qemu-user, with builtin ops only (docs/aarch64.md), and the
    # fuzzer resizes every input: seeds with a scalar input are left out of it.
    fuzz_seeds = WORK / "fuzz-seeds"
    shutil.rmtree(fuzz_seeds, ignore_errors=True)
    fuzz_seeds.mkdir()
    scalar_inputs = 0
    for stem in stems:
        data = np.load(seeds / f"{stem}.npz")
        if any(data[f].ndim == 0 for f in data.files):
            scalar_inputs += 1
            continue
        for suffix in (".tflite", ".npz", ".json"):
            (fuzz_seeds / f"{stem}{suffix}").symlink_to((seeds / f"{stem}{suffix}").resolve())
    print(f"fuzz: {len(stems) - scalar_inputs} seeds ({scalar_inputs} with a scalar input left out)")
    fuzz_failed = 0
    for route, seed in (("resolver", 31), ("delegate", 32)):
        log = WORK / f"fuzz-{route}.log"
        command = [
            str(ROOT / "tests" / "fuzz_kernels.py"),
            "--seeds",
            str(fuzz_seeds),
            "--cases",
            str(args.fuzz_cases),
        ]
        rc, timings[f"fuzz seeds, {route} (qemu)"] = emulated(
            [*command, "--seed", str(seed), "--route", route, "--log", str(WORK / f"fuzz-{route}.cases")],
            WORK / "site",
            log,
        )
        tail = log.read_text().strip().splitlines()[-1:] or [""]
        print(f"{'ok  ' if rc == 0 else 'FAIL'} fuzz seeds ({route}): exit {rc}: {tail[0][:300]}")
        fuzz_failed += rc != 0

    columns = ("seeds", "identical", "within tolerance", "failed")
    lines = [f"aarch64 wheel {wheel.name}", "", "| family | " + " | ".join(columns) + " |", "|---" * 5 + "|"]
    for family in sorted(counts):
        lines.append(f"| {family} | " + " | ".join(str(counts[family][c]) for c in columns) + " |")
    total = sum(counts.values(), Counter())
    lines.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in columns) + " |")
    lines += ["", "| step | wall time |", "|---|---|"] + [f"| {k} | {v:.0f} s |" for k, v in timings.items()]
    table = "\n".join(lines)
    print(table)
    (WORK / "table.md").write_text(table + "\n")
    return 1 if total["failed"] or fuzz_failed or len(report) != len(stems) else 0


if __name__ == "__main__":
    sys.exit(main())
