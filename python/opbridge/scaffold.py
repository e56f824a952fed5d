"""`opbridge new PKG`: a package of one's own ops, built with opbridge's framework."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from . import __version__

TEMPLATE = Path(__file__).parent / "scaffold_template"


def namespace_of(package: str) -> str:
    """The op namespace: the package name in CamelCase (heldout_ops -> HeldoutOps)."""
    return "".join(part[:1].upper() + part[1:] for part in package.split("_") if part)


def snake_of(namespace: str) -> str:
    """How TF names the Python wrapper's prefix for ops of a namespace (HeldoutOps -> heldout_ops)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", namespace).lower()


def check_package_name(package: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", package) or keyword.iskeyword(package) or package.endswith("_"):
        raise ValueError(
            f"{package!r} is not a usable package name: lowercase letters, digits and underscores, "
            "starting with a letter (e.g. my_ops)"
        )
    if package == "opbridge":
        raise ValueError("the package cannot be called opbridge")


def create(package: str, directory: Path, tf_version: str) -> list[Path]:
    """Writes the package into directory/package; returns the files written."""
    check_package_name(package)
    root = Path(directory) / package
    if root.exists():
        raise FileExistsError(f"{root} already exists")
    major, minor = (int(x) for x in tf_version.split(".")[:2])
    namespace = namespace_of(package)
    values = {
        "@PACKAGE@": package,
        "@NAMESPACE@": namespace,
        "@SNAKE_NAMESPACE@": snake_of(namespace),
        "@OPBRIDGE_VERSION@": __version__,
        "@TF_VERSION@": tf_version,
        "@TF_MAJOR_MINOR@": f"{major}.{minor}",
        "@TF_NEXT@": f"{major}.{minor + 1}",
    }
    written = []
    for template in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = str(template.relative_to(TEMPLATE))[: -len(".tmpl")]
        text = template.read_text()
        for key, value in values.items():
            relative = relative.replace(key, value)
            text = text.replace(key, value)
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written.append(target)
    return written
