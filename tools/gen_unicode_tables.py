"""Generates ops/strings/unicode_tables.cc from the ICU builds the references use.

The tables are measured, not read from Unicode data files: tensorflow-text's NormalizeUTF8 and
CaseFoldUTF8 link their own ICU (77 in the venv: Unicode 16) and TF's StringLower/StringUpper link TF's
(69: Unicode 13), while Python's unicodedata is 14.0, so neither the system data nor Python's matches.
Every code point (surrogates excluded) goes through the reference ops once; the script derives

- full canonical (NFD) and compatibility (NFKD) decompositions per code point,
- NFKC_Casefold's mapping per code point (as its NFD, stored only where it differs from NFKD),
- canonical combining classes, by the order NFD leaves a probe mark and the code point in,
- canonical composition pairs: composites NFC leaves alone, split into their last mark and the NFC of
  the rest,
- TF's full lower/upper case mappings, and the two properties Final_Sigma reads (cased,
  case-ignorable), by where lower() puts a final sigma.

Hangul syllables are algorithmic in the C++ and left out. Run with the venv's Python:
    .venv/bin/python tools/gen_unicode_tables.py
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "ops" / "strings" / "unicode_tables.cc"
SIGMA = "\u03a3"
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def code_points() -> list[int]:
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def run(op: Callable[[object], object], strings: Sequence[str]) -> list[str]:
    """One reference call over all strings (as one 1-D tensor), decoded back to str."""
    import tensorflow as tf

    out = op(tf.constant(np.array([s.encode() for s in strings], dtype=object)))
    return [b.decode() for b in out.numpy()]  # type: ignore[attr-defined]


def ranges_of(values: dict[int, int]) -> list[tuple[int, int, int]]:
    """(first, last, value) runs of consecutive code points with one value (value 0 omitted)."""
    runs: list[tuple[int, int, int]] = []
    for cp in sorted(values):
        v = values[cp]
        if v == 0:
            continue
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == v:
            runs[-1] = (runs[-1][0], cp, v)
        else:
            runs.append((cp, cp, v))
    return runs


def utf16(seq: tuple[int, ...]) -> list[int]:
    units: list[int] = []
    for cp in seq:
        if cp < 0x10000:
            units.append(cp)
        else:
            units += [0xD800 + ((cp - 0x10000) >> 10), 0xDC00 + ((cp - 0x10000) & 0x3FF)]
    return units


class MapWriter:
    """Compresses {cp: mapping} into runs of two 32-bit words (layout: unicode_tables.h): a constant
    mapping over consecutive code points, or a one-code-point mapping cp + delta over code points 1 or
    2 apart (upper/lower pairs alternate). Mappings longer than one code point live in a UTF-16 pool."""

    MAX_COUNT = 1 << 11

    def __init__(self) -> None:
        self.pool: list[int] = []
        self.pool_index: dict[tuple[int, ...], int] = {}

    def intern(self, seq: tuple[int, ...]) -> int:
        if seq not in self.pool_index:
            self.pool_index[seq] = len(self.pool)
            self.pool.extend(utf16(seq))
        return self.pool_index[seq]

    def entries(self, mapping: dict[int, tuple[int, ...]]) -> list[tuple[int, int]]:
        runs: list[list[int]] = []  # [first, count, stride, delta?, data, units]
        for cp in sorted(mapping):
            seq = mapping[cp]
            if runs:
                first, count, stride, is_delta, data, _ = runs[-1]
                last = first + (count - 1) * stride
                if count < self.MAX_COUNT and is_delta and len(seq) == 1 and seq[0] - cp == data:
                    step = cp - last
                    if count == 1 and step in (1, 2):
                        runs[-1][1:3] = [2, step]
                        continue
                    if step == stride:
                        runs[-1][1] += 1
                        continue
                elif count < self.MAX_COUNT and not is_delta and cp == last + 1 and stride == 1:
                    if self.pool_index.get(seq) == data:
                        runs[-1][1] += 1
                        continue
            if len(seq) == 1:
                runs.append([cp, 1, 1, 1, seq[0] - cp, 0])
            else:
                runs.append([cp, 1, 1, 0, self.intern(seq), len(utf16(seq))])
        words = []
        for first, count, stride, is_delta, data, units in runs:
            assert first < 1 << 21 and count <= self.MAX_COUNT
            if is_delta:
                assert -(1 << 21) <= data < 1 << 21
                value = (1 << 30) | (data & 0x3FFFFF)
            else:
                assert data < 1 << 16 and units < 1 << 6
                value = (units << 16) | data
            words.append((first << 11 | (count - 1), value | (stride - 1) << 31))
        return words


def main() -> int:
    import tensorflow as tf
    import tensorflow_text as tft

    cps = code_points()
    chars = [chr(cp) for cp in cps]

    def norm(form: str) -> Callable[[object], object]:
        return lambda t: tft.normalize_utf8(t, form)

    nfd = run(norm("NFD"), chars)
    nfkd = run(norm("NFKD"), chars)
    nfc = run(norm("NFC"), chars)
    cf = run(tft.case_fold_utf8, chars)
    cf_nfd = run(norm("NFD"), cf)
    lower = run(lambda t: tf.strings.lower(t, encoding="utf-8"), chars)
    upper = run(lambda t: tf.strings.upper(t, encoding="utf-8"), chars)

    def hangul(cp: int) -> bool:
        return HANGUL_FIRST <= cp <= HANGUL_LAST

    canonical: dict[int, tuple[int, ...]] = {}
    compat: dict[int, tuple[int, ...]] = {}
    casefold: dict[int, tuple[int, ...]] = {}
    for i, cp in enumerate(cps):
        if hangul(cp):
            continue
        d = tuple(map(ord, nfd[i]))
        k = tuple(map(ord, nfkd[i]))
        f = tuple(map(ord, cf_nfd[i]))
        if d != (cp,):
            canonical[cp] = d
        if k != d:
            compat[cp] = k
        if f != k:
            casefold[cp] = f

    # Combining classes: which code points NFD moves in front of a probe mark (a nonzero class below
    # theirs) or behind one (a class above theirs); then the class, as the highest probe class they
    # stay behind.
    undecomposed = [cp for i, cp in enumerate(cps) if nfd[i] == chr(cp) and cp != 0]
    probes: dict[int, int] = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = unicodedata.combining(chr(cp))
        if c and c not in probes and unicodedata.decomposition(chr(cp)) == "":
            probes[c] = cp
    low, high = probes[min(probes)], probes[max(probes)]
    a = run(norm("NFD"), [chr(high) + chr(cp) for cp in undecomposed])
    b = run(norm("NFD"), [chr(cp) + chr(low) for cp in undecomposed])
    nonzero = [
        cp
        for cp, x, y in zip(undecomposed, a, b, strict=True)
        if x != chr(high) + chr(cp) or y != chr(cp) + chr(low) or cp in (low, high)
    ]
    classes = sorted(probes)
    tests = [chr(probes[k]) + chr(cp) for cp in nonzero for k in classes]
    res = run(norm("NFD"), tests)
    ccc: dict[int, int] = {}
    for j, cp in enumerate(nonzero):
        stays = [k for n, k in enumerate(classes) if res[j * len(classes) + n] == tests[j * len(classes) + n]]
        ccc[cp] = max(stays) if stays else 0
    mismatch = sum(
        1
        for cp in nonzero
        if ccc[cp] != unicodedata.combining(chr(cp)) and unicodedata.category(chr(cp)) != "Cn"
    )
    version = unicodedata.unidata_version
    print(f"ccc: {len(nonzero)} nonzero; {mismatch} differ from Python's unicodedata {version}")

    # Composition pairs: composites NFC keeps (primary composites), split into (NFC of all but the last
    # code point of the NFD, last code point) as UnicodeData's two-code-point mappings are.
    pairs: list[tuple[int, int, int]] = []
    heads = []
    for i, cp in enumerate(cps):
        if hangul(cp) or nfd[i] == chr(cp) or nfc[i] != chr(cp):
            continue
        heads.append((cp, nfd[i]))
    head_nfc = run(norm("NFC"), [d[:-1] for _, d in heads])
    for (cp, d), h in zip(heads, head_nfc, strict=True):
        if len(h) != 1:
            print(f"composite U+{cp:04X}: head {h!r} is not one code point", file=sys.stderr)
            return 1
        pairs.append((ord(h), ord(d[-1]), cp))
    check = run(norm("NFC"), [chr(x) + chr(y) for x, y, _ in pairs])
    bad = [p for p, c in zip(pairs, check, strict=True) if c != chr(p[2])]
    if bad:
        print(f"{len(bad)} pairs do not compose back: {bad[:5]}", file=sys.stderr)
        return 1
    pairs.sort()

    # Primary composites need no stored decomposition: the C++ splits them by the pairs (recursively)
    # and canonical ordering follows anyway. Keep only those the pairs do not rebuild exactly.
    pair_of = {c: (x, y) for x, y, c in pairs}

    def derived(cp: int) -> tuple[int, ...]:
        if cp in pair_of:
            x, y = pair_of[cp]
            return derived(x) + derived(y)
        return canonical.get(cp, (cp,))

    def ordered(seq: tuple[int, ...]) -> tuple[int, ...]:
        out = list(seq)
        for i in range(1, len(out)):
            j = i
            while j > 0 and 0 < ccc.get(out[j], 0) < ccc.get(out[j - 1], 0):
                out[j - 1], out[j] = out[j], out[j - 1]
                j -= 1
        return tuple(out)

    rebuilt = [c for c in pair_of if ordered(derived(c)) == canonical[c]]
    print(f"{len(rebuilt)} of {len(pair_of)} composites decompose by the pairs")
    for c in rebuilt:
        del canonical[c]
    by_composite = sorted(range(len(pairs)), key=lambda k: pairs[k][2])

    # TF's case mappings and Final_Sigma's properties: lower(X + Sigma) ends in final sigma when X is
    # cased (and not case-ignorable); lower("A" + X + Sigma) also when X is case-ignorable.
    lower_map: dict[int, tuple[int, ...]] = {}
    upper_map: dict[int, tuple[int, ...]] = {}
    for i, cp in enumerate(cps):
        if cp == 0:
            continue
        if lower[i] != chr(cp):
            lower_map[cp] = tuple(map(ord, lower[i]))
        if upper[i] != chr(cp):
            upper_map[cp] = tuple(map(ord, upper[i]))
    tail = [c for c in chars if c != "\0"]
    after = run(lambda t: tf.strings.lower(t, encoding="utf-8"), [c + SIGMA for c in tail])
    between = run(lambda t: tf.strings.lower(t, encoding="utf-8"), ["A" + c + SIGMA for c in tail])
    case_type: dict[int, int] = {}  # 1 cased, 2 case-ignorable
    for c, x, y in zip(tail, after, between, strict=True):
        if x.endswith("\u03c2"):
            case_type[ord(c)] = 1
        elif y.endswith("\u03c2"):
            case_type[ord(c)] = 2
    cased = sum(v == 1 for v in case_type.values())
    print(f"cased {cased}, case-ignorable {len(case_type) - cased}")

    writer = MapWriter()
    tables = {
        "kCanonical": canonical,
        "kCompat": compat,
        "kCaseFold": casefold,
        "kLower": lower_map,
        "kUpper": upper_map,
    }
    entries = {name: writer.entries(m) for name, m in tables.items()}
    ccc_runs = ranges_of(ccc)
    type_runs = ranges_of(case_type)

    lines = [
        "// Generated by tools/gen_unicode_tables.py from the references' own ICU builds: do not edit.",
        f"// Normalization and case folding: tensorflow-text {tft.__version__}'s ICU; lower/upper case:",
        f"// TensorFlow {tf.__version__}'s ICU. Layout and lookups: unicode_tables.h.",
        '#include "unicode_tables.h"',
        "",
        "namespace opbridge {",
        "namespace unicode {",
        "namespace {",
    ]

    def array(decl: str, values: list[str], per_line: int) -> None:
        lines.extend(["", f"const {decl}[] = {{"])
        for k in range(0, len(values), per_line):
            lines.append("    " + " ".join(values[k : k + per_line]))
        lines.append("};")

    array("char16_t kPool", [f"0x{v:X}," for v in writer.pool], 12)
    size = 2 * len(writer.pool)
    for name, words in entries.items():
        array(f"MapEntry {name}Entries", [f"{{0x{k:X}, 0x{v:X}}}," for k, v in words], 4)
        size += 8 * len(words)
    for name, runs in (("kCccRuns", ccc_runs), ("kCaseTypeRuns", type_runs)):
        array(f"RangeEntry {name}", [f"{{0x{f << 8 | v:X}, 0x{last:X}}}," for f, last, v in runs], 4)
        size += 8 * len(runs)
    array("uint64_t kPairs", [f"0x{x << 42 | y << 21 | c:X}," for x, y, c in pairs], 4)
    array("uint16_t kPairsByComposite", [f"{k}," for k in by_composite], 16)
    size += 10 * len(pairs)
    lines += ["", "}  // namespace", ""]
    for name in tables:
        lines.append(f"const MapTable {name} = {{{name}Entries, sizeof({name}Entries) / sizeof(MapEntry)}};")
    lines += [
        "const char16_t* const kMapPool = kPool;",
        "const RangeTable kCcc = {kCccRuns, sizeof(kCccRuns) / sizeof(RangeEntry)};",
        "const RangeTable kCaseType = {kCaseTypeRuns, sizeof(kCaseTypeRuns) / sizeof(RangeEntry)};",
        "const PairTable kComposition = {kPairs, kPairsByComposite, sizeof(kPairs) / sizeof(uint64_t)};",
        "",
        "}  // namespace unicode",
        "}  // namespace opbridge",
        "",
    ]
    OUT.write_text("\n".join(lines))
    counts = ", ".join(f"{n} {len(e)}" for n, e in entries.items())
    print(f"wrote {OUT}: pool {len(writer.pool)} UTF-16 units, {counts}, ccc {len(ccc_runs)} runs,")
    print(f"case types {len(type_runs)} runs, pairs {len(pairs)}; about {size} bytes of data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
