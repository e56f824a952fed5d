"""Prints the CMake cache settings for this example from the installed Python packages:
cmake -S . -B build $(python lib_dirs.py)"""

from __future__ import annotations

import os

import ai_edge_litert

import opbridge


def cmake_args() -> list[str]:
    return [
        f"-DLITERT_LIB_DIR={os.path.dirname(ai_edge_litert.__file__)}",
        f"-DOPBRIDGE_LIB_DIR={os.path.join(os.path.dirname(opbridge.__file__), 'lib')}",
    ]


if __name__ == "__main__":
    print(" ".join(cmake_args()))
