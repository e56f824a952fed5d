"""Whole Keras text pipelines converted with opbridge.convert and run in both runtimes, compared
with Keras/TF exactly: TextVectorization in every output mode (int, multi_hot, count, tf_idf), with
n-grams, fixed and ragged sequence lengths, and custom standardize/split callables made of TF ops.
The lower-case + punctuation strip, the split, the n-grams, the vocabulary table and the bincount
all run as TF computes them: ids and counts must be identical."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A QUICK brown dog; a lazy fox!",
    "Ünïcode wörds, ÉTÉ and naïve café",
    "tabs\tand\nnewlines   and  spaces",
    "numbers 123 and 4.5, punctuation: (yes) [no] {maybe}",
    "",
]
BATCH = np.array(
    [
        b"the QUICK fox, the lazy DOG!",
        b"unknown words only",
        b"",
        "café ÉTÉ naïve".encode(),
        b"  spaces\tand\nmore  spaces  ",
        b"fox fox fox dog",
    ],
    dtype=object,
)


def _layer_model(keras, layer):
    inp = keras.Input(shape=(), dtype="string")
    return keras.Model(inp, layer(inp))


def _check(keras_model, model: bytes, runtime: str, batch: np.ndarray) -> None:
    expected = np.asarray(keras_model(batch))
    (actual,) = run_tflite(model, [batch], runtime).values()
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)


TEXT_VECTORIZATION = {
    "int, sequence length 7": dict(output_mode="int", output_sequence_length=7),
    "int, ragged length": dict(output_mode="int"),
    "int, bigrams": dict(output_mode="int", ngrams=2, output_sequence_length=12),
    "multi_hot": dict(output_mode="multi_hot"),
    "count, 1-3 grams": dict(output_mode="count", ngrams=3),
    "tf_idf": dict(output_mode="tf_idf"),
    "max_tokens 8, whitespace split, no standardize": dict(
        output_mode="int", max_tokens=8, standardize=None, output_sequence_length=5
    ),
    "lower only, count": dict(output_mode="count", standardize="lower"),
    "strip punctuation only": dict(
        output_mode="int", standardize="strip_punctuation", output_sequence_length=6
    ),
}


@pytest.fixture(scope="module")
def text_vectorization_models(tf):
    import keras

    import opbridge

    built = {}
    for name, kw in TEXT_VECTORIZATION.items():
        layer = keras.layers.TextVectorization(**kw)
        layer.adapt(CORPUS)
        keras_model = _layer_model(keras, layer)
        built[name] = (keras_model, opbridge.convert(keras_model))
    return built


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", list(TEXT_VECTORIZATION))
def test_text_vectorization(text_vectorization_models, runtime: str, case: str) -> None:
    keras_model, model = text_vectorization_models[case]
    assert tflite_model.custom_op_counts(model), "expected custom string ops in the model"
    for batch in (BATCH, BATCH[:2]):
        _check(keras_model, model, runtime, batch)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_text_vectorization_custom_callables(tf, runtime: str) -> None:
    """standardize and split given as Python callables of TF string ops, as the Keras docs show."""
    import keras

    import opbridge

    def standardize(x):
        return tf.strings.regex_replace(tf.strings.lower(x), r"[^a-z0-9 ,]", "")

    def split(x):
        return tf.strings.split(x, sep=",")

    layer = keras.layers.TextVectorization(
        standardize=standardize, split=split, output_mode="int", output_sequence_length=4
    )
    layer.adapt(["red,green,blue", "green,yellow", "blue!,red?"])
    keras_model = _layer_model(keras, layer)
    model = opbridge.convert(keras_model)
    batch = np.array([b"RED,blue", b"purple,green,red,red", b",,", b"Yellow!"], dtype=object)
    _check(keras_model, model, runtime, batch)


def _gpt2_vocabulary() -> tuple[dict[str, int], list[str]]:
    """Every byte's GPT-2 unicode stand-in (so no text is out of vocabulary) plus a few merges."""
    from keras_hub.src.tokenizers.byte_pair_tokenizer import bytes_to_unicode

    byte_chars = [c.decode() if isinstance(c, bytes) else c for c in bytes_to_unicode()[1]]
    vocab = {"<|endoftext|>": 0}
    for c in byte_chars:
        vocab.setdefault(c, len(vocab))
    merges = ["t h", "th e", "Ġ the", "Ġ a", "a b", "ab c", "Ġ f", "Ġf o", "Ġfo x", "i n", "Ġ in", "' s"]
    for m in merges:
        vocab.setdefault(m.replace(" ", ""), len(vocab))
    return vocab, merges


GPT2_BATCH = np.array(
    [
        b"the abc",
        b"The fox's in the box, isn't it?",
        b"",
        "naïve café — ünïcode 🦊 fox".encode(),
        b"  many   spaces\tand\nnewlines  ",
        b"abc abc abc the the 123 4.5",
    ],
    dtype=object,
)


@pytest.fixture(scope="module")
def gpt2_pipeline(tf):
    """keras-hub's GPT-2 BPE (regex pre-split, the merge loop in a while loop, the mutable cache
    table, Fingerprint keys) and its packer, feeding a tiny classifier, as one tf.function and
    its converted model."""
    import keras
    import keras_hub

    import opbridge

    vocab, merges = _gpt2_vocabulary()
    tokenizer = keras_hub.tokenizers.GPT2Tokenizer(vocabulary=vocab, merges=merges)
    preprocessor = keras_hub.models.GPT2CausalLMPreprocessor(tokenizer, sequence_length=12)
    keras.utils.set_random_seed(0)
    classifier = keras.Sequential(
        [keras.layers.Embedding(len(vocab), 8), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(3)]
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def fn(x):
        ids = tokenizer(x).to_tensor()
        packed = preprocessor.generate_preprocess(x)
        return {"ids": ids, "packed": packed["token_ids"], "logits": classifier(packed["token_ids"])}

    model = opbridge.convert(fn)
    counts = tflite_model.custom_op_counts(model)
    assert {"MutableHashTableV2", "LookupTableInsertV2", "RegexSplitWithOffsets", "Fingerprint"} <= set(
        counts
    )
    return fn, model


def _compare_gpt2(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> None:
    assert set(actual) == set(expected)
    for name, e in expected.items():
        a = actual[name]
        assert a.shape == e.shape, name
        if name == "logits":
            # The classifier's floats run in builtins (GATHER, MEAN, FULLY_CONNECTED), which
            # round differently from TF's kernels in the last bits; the ids are opbridge's: exact.
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-8, err_msg=name)
        else:
            np.testing.assert_array_equal(a, e, err_msg=name)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_gpt2_byte_pair_preprocessor_and_classifier(tf, gpt2_pipeline, runtime: str) -> None:
    fn, model = gpt2_pipeline
    for batch in (GPT2_BATCH, GPT2_BATCH[:1]):
        expected = {k: v.numpy() for k, v in fn(tf.constant(batch)).items()}
        _compare_gpt2(expected, run_tflite(model, [batch], runtime))


def test_gpt2_pipeline_runs_without_tensorflow(tf, gpt2_pipeline, tmp_path) -> None:
    """The issue's bar: the converted text pipeline runs where only ai-edge-litert, numpy and
    opbridge are installed (TensorFlow unimportable), with TF's ids."""
    import subprocess
    import textwrap

    from conftest import python_without_tensorflow

    fn, model = gpt2_pipeline
    (tmp_path / "model.tflite").write_bytes(model)
    np.save(tmp_path / "batch.npy", GPT2_BATCH.astype(np.bytes_))
    script = """
        import sys
        import numpy as np
        import opbridge
        from opbridge.running import run_tflite
        assert "tensorflow" not in sys.modules
        batch = np.load("batch.npy").astype(object)
        np.savez("outputs.npz", **run_tflite(open("model.tflite", "rb").read(), [batch], "litert"))
        print("tensorflow" in sys.modules)
    """
    (tmp_path / "script.py").write_text(textwrap.dedent(script))
    result = subprocess.run(
        [*python_without_tensorflow(), str(tmp_path / "script.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")
    expected = {k: v.numpy() for k, v in fn(tf.constant(GPT2_BATCH)).items()}
    _compare_gpt2(expected, dict(np.load(tmp_path / "outputs.npz")))
