"""`opbridge new PKG`: scaffold a package of one's own ops."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import CliError


def _new(args: argparse.Namespace) -> int:
    from ..scaffold import create, namespace_of

    tf_version = args.tf_version
    if tf_version is None:
        from .._library import builtin_library

        tf_version = builtin_library().tf_version
    try:
        files = create(args.package, Path(args.directory), tf_version)
    except (ValueError, FileExistsError) as exc:
        raise CliError(str(exc)) from None
    root = Path(args.directory) / args.package
    print(
        f"created {root} ({len(files)} files): op {namespace_of(args.package)}>Affine in {root}/ops/affine.cc"
    )
    print(f"next: cd {root} && pip wheel --no-build-isolation --no-deps -w dist . && pip install dist/*.whl")
    print(
        f"in PyTorch: `from {args.package} import torch` defines torch.ops.{args.package}.Affine (README.md)"
    )
    return 0


def add(sub: Any) -> None:
    new = sub.add_parser("new", help="scaffold a package of your own ops (pip wheel builds it)")
    new.add_argument("package", help="the Python package name, e.g. my_ops (ops are named MyOps>...)")
    new.add_argument("--directory", default=".", help="where to create it (default: here)")
    new.add_argument("--tf-version", help="the TensorFlow to build against (default: opbridge's)")
    new.set_defaults(run=_new)
