"""Save and Restore (TF V1 checkpoints, TFLite's on-device training recipe): LiteRT's kernels
against TF's own ops. A LiteRT save is byte-identical to TF's file and TF restores it bit for
bit; LiteRT restores what TF saved (whole, sharded over files, sliced); a LiteRT round trip
brings changed variables back; every dtype TF saves, scalars and empty tensors; TF's errors;
damaged files are errors, never crashes."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES

# Variables of the dtypes TFLite's resource variables hold (the guide's layout).
VARIABLES = [
    ("w", (3, 2), np.float32),
    ("dense/kernel", (2,), np.float64),
    ("step", (), np.int32),
    ("count", (4,), np.int64),
    ("mask", (2, 2), np.bool_),
    ("q", (3,), np.int8),
    ("u", (3,), np.uint8),
    ("c", (2,), np.complex64),
    ("empty", (0, 3), np.float32),
]
# Tensors saved from signature inputs and restored as outputs: every dtype TF's V1 writer takes,
# and tensors large enough to span several 256 KiB table blocks.
TENSORS = [
    ("f16", (2, 3), np.float16),
    ("i16", (4,), np.int16),
    ("u16", (3,), np.uint16),
    ("c128", (2,), np.complex128),
    ("scalar", (), np.float32),
    ("none", (2, 0), np.int64),
    ("f64", (5,), np.float64),
    ("flags", (3,), np.bool_),
    ("i8", (2,), np.int8),
    ("i32", (7,), np.int32),
    ("m1", (100, 400), np.float32),
    ("m2", (100, 400), np.float32),
    ("z_big", (300, 700), np.float32),
]


def values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any, finite: bool = False) -> np.ndarray:
    """Values that exercise every encoding: NaN, -0.0, infinities, extreme integers. `finite`:
    no infinities (the converter stores a variable's initial inf as the largest finite float)."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    if dtype == np.bool_:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if dtype.kind == "c":
        part = np.float32 if dtype == np.complex64 else np.float64
        return (values(rng, shape, part, finite) + 1j * values(rng, shape, part, finite)).astype(dtype)
    if dtype.kind == "f":
        x = (rng.normal(size=n) * 100).astype(dtype)
        big = np.finfo(dtype).max
        special = np.array([np.nan, -0.0, big if finite else np.inf, -big if finite else -np.inf, big], dtype)
        x[: min(n, special.size)] = special[: min(n, special.size)]
        return x.reshape(shape)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    extremes = np.array([info.min, info.max, 0, -1 if info.min < 0 else 1], dtype)
    x[: min(n, 4)] = extremes[: min(n, 4)]
    return x.reshape(shape)


def bits(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x).tobytes()


def assert_same(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> None:
    for name, x in expected.items():
        y = np.asarray(got[name])
        assert y.dtype == x.dtype and y.shape == x.shape, (name, y.dtype, y.shape, x.dtype, x.shape)
        assert bits(y) == bits(x), name


def key(name: str) -> str:
    return name.replace("/", "_")


# TFLite's Python signature runner cannot fetch an empty output ("Invalid tensor size"): an
# empty tensor's restore returns its shape instead.
def output_name(name: str, shape: Any) -> str:
    return key(name) if int(np.prod(shape)) else f"shape_of_{key(name)}"


def returned(tf: Any, restored: Any, shape: Any) -> Any:
    return restored if int(np.prod(shape)) else tf.shape(restored)


def expected_outputs(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {output_name(n, x.shape): x if x.size else np.array(x.shape, np.int32) for n, x in tensors.items()}


class VariablesModule:
    """The on-device training layout: variables, and save/restore signatures over them."""

    def __init__(self, tf: Any, initial: dict[str, np.ndarray]) -> None:
        self.module = tf.Module()
        self.vars = {name: tf.Variable(x, name=key(name)) for name, x in initial.items()}
        self.module.vars = list(self.vars.values())
        order = [name for name, _, _ in VARIABLES][::-1]  # TF's Save sorts by name; give them unsorted

        def save(path: Any) -> dict[str, Any]:
            tf.raw_ops.Save(
                filename=path, tensor_names=order, data=[self.vars[n].read_value() for n in order]
            )
            return {"path": path}

        def restore(path: Any) -> dict[str, Any]:
            out = {}
            for name, v in self.vars.items():
                r = tf.raw_ops.Restore(file_pattern=path, tensor_name=name, dt=v.dtype)
                v.assign(tf.reshape(r, v.shape))
                out[output_name(name, v.shape)] = returned(tf, r, v.shape)
            return out

        def change() -> dict[str, Any]:  # a stand-in for a training step: every variable to zeros
            for v in self.vars.values():
                v.assign(tf.zeros(v.shape, v.dtype))
            return {key(n): v.read_value() for n, v in self.vars.items()}

        path_spec = [tf.TensorSpec([], tf.string)]
        self.module.save = tf.function(save, input_signature=path_spec)
        self.module.restore = tf.function(restore, input_signature=path_spec)
        self.module.change = tf.function(change, input_signature=[])

    def signatures(self) -> dict[str, Any]:
        m = self.module
        return {
            "save": m.save.get_concrete_function(),
            "restore": m.restore.get_concrete_function(),
            "change": m.change.get_concrete_function(),
        }


def tensors_module(tf: Any) -> Any:
    module = tf.Module()
    names = [name for name, _, _ in TENSORS]

    def save(path: Any, *data: Any) -> dict[str, Any]:
        tf.raw_ops.Save(filename=path, tensor_names=names, data=list(data))
        return {"path": path}

    def restore(path: Any) -> dict[str, Any]:
        out = {}
        for name, shape, dtype in TENSORS:
            r = tf.raw_ops.Restore(file_pattern=path, tensor_name=name, dt=tf.as_dtype(dtype))
            out[output_name(name, shape)] = returned(tf, r, shape)
        return out

    specs = [tf.TensorSpec(shape, tf.as_dtype(dtype), name=name) for name, shape, dtype in TENSORS]
    module.save = tf.function(save, input_signature=[tf.TensorSpec([], tf.string, name="path"), *specs])
    module.restore = tf.function(restore, input_signature=[tf.TensorSpec([], tf.string, name="path")])
    return module


def convert_module(tf: Any, module: Any, signatures: dict[str, Any], directory: Path) -> bytes:
    import opbridge
    from opbridge import tflite_model

    tf.saved_model.save(module, str(directory), signatures=signatures)
    model = opbridge.convert(str(directory), experimental_enable_resource_variables=True)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("Save") == 1 and counts.get("Restore", 0) >= 1, counts
    return model


@pytest.fixture(scope="module")
def models(tf: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rng = np.random.default_rng(20261130)
    initial = {name: values(rng, shape, dtype, finite=True) for name, shape, dtype in VARIABLES}
    root = tmp_path_factory.mktemp("save_restore_models")
    variables = VariablesModule(tf, initial)
    tensors = tensors_module(tf)
    return {
        "initial": initial,
        "variables": convert_module(tf, variables.module, variables.signatures(), root / "variables"),
        "tensors": convert_module(
            tf,
            tensors,
            {
                "save": tensors.save.get_concrete_function(),
                "restore": tensors.restore.get_concrete_function(),
            },
            root / "tensors",
        ),
    }


def interpreter(model: bytes, runtime: str) -> Any:
    import opbridge

    return opbridge.Interpreter(model_content=model, runtime=runtime)


def tf_save(tf: Any, path: Path, tensors: dict[str, np.ndarray]) -> None:
    names = list(tensors)
    tf.raw_ops.Save(filename=str(path), tensor_names=names, data=[tf.constant(tensors[n]) for n in names])


def tf_restore(tf: Any, path: Path, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        n: tf.raw_ops.Restore(file_pattern=str(path), tensor_name=n, dt=tf.as_dtype(x.dtype)).numpy()
        for n, x in tensors.items()
    }


def path_input(path: Path | str) -> np.ndarray:
    return np.array(str(path).encode())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_variables_litert_save_tf_restore(
    tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path
) -> None:
    """(a) LiteRT saves the variables: the file is TF's byte for byte, and TF restores every one."""
    initial = models["initial"]
    ours, theirs = tmp_path / "litert.ckpt", tmp_path / "tf.ckpt"
    interpreter(models["variables"], runtime).get_signature_runner("save")(path=path_input(ours))
    assert_same(initial, tf_restore(tf, ours, initial))
    tf_save(tf, theirs, initial)
    assert ours.read_bytes() == theirs.read_bytes()
    assert not list(tmp_path.glob("*.tempstate*"))  # written to a temporary file, renamed into place


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_variables_tf_save_litert_restore_and_round_trip(
    tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path
) -> None:
    """(b) TF saves other values: LiteRT's restore returns and assigns them bit for bit;
    (c) LiteRT saves, the variables change, LiteRT's restore brings the saved values back."""
    rng = np.random.default_rng(7)
    other = {name: values(rng, shape, dtype) for name, shape, dtype in VARIABLES}
    theirs = tmp_path / "tf.ckpt"
    tf_save(tf, theirs, other)
    it = interpreter(models["variables"], runtime)
    restored = it.get_signature_runner("restore")(path=path_input(theirs))
    assert_same(expected_outputs(other), restored)
    ours = tmp_path / "after_restore.ckpt"
    it.get_signature_runner("save")(path=path_input(ours))
    assert ours.read_bytes() == theirs.read_bytes()  # the variables hold exactly TF's values

    changed = it.get_signature_runner("change")()
    assert bits(changed["w"]) != bits(other["w"])
    restored = it.get_signature_runner("restore")(path=path_input(ours))
    assert_same(expected_outputs(other), restored)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tensors_every_dtype(tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path) -> None:
    """Every dtype, scalars, empty tensors and multi-block files: LiteRT's file is TF's byte for
    byte, TF restores it, LiteRT restores TF's file and its own."""
    rng = np.random.default_rng(11)
    data = {name: values(rng, shape, dtype) for name, shape, dtype in TENSORS}
    it = interpreter(models["tensors"], runtime)
    ours, theirs = tmp_path / "litert.ckpt", tmp_path / "tf.ckpt"
    it.get_signature_runner("save")(path=path_input(ours), **data)
    tf_save(tf, theirs, data)
    assert ours.stat().st_size > 3 * 2**18  # several table blocks, one of them oversized
    assert ours.read_bytes() == theirs.read_bytes()
    assert_same(data, tf_restore(tf, ours, data))
    restore = it.get_signature_runner("restore")
    assert_same(expected_outputs(data), restore(path=path_input(theirs)))
    assert_same(expected_outputs(data), restore(path=path_input(ours)))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_restore_sharded_and_sliced_files(
    tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path
) -> None:
    """A pattern matching several files (TF's sharded checkpoints), and tensors saved as slices
    (partitioned variables, TF's SaveSlices): restored whole, as TF's Restore does."""
    rng = np.random.default_rng(3)
    data = {name: values(rng, shape, dtype) for name, shape, dtype in TENSORS}
    sliced = {"z_big", "m1", "f64"}
    names = [n for n in data if n not in sliced]
    half = len(names) // 2
    tf_save(tf, tmp_path / "ckpt-00000-of-00002", {n: data[n] for n in names[:half]})
    tf_save(tf, tmp_path / "ckpt-00001-of-00002", {n: data[n] for n in names[half:]})
    # z_big in two row blocks (starts past 63 take multi-byte keys), m1 in column blocks over
    # two files, f64 in three pieces.
    parts: list[tuple[str, str, np.ndarray]] = [
        ("z_big", "300 700 0,150:-", data["z_big"][:150]),
        ("z_big", "300 700 150,150:-", data["z_big"][150:]),
        ("f64", "5 0,1", data["f64"][:1]),
        ("f64", "5 1,3", data["f64"][1:4]),
        ("f64", "5 4,1", data["f64"][4:]),
    ]
    tf.raw_ops.SaveSlices(
        filename=str(tmp_path / "ckpt-slices-a"),
        tensor_names=[p[0] for p in parts],
        shapes_and_slices=[p[1] for p in parts],
        data=[p[2] for p in parts],
    )
    tf.raw_ops.SaveSlices(
        filename=str(tmp_path / "ckpt-slices-b"),
        tensor_names=["m1", "m1"],
        shapes_and_slices=["100 400 -:0,300", "100 400 -:300,100"],
        data=[data["m1"][:, :300], data["m1"][:, 300:]],
    )
    pattern = str(tmp_path / "ckpt-*")
    assert_same(data, tf_restore(tf, Path(pattern), data))
    restored = interpreter(models["tensors"], runtime).get_signature_runner("restore")(
        path=path_input(pattern)
    )
    assert_same(expected_outputs(data), restored)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path) -> None:
    """A missing file, a name the file lacks, another dtype: TF's errors, naming the op."""
    it = interpreter(models["variables"], runtime)
    restore = it.get_signature_runner("restore")
    initial = models["initial"]
    missing = tmp_path / "missing.ckpt"
    message = f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for {missing}"
    with pytest.raises(tf.errors.NotFoundError, match=message):
        tf_restore(tf, missing, initial)
    with pytest.raises(RuntimeError, match=f"Restore: {message}"):
        restore(path=path_input(missing))

    partial = tmp_path / "partial.ckpt"
    tf_save(tf, partial, {n: x for n, x in initial.items() if n != "w"})
    message = f'Tensor name "w" not found in checkpoint files {partial}'
    with pytest.raises(tf.errors.NotFoundError, match=message):
        tf_restore(tf, partial, {"w": initial["w"]})
    with pytest.raises(RuntimeError, match=f"Restore: {message}"):
        restore(path=path_input(partial))

    retyped = tmp_path / "retyped.ckpt"
    tf_save(tf, retyped, {**initial, "w": initial["w"].astype(np.int32)})
    message = (
        "Expected to restore a tensor of type float, got a tensor of type int32 instead: tensor_name = w"
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf_restore(tf, retyped, {"w": initial["w"]})
    with pytest.raises(RuntimeError, match=f"Restore: {message}"):
        restore(path=path_input(retyped))

    unwritable = tmp_path / "no_such_dir" / "x.ckpt"
    with pytest.raises(tf.errors.NotFoundError):
        tf_save(tf, unwritable, initial)
    with pytest.raises(RuntimeError, match=r"Save: Failed to create file .*no_such_dir"):
        it.get_signature_runner("save")(path=path_input(unwritable))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_string_tensors(tf: Any, runtime: str, tmp_path: Path) -> None:
    """Strings (embedded NULs, empty, long) are saved as TF saves them (string_val). Restoring one
    is refused by name: the TFLite kernel has no string outputs."""
    module = tf.Module()

    def save(path: Any, text: Any, x: Any) -> dict[str, Any]:
        tf.raw_ops.Save(filename=path, tensor_names=["text", "x"], data=[text, x])
        return {"path": path}

    def restore(path: Any) -> dict[str, Any]:
        return {"text": tf.raw_ops.Restore(file_pattern=path, tensor_name="text", dt=tf.string)}

    string = tf.TensorSpec([], tf.string, name="path")
    module.save = tf.function(
        save, input_signature=[string, tf.TensorSpec([3], tf.string), tf.TensorSpec([2], tf.float32)]
    )
    module.restore = tf.function(restore, input_signature=[string])
    signatures = {
        "save": module.save.get_concrete_function(),
        "restore": module.restore.get_concrete_function(),
    }
    it = interpreter(convert_module(tf, module, signatures, tmp_path / "model"), runtime)
    text, x = np.array([b"", b"a\x00\xffb", b"xyz" * 200]), np.array([1.5, -2.0], np.float32)
    ours, theirs = tmp_path / "litert.ckpt", tmp_path / "tf.ckpt"
    it.get_signature_runner("save")(path=path_input(ours), text=text, x=x)
    tf_save(tf, theirs, {"text": text, "x": x})
    assert ours.read_bytes() == theirs.read_bytes()
    restored = tf.raw_ops.Restore(file_pattern=str(ours), tensor_name="text", dt=tf.string).numpy()
    assert restored.tolist() == text.tolist()
    with pytest.raises(RuntimeError, match="Restore: restoring string tensors is not supported"):
        it.get_signature_runner("restore")(path=path_input(ours))


# ---- Hostile files -----------------------------------------------------------------------------


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            return result, pos


def block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    (restarts,) = struct.unpack("<I", block[-4:])
    end, pos, entries, last = len(block) - 4 - 4 * restarts, 0, [], b""
    while pos < end:
        shared, pos = read_varint(block, pos)
        unshared, pos = read_varint(block, pos)
        size, pos = read_varint(block, pos)
        last = last[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((last, block[pos : pos + size]))
        pos += size
    return entries


def table_entries(file: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) entries of a well-formed table (the test's own reader, for mutation)."""
    pos = len(file) - 48
    _, pos = read_varint(file, pos)
    _, pos = read_varint(file, pos)
    index_offset, pos = read_varint(file, pos)
    index_size, _ = read_varint(file, pos)
    entries = []
    for _, handle in block_entries(file[index_offset : index_offset + index_size]):
        offset, p = read_varint(handle, 0)
        size, _ = read_varint(handle, p)
        entries += block_entries(file[offset : offset + size])
    return entries


def build_table(entries: list[tuple[bytes, bytes]]) -> bytes:
    """A table of one block, every key whole, with valid checksums: damage inside survives the CRCs."""

    def block(items: list[tuple[bytes, bytes]]) -> bytes:
        body = b"".join(varint(0) + varint(len(k)) + varint(len(v)) + k + v for k, v in items)
        offsets, pos = [], 0
        for k, v in items:
            offsets.append(pos)
            pos += len(varint(0) + varint(len(k)) + varint(len(v))) + len(k) + len(v)
        return (
            body
            + b"".join(struct.pack("<I", o) for o in offsets or [0])
            + struct.pack("<I", len(offsets) or 1)
        )

    def trailer(contents: bytes) -> bytes:
        crc = crc32c(contents + b"\x00")
        masked = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
        return b"\x00" + struct.pack("<I", masked)

    data = block(sorted(entries))
    meta = block([])
    index = block([(b"\xff" * 4, varint(0) + varint(len(data)))])
    out = data + trailer(data)
    meta_handle = varint(len(out)) + varint(len(meta))
    out += meta + trailer(meta)
    index_handle = varint(len(out)) + varint(len(index))
    out += index + trailer(index)
    footer = (meta_handle + index_handle).ljust(40, b"\x00") + struct.pack("<Q", 0xDB4775248B80FB57)
    return out + footer


def hostile_files(valid: bytes, rng: np.random.Generator) -> list[bytes]:
    cuts = {*rng.integers(0, len(valid), 24).tolist(), 0, 47, 48, len(valid) - 1}
    files = [valid[:n] for n in sorted(cuts)]
    for _ in range(40):  # raw damage: mostly caught by the block checksums
        damaged = bytearray(valid)
        for _ in range(int(rng.integers(1, 4))):
            damaged[int(rng.integers(len(damaged)))] = int(rng.integers(256))
        files.append(bytes(damaged))
    entries = table_entries(valid)
    assert len(entries) == len(VARIABLES) + 1
    for _ in range(160):  # damaged protos, lengths and varints behind valid checksums
        mutated = list(entries)
        i = int(rng.integers(len(mutated)))
        k, v = mutated[i]
        v = bytearray(v)
        roll = rng.random()
        if roll < 0.4 and v:
            for _ in range(int(rng.integers(1, 4))):
                choices = [0x00, 0x7F, 0x80, 0xFF, int(rng.integers(256))]
                v[int(rng.integers(len(v)))] = int(rng.choice(choices))
        elif roll < 0.6:
            v = v[: int(rng.integers(len(v) + 1))]
        elif roll < 0.8:  # a huge length or dim where a small one was
            pos = int(rng.integers(len(v) + 1))
            v = v[:pos] + bytearray(varint(int(rng.choice([2**31, 2**62, 2**64 - 1, 2**35])))) + v[pos:]
        else:
            v += bytes(rng.integers(0, 256, int(rng.integers(1, 12)), dtype=np.uint8))
        mutated[i] = (k, bytes(v))
        files.append(build_table(mutated))
    return files


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hostile_files_are_errors(models: dict[str, Any], runtime: str, tmp_path: Path) -> None:
    """Truncated files, damaged bytes, and damaged contents behind valid checksums: Restore
    returns the values or an error naming the op; the process never crashes."""
    it = interpreter(models["variables"], runtime)
    valid_path = tmp_path / "valid.ckpt"
    it.get_signature_runner("save")(path=path_input(valid_path))
    valid = valid_path.read_bytes()
    restore = it.get_signature_runner("restore")
    rebuilt = tmp_path / "rebuilt.ckpt"  # the mutations' table writer makes files Restore reads
    rebuilt.write_bytes(build_table(table_entries(valid)))
    assert_same(expected_outputs(models["initial"]), restore(path=path_input(rebuilt)))
    errors = 0
    target = tmp_path / "hostile.ckpt"
    for damaged in hostile_files(valid, np.random.default_rng(5)):
        target.write_bytes(damaged)
        try:
            restore(path=path_input(target))
        except RuntimeError as e:
            assert "Restore: " in str(e), str(e)
            errors += 1
    assert errors > 100


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def saved_name(value: bytes) -> str:
    """The tensor name of a data entry: SavedTensorSlices.data (2) -> SavedSlice.name (1)."""
    _, pos = read_varint(value, 1)
    length, pos = read_varint(value, pos + 1)
    return value[pos : pos + length].decode()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_restore_reads_tensor_content(tf: Any, models: dict[str, Any], runtime: str, tmp_path: Path) -> None:
    """Values in TensorProto.tensor_content (4) instead of *_val: TF's V1 writer never does that,
    another writer may; Restore reads them."""
    initial = models["initial"]
    theirs = tmp_path / "tf.ckpt"
    tf_save(tf, theirs, initial)
    entries = []
    for k, v in table_entries(theirs.read_bytes()):
        if k:
            x = initial[saved_name(v)]
            extents = b"".join(field(1, b"") for _ in x.shape)
            tensor = field(4, x.tobytes()) if x.size else b""
            v = field(2, field(1, saved_name(v).encode()) + field(2, extents) + field(3, tensor))
        entries.append((k, v))
    rewritten = tmp_path / "content.ckpt"
    rewritten.write_bytes(build_table(entries))
    restored = interpreter(models["variables"], runtime).get_signature_runner("restore")(
        path=path_input(rewritten)
    )
    assert_same(expected_outputs(initial), restored)
