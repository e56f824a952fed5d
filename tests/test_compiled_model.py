"""opbridge.CompiledModel: LiteRT's CompiledModel API (libLiteRt.so's C API) with
opbridge's kernels registered as a LiteRT accelerator.

Where the stock `ai_edge_litert.compiled_model.CompiledModel` can run a model (builtins
only) both are run on the same input and compared: names, order, shapes, details,
outputs, errors. Models with opbridge ops are compared bit for bit with
opbridge.Interpreter, fed by index. Every op's seed model also runs through
CompiledModel in `make sanitize` (tools/sanitize.py), under ASan.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ai_edge_litert.compiled_model import CompiledModel as StockCompiledModel

import opbridge
from conftest import convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession


def _interpreter_outputs(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """opbridge.Interpreter's outputs, fed by index; in signature output order."""
    session = SignatureSession(model)
    session.set_inputs(inputs)
    session.invoke()
    outputs = session.outputs()
    order = opbridge.CompiledModel.from_buffer(model).get_signature_by_index(0)
    # Both APIs number the inputs alike for these models: feeding by index means the same.
    assert session._index_order == order["inputs"]
    return [outputs[name] for name in order["outputs"]]


def _run(model: opbridge.CompiledModel | StockCompiledModel, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Runs signature 0, fed by index, as users do; outputs in signature order."""
    signature = model.get_signature_by_index(0)
    in_buffers = model.create_input_buffers(0)
    for buffer, value in zip(in_buffers, inputs, strict=True):
        buffer.write(value)
    out_buffers = model.create_output_buffers(0)
    model.run_by_index(0, in_buffers, out_buffers)
    details = model.get_output_tensor_details(signature["key"])
    results = []
    for name, buffer in zip(signature["outputs"], out_buffers, strict=True):
        shape, dtype = details[name]["shape"], np.dtype(details[name]["dtype"])
        results.append(buffer.read(int(np.prod(shape)), dtype).reshape(shape))
    return results


@pytest.fixture(scope="module")
def builtin_model(tf) -> bytes:
    def fn(x, k):
        return {"scaled": x * 2.0 + 1.0, "shifted": k + 3}

    return convert_fn(fn, ([2, 3], tf.float32), ([3], tf.int32))


def test_signatures_and_details_match_the_stock_class(builtin_model: bytes) -> None:
    ours = opbridge.CompiledModel.from_buffer(builtin_model)
    stock = StockCompiledModel.from_buffer(builtin_model)
    key = stock.get_signature_by_index(0)["key"]
    assert ours.get_signature_list() == stock.get_signature_list()
    assert ours.get_signature_by_index(0) == stock.get_signature_by_index(0)
    assert ours.get_num_signatures() == stock.get_num_signatures()
    assert ours.get_signature_index(key) == stock.get_signature_index(key) == 0
    assert ours.get_signature_index("nope") == stock.get_signature_index("nope") == -1
    assert ours.get_input_tensor_details(key) == stock.get_input_tensor_details(key)
    assert ours.get_output_tensor_details(key) == stock.get_output_tensor_details(key)
    for i in range(2):
        assert ours.get_input_buffer_requirements(i, 0) == stock.get_input_buffer_requirements(i, 0)
        assert ours.get_output_buffer_requirements(i, 0) == stock.get_output_buffer_requirements(i, 0)
    assert [b.get_tensor_details() for b in ours.create_input_buffers(0)] == [
        b.get_tensor_details() for b in stock.create_input_buffers(0)
    ]
    assert [b.get_tensor_details() for b in ours.create_output_buffers(0)] == [
        b.get_tensor_details() for b in stock.create_output_buffers(0)
    ]


def test_runs_match_the_stock_class(builtin_model: bytes, rng: np.random.Generator) -> None:
    inputs = [rng.standard_normal((2, 3)).astype(np.float32), np.array([1, -2, 3], np.int32)]
    ours = opbridge.CompiledModel.from_buffer(builtin_model)
    stock = StockCompiledModel.from_buffer(builtin_model)
    for got, want in zip(_run(ours, inputs), _run(stock, inputs), strict=True):
        np.testing.assert_array_equal(got, want)
    # run_by_name with buffers created by name.
    key = ours.get_signature_by_index(0)["key"]
    names = ours.get_signature_by_index(0)
    ins = {name: ours.create_input_buffer_by_name(key, name) for name in names["inputs"]}
    for name, value in zip(names["inputs"], inputs, strict=True):
        ins[name].write(value)
    outs = {name: ours.create_output_buffer_by_name(key, name) for name in names["outputs"]}
    ours.run_by_name(key, ins, outs)
    for name, want in zip(names["outputs"], _run(stock, inputs), strict=True):
        np.testing.assert_array_equal(outs[name].read(want.size, want.dtype).reshape(want.shape), want)


def test_host_memory_buffers_match_the_stock_class(rng: np.random.Generator) -> None:
    from ai_edge_litert.tensor_buffer import TensorBuffer as StockTensorBuffer

    # (The stock class takes float32, int32 and a few more; not int64 or float64.)
    for value in (rng.standard_normal((2, 3)).astype(np.float32), np.arange(5, dtype=np.int32)):
        ours = opbridge.TensorBuffer.create_from_host_memory(value)
        stock = StockTensorBuffer.create_from_host_memory(value)
        assert ours.get_tensor_details() == stock.get_tensor_details()
        np.testing.assert_array_equal(ours.read(value.size, value.dtype), stock.read(value.size, value.dtype))


def _error(call) -> type[BaseException] | None:
    try:
        call()
    except Exception as exc:  # the error's type is what is compared
        return type(exc)
    return None


def test_errors_match_the_stock_class(builtin_model: bytes) -> None:
    ours = opbridge.CompiledModel.from_buffer(builtin_model)
    stock = StockCompiledModel.from_buffer(builtin_model)
    key = stock.get_signature_by_index(0)["key"]
    cases = {
        "too few input buffers": lambda m: m.run_by_index(
            0, m.create_input_buffers(0)[:1], m.create_output_buffers(0)
        ),
        "signature index out of range": lambda m: m.run_by_index(5, [], []),
        "unknown signature key": lambda m: m.get_input_tensor_details("nope"),
        "write past the buffer": lambda m: m.create_input_buffers(0)[0].write(np.zeros(7, np.float32)),
        "read past the buffer": lambda m: m.create_output_buffers(0)[0].read(100, np.float32),
        "missing output in the map": lambda m: m.run_by_name(key, {}, {}),
        "resize of a static input": lambda m: m.resize_input_tensor(0, [4, 3]),
    }
    for what, call in cases.items():
        got, want = _error(lambda call=call: call(ours)), _error(lambda call=call: call(stock))
        assert want is not None, what
        assert got is want, f"{what}: opbridge raises {got}, the stock class {want}"
    got = _error(lambda: opbridge.CompiledModel.from_buffer(b"garbage"))
    assert got is _error(lambda: StockCompiledModel.from_buffer(b"garbage")) is RuntimeError
    assert _error(lambda: opbridge.CompiledModel.from_file("/nonexistent.tflite")) is RuntimeError
    assert _error(lambda: StockCompiledModel.from_file("/nonexistent.tflite")) is RuntimeError


@pytest.fixture(scope="module")
def custom_model(tf) -> bytes:
    def fn(x, m):
        return {
            "erfinv": tf.math.erfinv(x) * 3.0,
            "inverse": tf.linalg.inv(m),
            "lgamma": tf.math.lgamma(x + 2.0),
        }

    model = convert_fn(fn, ([64], tf.float32), ([4, 3, 3], tf.float64))
    assert tflite_model.custom_op_counts(model) == {"Erfinv": 1, "MatrixInverse": 1, "Opbridge>Lgamma": 1}
    return model


def _custom_inputs(rng: np.random.Generator) -> list[np.ndarray]:
    x = rng.uniform(-1.2, 1.2, 64).astype(np.float32)
    x[:4] = [1.0, -1.0, np.nan, 0.0]
    m = rng.standard_normal((4, 3, 3)) + 3 * np.eye(3)
    return [x, m]


def test_custom_ops_match_the_interpreter_bit_for_bit(custom_model: bytes, rng: np.random.Generator) -> None:
    inputs = _custom_inputs(rng)
    got = _run(opbridge.CompiledModel.from_buffer(custom_model), inputs)
    want = _interpreter_outputs(custom_model, inputs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_threads_option_and_concurrent_runs(custom_model: bytes, rng: np.random.Generator) -> None:
    from ai_edge_litert.cpu_options import CpuOptions
    from ai_edge_litert.hardware_accelerator import HardwareAccelerator
    from ai_edge_litert.options import Options

    inputs = _custom_inputs(rng)
    want = _interpreter_outputs(custom_model, inputs)
    options = Options(hardware_accelerators=HardwareAccelerator.CPU, cpu_options=CpuOptions(num_threads=3))
    threaded = opbridge.CompiledModel.from_buffer(custom_model, options=options)
    for g, w in zip(_run(threaded, inputs), want, strict=True):
        np.testing.assert_array_equal(g, w)

    shared = opbridge.CompiledModel.from_buffer(custom_model)
    failures: list[str] = []

    def worker(model: opbridge.CompiledModel) -> None:
        for _ in range(5):
            for g, w in zip(_run(model, inputs), want, strict=True):
                if not np.array_equal(g, w, equal_nan=True):
                    failures.append("outputs differ")

    threads = [threading.Thread(target=worker, args=(shared,)) for _ in range(3)]
    threads += [
        threading.Thread(target=worker, args=(opbridge.CompiledModel.from_buffer(custom_model),))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_a_kernel_error_names_the_op(tf) -> None:
    model = convert_fn(lambda m: tf.linalg.inv(m), ([2, 2], tf.float32))
    compiled = opbridge.CompiledModel.from_buffer(model)
    with pytest.raises(RuntimeError, match="MatrixInverse: Input is not invertible"):
        _run(compiled, [np.zeros((2, 2), np.float32)])
    # The same compiled model runs again after the error.
    out = _run(compiled, [np.eye(2, dtype=np.float32) * 2])
    np.testing.assert_array_equal(out[0], np.eye(2, dtype=np.float32) / 2)


def test_a_chain_of_opbridge_nodes_runs(tf) -> None:
    """Two of our nodes in one delegate partition, the second's output the model's: its
    static shape keeps the buffer LiteRT binds (the partition re-prepares a node only when
    its input dims change at invoke)."""
    model = convert_fn(lambda m: tf.linalg.inv(tf.linalg.inv(m)), ([2, 3, 3], tf.float32))
    assert tflite_model.custom_op_counts(model) == {"MatrixInverse": 2}
    m = np.eye(3, dtype=np.float32) * np.array([2.0, 4.0], np.float32)[:, None, None]
    out = _run(opbridge.CompiledModel.from_buffer(model), [m])
    np.testing.assert_allclose(out[0], m, rtol=1e-6)


def test_value_dependent_output_shapes_are_refused_with_the_reason(tf) -> None:
    model = convert_fn(lambda x: tf.unique_with_counts(x), ([32], tf.int32))
    assert "UniqueWithCounts" in tflite_model.custom_op_counts(model)
    compiled = opbridge.CompiledModel.from_buffer(model)
    with pytest.raises(RuntimeError, match=r"depends on the input values.*opbridge\.Interpreter"):
        _run(compiled, [np.arange(32, dtype=np.int32) % 5])
    # Downstream of a value-dependent shape (RANGE's, here into RandomShuffle), TFLite
    # prepares the node at invoke, after LiteRT bound the output to the model's size.
    model = convert_fn(lambda n: tf.random.shuffle(tf.range(n[0]), seed=3), ([1], tf.int32))
    assert "RandomShuffle" in tflite_model.custom_op_counts(model)
    compiled = opbridge.CompiledModel.from_buffer(model)
    with pytest.raises(
        RuntimeError, match=r"too small.*\n.*depends on the input values.*opbridge\.Interpreter"
    ):
        _run(compiled, [np.array([50], np.int32)])


def test_complex128_models_are_refused_like_the_stock_class(tf) -> None:
    model = convert_fn(lambda x: tf.math.angle(tf.complex(x, x * 2.0)), ([8], tf.float64))
    with pytest.raises(RuntimeError, match="complex128"):
        opbridge.CompiledModel.from_buffer(model)
    with pytest.raises(RuntimeError):
        StockCompiledModel.from_buffer(model)


def test_dynamic_inputs_resize(tf, rng: np.random.Generator) -> None:
    model = convert_fn(lambda x: tf.math.erfinv(x), ([None], tf.float32))
    compiled = opbridge.CompiledModel.from_buffer(model)
    # The stock class cannot run it: no custom kernels reach its runtime.
    with pytest.raises(RuntimeError):
        _run(StockCompiledModel.from_buffer(model), [np.zeros(1, np.float32)])
    for n in (5, 40):
        x = rng.uniform(-1, 1, n).astype(np.float32)
        compiled.resize_input_tensor(0, [n])
        np.testing.assert_array_equal(_run(compiled, [x])[0], _interpreter_outputs(model, [x])[0])


def test_a_library_without_the_litert_c_api_is_refused_by_name() -> None:
    import ctypes.util
    from pathlib import Path

    from opbridge import _litert_c

    libm = ctypes.util.find_library("m")
    assert libm is not None
    with pytest.raises(opbridge.OpbridgeError, match=r"does not export LiteRtCreateEnvironment.*2\.3\.0"):
        _litert_c.LiteRtApi(Path(libm))


def test_each_kernel_library_is_an_accelerator_of_the_environment() -> None:
    env = opbridge.compiled_model.default_environment()
    assert env.libraries[0] == "opbridge"
    # A second environment registers again (LiteRT keeps accelerators per environment).
    other = opbridge.compiled_model.Environment.create()
    assert other.libraries == env.libraries and other.handle != env.handle
