"""ops/math/cpu_features.h reads the CPU flags the kernels dispatch on with its own CPUID
(not libgcc's CPU model, docs/size.md): its answers must be the kernel's (/proc/cpuinfo)."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

# Our field name -> the Linux flag name in /proc/cpuinfo.
FLAGS = {
    "popcnt": "popcnt",
    "sse42": "sse4_2",
    "avx2": "avx2",
    "fma": "fma",
    "f16c": "f16c",
    "avx512f": "avx512f",
    "avx512fp16": "avx512_fp16",
}

PROGRAM = """
#include <cstdio>
#include "cpu_features.h"
int main() {
  const auto& f = opbridge::math::Cpu();
  std::printf("%d %d %d %d %d %d %d\\n", f.popcnt, f.sse42, f.avx2, f.fma, f.f16c, f.avx512f, f.avx512fp16);
}
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="CPUID is x86-64's")
def test_cpuid_flags_match_the_kernels_view(tmp_path: Path) -> None:
    source, binary = tmp_path / "flags.cc", tmp_path / "flags"
    source.write_text(PROGRAM)
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-O1",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{ROOT / 'ops' / 'math'}",
            str(source),
            "-o",
            str(binary),
        ],
        check=True,
    )
    ours = dict(
        zip(
            FLAGS,
            (
                v == "1"
                for v in subprocess.run(
                    [str(binary)], capture_output=True, text=True, check=True
                ).stdout.split()
            ),
            strict=True,
        )
    )
    line = next(x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("flags"))
    linux = set(line.split(":", 1)[1].split())
    assert ours == {name: flag in linux for name, flag in FLAGS.items()}
    # This machine has AVX-512 (docs/ci.md): the test would mean little if every answer were "no".
    assert ours["avx2"] and ours["popcnt"]
