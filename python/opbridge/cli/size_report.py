"""What the bytes of a built kernel library are (docs/size.md): per op file and per category.

The library is relinked once from its build tree's own link command, into a temporary
file with a link map (`-Wl,-Map`): the map says which object each kept input section came
from, so bytes are attributed after the linker's own choices (one copy of each
template kept, unused sections dropped, identical code folded). Symbols (`nm -S -C`)
add the names for the categories. The build tree is not changed.

Attribution follows the linker: a template instantiated by several op files
(an Eigen kernel, std::vector<float>) counts for the first object on the link line
that defines it, as that is the copy kept.
"""

from __future__ import annotations

import bisect
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# Sections whose bytes are in the file at run time (not .bss, not debug info).
_LOADED = (".text", ".rodata", ".data", ".data.rel.ro", ".eh_frame", ".gcc_except_table", ".init_array")
_ENTRY_ONE_LINE = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_ENTRY_CONTINUED = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_OUTPUT_SECTION = re.compile(r"^(\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
_REGISTERED = re.compile(r'OPBRIDGE_REGISTER_OP\(OpSpec\("([^"]+)"')
_DTYPES = re.compile(r"\b(float|double|half|bfloat16|int|long|short|char|bool|complex)\b")

CATEGORIES = (
    "op kernels (per-dtype template instantiations)",
    "op kernels (other code and data)",
    "Eigen instantiations",
    "Unicode tables and normalization",
    "RE2",
    "framework (core + TFLite adapter + C interface)",
    "libstdc++/libgcc pieces and linker stubs",
    "unwind tables, relocations, symbol-less bytes",
)


@dataclass
class Piece:
    """One input section the linker kept."""

    address: int
    size: int
    output: str
    origin: str  # the object (or archive member) it came from


@dataclass
class SizeReport:
    library: Path
    file_bytes: int
    stripped_bytes: int
    sections: dict[str, int]
    by_object: dict[str, int]
    by_category: dict[str, int]
    ops_of_object: dict[str, list[str]] = field(default_factory=dict)

    def op_rows(self) -> list[tuple[str, str, int]]:
        """(op file, the ops it registers, bytes) of every op file, largest first."""
        rows = []
        for origin, size in self.by_object.items():
            path = op_file(origin)
            if path is not None:
                rows.append((path, ", ".join(self.ops_of_object.get(path, [])), size))
        return sorted(rows, key=lambda r: -r[2])


def op_file(origin: str) -> str | None:
    """'ops/math/erfinv.cc' for an object of the op library ('.../ops/math/erfinv.cc.o')."""
    match = re.search(r"(?:^|/)(ops/[^/]+/[^/(]+\.cc)\.o", origin)
    return match.group(1) if match else None


_MEMBER = re.compile(r"\.a\(([^()/]+?)(?:\.cc)?(?:\.isolated)?\.o\)$")


def source_of_member(origin: str, sources: dict[str, str]) -> str:
    """An archive member of the build (a selective build's helper archive, the isolated
    AVX2 archive) as the op file it was compiled from ('ops/signal/fft_transforms.cc.o'),
    given {file name without .cc: ops/<family>/<file>.cc}; other origins unchanged."""
    match = _MEMBER.search(origin)
    path = sources.get(match.group(1)) if match else None
    return f"{path}.o" if path else origin


def parse_link_map(text: str) -> list[Piece]:
    """The kept input sections of loaded output sections, from a GNU ld or gold map."""
    start = max(text.find("Linker script and memory map"), text.find("\nMemory map"))
    lines = text[start:].splitlines() if start >= 0 else []
    pieces: list[Piece] = []
    output = ""
    for line in lines:
        head = _OUTPUT_SECTION.match(line)
        if head:
            output = head.group(1)
            continue
        if output not in _LOADED:
            continue
        # An entry is one line, or two when the input section's name is long.
        one = _ENTRY_ONE_LINE.match(line)
        more = None if one else _ENTRY_CONTINUED.match(line)
        if one and not one.group(1).startswith("*"):
            address, size, origin = int(one.group(2), 16), int(one.group(3), 16), one.group(4)
        elif more:
            address, size, origin = int(more.group(1), 16), int(more.group(2), 16), more.group(3)
        else:
            continue
        if size and address:
            pieces.append(Piece(address, size, output, origin.strip()))
    return pieces


def _category(origin: str, name: str) -> str:
    if "re2" in origin or "opbridge_re2::" in name:
        return "RE2"
    if "Eigen::" in name:
        return "Eigen instantiations"
    if re.search(r"ops/[^/]+/unicode_", origin) or "opbridge::unicode::" in name:
        return "Unicode tables and normalization"
    if op_file(origin) is not None:
        template = "<" in name and _DTYPES.search(name[name.find("<") :])
        return CATEGORIES[0] if template else CATEGORIES[1]
    if "/cpp/" in origin:
        return "framework (core + TFLite adapter + C interface)"
    return "libstdc++/libgcc pieces and linker stubs"


def _symbols(library: Path) -> list[tuple[int, int, str]]:
    """(address, size, demangled name) of every sized symbol."""
    out = subprocess.run(
        [binutil("nm", library), "-S", "-C", "--defined-only", str(library)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[2].lower() in "tdrvwb" and parts[2] not in "bB":
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    return symbols


def registered_ops(source_root: Path) -> dict[str, list[str]]:
    """ops/<family>/<file>.cc -> the op names it registers."""
    table: dict[str, list[str]] = {}
    for path in sorted(source_root.glob("ops/*/*.cc")):
        names = _REGISTERED.findall(path.read_text(errors="replace"))
        table[path.relative_to(source_root).as_posix()] = names
    return table


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        raise FileNotFoundError(f"{name} not found (needed for the size report)")
    return found


# ELF e_machine values -> the GNU triplet's machine (Debian's cross binutils are
# <machine>-linux-gnu-nm, -strip, -size).
_ELF_MACHINES = {62: "x86_64", 183: "aarch64"}


def binutil(name: str, library: Path) -> str:
    """binutils' `name` for the library's machine: the host's own, or for a cross-built
    library (build-selective --target aarch64) the cross toolchain's, as the host's
    binutils do not read other machines' ELF files."""
    with open(library, "rb") as file:
        header = file.read(20)
    machine = _ELF_MACHINES.get(int.from_bytes(header[18:20], "little")) if header[:4] == b"\x7fELF" else None
    if machine is None or machine == platform.machine():
        return name
    return _tool(f"{machine}-linux-gnu-{name}")


def _link_command(build_dir: Path, library: str) -> str:
    out = subprocess.run(
        [_tool("ninja"), "-C", str(build_dir), "-t", "commands", library],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    command = out.strip().splitlines()[-1]
    return command.removeprefix(": && ").removesuffix(" && :")


def stripped_size(library: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / library.name
        subprocess.run([binutil("strip", library), "-o", str(out), str(library)], check=True)
        return out.stat().st_size


def section_sizes(library: Path) -> dict[str, int]:
    out = subprocess.run(
        [binutil("size", library), "-A", str(library)], capture_output=True, text=True, check=True
    ).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def report(build_dir: Path, source_root: Path, library: str = "libopbridge_tflite.so") -> SizeReport:
    """Relinks `library` of `build_dir` with a link map (into a temporary directory) and attributes it."""
    command = _link_command(build_dir, library)
    target = f" -o {library} "
    if target not in command:
        raise ValueError(f"unexpected link command for {library}: {command[:200]}")
    ops_of_object = registered_ops(source_root)
    with tempfile.TemporaryDirectory() as tmp:
        out, link_map = Path(tmp) / library, Path(tmp) / "link.map"
        outputs = f" -o {shlex.quote(str(out))} -Wl,-Map={shlex.quote(str(link_map))} "
        relink = command.replace(target, outputs)
        subprocess.run(["/bin/sh", "-c", relink], cwd=build_dir, check=True, capture_output=True)
        pieces = parse_link_map(link_map.read_text(errors="replace"))
        # Helper op files reach a selective build through an archive, and the
        # AVX2 copies through theirs: both are op code, named by their source.
        sources = {Path(path).stem: path for path in ops_of_object}
        for piece in pieces:
            piece.origin = source_of_member(piece.origin, sources)
        symbols = _symbols(out)
        file_bytes = out.stat().st_size
        stripped = stripped_size(out)
        sections = section_sizes(out)
    by_object: dict[str, int] = defaultdict(int)
    for piece in pieces:
        by_object[piece.origin] += piece.size
    starts = [p.address for p in sorted(pieces, key=lambda p: p.address)]
    ordered = sorted(pieces, key=lambda p: p.address)
    by_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    named = 0
    counted: set[int] = set()
    for address, size, name in symbols:
        # A constructor's or destructor's complete and base object variants (C1/C2,
        # D1/D2) are one function under two names: its bytes count once.
        if size == 0 or address in counted:
            continue
        counted.add(address)
        at = bisect.bisect_right(starts, address) - 1
        if at < 0 or address >= ordered[at].address + ordered[at].size:
            continue
        by_category[_category(ordered[at].origin, name)] += size
        named += size
    loaded = sum(sections.get(s, 0) for s in _LOADED)
    by_category[CATEGORIES[-1]] = max(0, stripped - named) if loaded else 0
    return SizeReport(
        library=build_dir / library,
        file_bytes=file_bytes,
        stripped_bytes=stripped,
        sections=sections,
        by_object=dict(by_object),
        by_category=by_category,
        ops_of_object=ops_of_object,
    )
