"""Tables initialized from a vocabulary file (InitializeTableFromTextFileV2): TextFileInitializer
with whole-line / line-number / column indices, delimiters, offsets, vocab_size, every value dtype
the initializer parses; StaticVocabularyTable, index_table_from_file, index_to_string_table_from_file;
Keras StringLookup / IntegerLookup / TextVectorization given a file; tf.function, SavedModel (the
file only in assets/), TF1 SavedModel and Keras sources. The stock converter drops the initializer
(the table stays empty); opbridge.convert embeds what TF's kernel reads, so the model runs without
the file. TF's errors on a bad file come at conversion, with TF's words."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession

WORDS = "the\ncat\nsat\non\nh\u00e9llo\na b\n\u00e9t\u00e9\r\nlast"  # CRLF and no final newline
# An empty first column, NaN. Not inf: the converter turns every float constant inf into the
# largest finite float (x + inf too; docs/design.md, "Vocabulary files").
PAIRS = "apple,3,0.5\nbanana,-7,1e3\ncherry,42,-0.25\n,9,nan\n"
IDS = "10\n20\n-30\n40\n"

QUERY_WORDS = np.array(
    [b"the", b"apple", b"cherry", b"zzz", "h\u00e9llo".encode(), b"a b", b"", b"last", b"on", b"banana"]
    + [s.encode() for s in ("\u00e9t\u00e9", "\u00e9t\u00e9\r", "The", "a")],
    object,
)
QUERY_IDS = np.array([0, 1, 5, 6, 7, 8, -1, 10, 20, -30, 40, 2, 3, 4], np.int64)


def _write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    # UTF-8, except U+00FE, which stands for the byte 0xfe (a delimiter that is not UTF-8).
    path.write_bytes(b"\xfe".join(part.encode() for part in text.split("\xfe")))
    return str(path)


def _outputs_equal(want: dict[str, Any], got: dict[str, np.ndarray]) -> None:
    assert set(got) == set(want), (sorted(got), sorted(want))
    for name, value in want.items():
        expected = np.asarray(value)
        assert got[name].shape == expected.shape, name
        np.testing.assert_array_equal(got[name], expected, err_msg=name)


def _tables(tf, directory: Path) -> Any:
    """One module, one table per variant (TF names a file's table after the file and its
    indices: each variant reads its own file)."""
    from tensorflow.python.ops import lookup_ops

    init = tf.lookup.TextFileInitializer
    whole, line = tf.lookup.TextFileIndex.WHOLE_LINE, tf.lookup.TextFileIndex.LINE_NUMBER

    def file(name: str, text: str) -> str:
        return _write(directory, name, text)

    class Tables(tf.Module):
        def __init__(self) -> None:
            self.t = {
                "str_to_line": tf.lookup.StaticHashTable(
                    init(file("w1.txt", WORDS), tf.string, whole, tf.int64, line), -1
                ),
                "line_to_str": tf.lookup.StaticHashTable(
                    init(file("w2.txt", WORDS), tf.int64, line, tf.string, whole), "?"
                ),
                "col_int64": tf.lookup.StaticHashTable(
                    init(file("p1.csv", PAIRS), tf.string, 0, tf.int64, 1, delimiter=","), -1
                ),
                "col_float": tf.lookup.StaticHashTable(
                    init(file("p2.csv", PAIRS), tf.string, 0, tf.float32, 2, delimiter=","), -1.0
                ),
                "col_double": tf.lookup.StaticHashTable(
                    init(file("p3.csv", PAIRS), tf.string, 0, tf.float64, 2, delimiter=","), -1.0
                ),
                # TF adds the offset to an int32 column's numbers too (not to int64's).
                "col_int32_offset": tf.lookup.StaticHashTable(
                    init(
                        file("p4.csv", PAIRS), tf.string, 0, tf.int32, 1, delimiter=",", value_index_offset=5
                    ),
                    -1,
                ),
                "col_to_col_str": tf.lookup.StaticHashTable(
                    init(file("p5.tsv", PAIRS.replace(",", "\t")), tf.string, 2, tf.string, 0), "?"
                ),
                # A delimiter byte that is not UTF-8 (the attr is bytes).
                "col_byte_delimiter": tf.lookup.StaticHashTable(
                    init(file("p6", PAIRS.replace(",", "\xfe")), tf.string, 0, tf.int64, 1, None, b"\xfe"), -1
                ),
                "int_line_vocab_size": tf.lookup.StaticHashTable(
                    init(
                        file("i1.txt", IDS),
                        tf.int64,
                        whole,
                        tf.int64,
                        line,
                        vocab_size=3,
                        value_index_offset=2,
                    ),
                    -1,
                ),
                "int_to_int32": tf.lookup.StaticHashTable(
                    init(file("i2.txt", IDS.replace("\n", " 7\n")), tf.int64, 0, tf.int32, 1, delimiter=" "),
                    -1,
                ),
                "vocabulary_oov": tf.lookup.StaticVocabularyTable(
                    init(file("w3.txt", WORDS), tf.string, whole, tf.int64, line), 3
                ),
                "index_from_file": lookup_ops.index_table_from_file(file("w4.txt", WORDS), num_oov_buckets=2),
                "index_to_string": lookup_ops.index_to_string_table_from_file(
                    file("w5.txt", WORDS), default_value="UNK"
                ),
            }

        @tf.function(
            input_signature=[
                tf.TensorSpec([None], tf.string, name="words"),
                tf.TensorSpec([None], tf.int64, name="ids"),
            ]
        )
        def lookup(self, words, ids):
            by_int = {"line_to_str", "int_line_vocab_size", "int_to_int32", "index_to_string"}
            return {k: t.lookup(ids if k in by_int else words) for k, t in self.t.items()}

    return Tables()


@pytest.fixture(scope="module")
def function_case(tf, tmp_path_factory):
    from opbridge.conversion import convert_model

    module = _tables(tf, tmp_path_factory.mktemp("function_vocab"))
    return module, convert_model(module.lookup)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_function_tables(function_case, runtime):
    """Every variant in one model (mixed pairs keep every table op custom), resized and re-invoked."""
    module, result = function_case
    assert len(result.vocabularies) == len(module.t)
    counts = tflite_model.custom_op_counts(result.model)
    assert counts.get("LookupTableImportV2") == len(module.t), counts
    session = SignatureSession(result.model, runtime)
    for cut in (len(QUERY_IDS), 3):
        words, ids = QUERY_WORDS[:cut], QUERY_IDS[:cut]
        session.set_inputs([words, ids])  # by index, as users feed
        session.invoke()
        _outputs_equal(module.lookup(words, ids), session.outputs())


@pytest.fixture(scope="module")
def saved_model_case(tf, tmp_path_factory):
    """string -> int64 tables only (the converter's builtin HASHTABLE ops), as a SavedModel whose
    vocabulary exists only in assets/; converted by opbridge and by the stock converter, then the
    SavedModel is deleted: the model must not need the file."""
    import opbridge

    directory = tmp_path_factory.mktemp("saved_vocab")
    files = directory / "files"
    files.mkdir()
    init = tf.lookup.TextFileInitializer
    whole, line = tf.lookup.TextFileIndex.WHOLE_LINE, tf.lookup.TextFileIndex.LINE_NUMBER
    module = tf.Module()
    module.plain = tf.lookup.StaticHashTable(
        init(_write(files, "s1.txt", WORDS), tf.string, whole, tf.int64, line, value_index_offset=1), -1
    )
    module.oov = tf.lookup.StaticVocabularyTable(
        init(_write(files, "s2.csv", PAIRS), tf.string, 0, tf.int64, 1, delimiter=","), 2
    )

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.string, name="words")])
    def lookup(words):
        return {"plain": module.plain.lookup(words), "oov": module.oov.lookup(words)}

    module.lookup = lookup
    saved = directory / "saved"
    tf.saved_model.save(module, str(saved), signatures=lookup)
    shutil.rmtree(files)
    assert sorted(p.name for p in (saved / "assets").iterdir()) == ["s1.txt", "s2.csv"]
    converted = opbridge.convert(str(saved))
    stock_converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
    stock_converter.allow_custom_ops = True  # StringToHashBucketFast: opbridge's kernel runs it
    stock = stock_converter.convert()
    words = QUERY_WORDS.reshape(2, 7)
    want = {
        k: v.numpy()
        for k, v in tf.saved_model.load(str(saved))
        .signatures["serving_default"](words=tf.constant(words))
        .items()
    }
    shutil.rmtree(saved)
    return converted, stock, words, want


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_saved_model_assets(saved_model_case, runtime):
    converted, stock, words, want = saved_model_case
    ops = tflite_model.op_histogram(converted)
    assert ops.get("HASHTABLE_IMPORT") == 2 and ops.get("CALL_ONCE") == 1, ops
    session = SignatureSession(converted, runtime)
    session.set_inputs([words])
    session.invoke()
    _outputs_equal(want, session.outputs())
    # The stock converter's model has no import: its tables stay empty.
    assert "HASHTABLE_IMPORT" not in tflite_model.op_histogram(stock)
    session = SignatureSession(stock, runtime)
    session.set_inputs([words])
    with pytest.raises(RuntimeError, match="hashtable need to be initialized"):
        session.invoke()


@pytest.fixture(scope="module")
def keras_case(tf, tmp_path_factory):
    import keras

    import opbridge
    from opbridge.source import export_keras

    directory = tmp_path_factory.mktemp("keras_vocab")
    words_file = _write(directory, "k1.txt", WORDS.replace("\r", ""))
    ids_file = _write(directory, "k2.txt", IDS)
    text_file = _write(directory, "k3.txt", "the\ncat\nsat\non\nmat\n")
    words = keras.Input([None], dtype="string", name="words")
    ids = keras.Input([None], dtype="int64", name="ids")
    sentences = keras.Input([], dtype="string", name="sentences")
    outputs = {
        "string_lookup": keras.layers.StringLookup(vocabulary=words_file, num_oov_indices=2)(words),
        "string_one_hot": keras.layers.StringLookup(vocabulary=words_file, output_mode="one_hot")(
            words[:, 0]
        ),
        "integer_lookup": keras.layers.IntegerLookup(vocabulary=ids_file, mask_token=0)(ids),
        "vectorized": keras.layers.TextVectorization(vocabulary=text_file, output_sequence_length=6)(
            sentences
        ),
    }
    model = keras.Model({"words": words, "ids": ids, "sentences": sentences}, outputs)
    converted = opbridge.convert(model)
    # TF 2.21's from_keras_model fails on Keras 3 models; its own export, as opbridge does it
    # (source.export_keras), then the stock converter.
    export_keras(tf, model, directory / "exported")
    stock_converter = tf.lite.TFLiteConverter.from_saved_model(str(directory / "exported"))
    stock_converter.allow_custom_ops = True
    return model, converted, stock_converter.convert()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_keras_vocabulary_files(tf, keras_case, runtime):
    model, converted, stock = keras_case
    inputs = {
        "words": QUERY_WORDS.reshape(7, 2),
        "ids": np.array([10, 20, 0, 5, -30, 40, 7], np.int64).reshape(7, 1).repeat(2, 1),
        "sentences": np.array(
            [b"the cat sat on the mat", b"The CAT, sat!", b"", b"dog mat the the", b"on", b"x", b"sat sat"],
            object,
        ),
    }
    want = {k: np.asarray(v) for k, v in model(inputs).items()}
    session = SignatureSession(converted, runtime)
    order = session._index_order
    session.set_inputs([inputs[name] for name in order])
    session.invoke()
    _outputs_equal(want, session.outputs())
    # The stock model, run with opbridge's kernels, finds its tables empty.
    session = SignatureSession(stock, runtime)
    session.set_inputs([inputs[name] for name in session._index_order])
    with pytest.raises(RuntimeError, match=r"not initialized|need to be initialized"):
        session.invoke()


@pytest.fixture(scope="module")
def tf1_case(tf, tmp_path_factory):
    """A TF1 SavedModel (Builder, tables_initializer as main_op): the path is a Const the loader
    feeds with assets/<file>, listed in the "saved_model_assets" collection. The stock converter
    refuses it ("fed more than once"); opbridge drops the asset once nothing reads it."""
    import opbridge

    v1 = tf.compat.v1
    directory = tmp_path_factory.mktemp("tf1_vocab")
    vocabulary = _write(directory, "v1.csv", PAIRS)
    graph = tf.Graph()
    with graph.as_default():
        words = v1.placeholder(tf.string, [None], name="words")
        path = tf.constant(vocabulary)
        v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, path)
        init = tf.lookup.TextFileInitializer(path, tf.string, 0, tf.float32, 2, delimiter=",")
        found = v1.lookup.StaticHashTable(init, -1.0).lookup(words)
        with v1.Session(graph=graph) as session:
            session.run(v1.tables_initializer())
            want = session.run(found, {words: QUERY_WORDS})
            builder = v1.saved_model.Builder(str(directory / "saved"))
            signature = v1.saved_model.predict_signature_def({"words": words}, {"found": found})
            builder.add_meta_graph_and_variables(
                session,
                ["serve"],
                signature_def_map={"serving_default": signature},
                main_op=v1.tables_initializer(),
                assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS),
            )
            builder.save()
    Path(vocabulary).unlink()
    converted = opbridge.convert(str(directory / "saved"))
    stock_converter = tf.lite.TFLiteConverter.from_saved_model(str(directory / "saved"))
    stock_converter.allow_custom_ops = True
    with pytest.raises(Exception, match="fed more than once"):
        stock_converter.convert()
    return converted, want, directory


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tf1_saved_model(tf1_case, runtime):
    converted, want, _ = tf1_case
    session = SignatureSession(converted, runtime)
    session.set_inputs([QUERY_WORDS])
    session.invoke()
    _outputs_equal({"found": want}, session.outputs())


def test_cli_reports_embedded_vocabularies(tf1_case):
    _, _, directory = tf1_case
    out = directory / "cli.tflite"
    result = subprocess.run(
        [sys.executable, "-m", "opbridge", "convert", str(directory / "saved"), "-o", str(out), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["vocabularies_embedded"] == [str(directory / "saved" / "assets" / "v1.csv")]
    # (No parity number: the CLI's random inputs are not strings, which TF refuses.)


def _tf_message(tf, path: str, build) -> str:
    """TF's error building a table on the file (the initializer runs eagerly), file name cut."""
    with pytest.raises(tf.errors.OpError) as info:
        build(path)
    return info.value.message.replace(path, "<file>")


def test_errors_at_conversion(tf, tmp_path):
    """A missing file names the op and the file; a bad file fails with TF's own words."""
    import opbridge
    from opbridge.text_file_tables import VocabularyFileError

    init = tf.lookup.TextFileInitializer
    line = tf.lookup.TextFileIndex.LINE_NUMBER

    def column_table(path: str, vocab_size: int | None = None) -> Any:
        return tf.lookup.StaticHashTable(
            init(path, tf.string, 0, tf.int64, 1, delimiter=",", vocab_size=vocab_size), -1
        )

    def whole_table(path: str) -> Any:
        return tf.lookup.StaticHashTable(init(path, tf.string, -2, tf.int64, line), -1)

    def saved(name: str, build, vocab_size: int | None = None) -> Path:
        path = _write(tmp_path, f"{name}.csv", "a,1\nb,2\nc,3\nd,4\ne,5\n")
        module = tf.Module()
        module.table = build(path) if vocab_size is None else build(path, vocab_size)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def lookup(x):
            return module.table.lookup(x)

        module.lookup = lookup
        tf.saved_model.save(module, str(tmp_path / name), signatures=lookup)
        return tmp_path / name

    column = saved("column", column_table)
    asset = column / "assets" / "column.csv"
    asset.unlink()
    with pytest.raises(VocabularyFileError) as info:
        opbridge.convert(str(column))
    assert "InitializeTableFromTextFileV2" in str(info.value) and str(asset) in str(info.value)

    cases = [
        (column, column_table, "a,1\nb,x\nc,3\n"),  # not an int64
        (column, column_table, "a,1\nb,99999999999999999999\n"),  # int64 overflow
        (column, column_table, "a,1\nb,2\na,3\n"),  # a key given twice with other values
        (column, column_table, "a,1\nb\n"),  # a missing column
        (column, column_table, "a,1\n\nb,2\n"),  # an empty line
        (saved("sized", column_table, vocab_size=5), lambda p: column_table(p, 5), "a,1\nb,2\n"),
        (saved("whole", whole_table), whole_table, "a\nb\na\n"),
    ]
    for i, (model, build, text) in enumerate(cases):
        asset = model / "assets" / f"{model.name}.csv"  # (re)written: the first case removed one
        asset.write_text(text)
        want = _tf_message(tf, _write(tmp_path, f"tf_{i}.csv", text), build)
        with pytest.raises(VocabularyFileError) as info:
            opbridge.convert(str(model))
        got = str(info.value).replace(str(asset), "<file>")
        # TF's words, minus its kernel-name decoration.
        core = re.sub(r"^\{\{[^}]*\}\}\s*", "", want).split(" [Op:")[0]
        assert got.endswith(f": {core}") and "InitializeTableFromTextFileV2" in got, (core, got)
