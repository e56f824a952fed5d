"""RegexSplitWithOffsets (tensorflow-text's regex_split_with_offsets, as keras-hub's BERT and GPT-2
pretokenizers emit it): opbridge's TFLite kernel against tf-text's TF kernel, exact, in both runtimes.

keras-hub's own patterns (BERT whitespace/punctuation/CJK with kept delimiters, GPT-2's two split
patterns), simple ones with and without a keep pattern, over ASCII, UTF-8, ill-formed UTF-8, strings
with NUL bytes (tf-text stops at the first), empty strings and batches of 0. Errors: a pattern that
matches empty (tf-text loops forever: here an error), an invalid pattern, a non-scalar pattern."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession
from string_parity import check_cases

WORDS = [
    b"Hello, World! It's 3.14pm; ok?",
    b"",
    b"   ",
    "漢字かな交じり文、です。 Ünïcödé\u3000space\xa0nbsp".encode(),
    b"a\x00b c",  # tf-text reads up to the first NUL
    b"\xff\xfe bad \xc3 utf8",
    b"  leading and trailing  ",
    b"tabs\tand\nnewlines\r\n",
    b"x",
    b"runs:  two,, commas,,, and        eight spaces. then..  more",
]


def patterns() -> list[tuple[str, str]]:
    from keras_hub.src.tokenizers import byte_pair_tokenizer as bpe
    from keras_hub.src.tokenizers import word_piece_tokenizer as wp

    return [
        (r"\s", ""),
        (r"\s", r"\s"),
        (r"[,.;!?]", r"[,.!]"),
        (r"(x)", ""),  # a group of the user's own: group 1 is still the wrapper's
        # Delimiters of several lengths, some sharing first bytes, one longer than 7 bytes (the
        # kernel remembers the keep pattern's verdict per delimiter of up to 7 bytes).
        (r"\s+|[,.]+", r"  |,,|\.|        "),
        (wp.WHITESPACE_AND_PUNCTUATION_REGEX, wp.PUNCTUATION_REGEX),
        (wp.WHITESPACE_PUNCTUATION_AND_CJK_REGEX, wp.PUNCTUATION_AND_CJK_REGEX),
        (bpe.SPLIT_PATTERN_1, bpe.SPLIT_PATTERN_1),
        (bpe.SPLIT_PATTERN_2, bpe.SPLIT_PATTERN_2),
    ]


def wrapped(pattern: str) -> np.ndarray:
    """The pattern as tf-text's wrapper passes it (in a group), as a [1] input: the Python runtimes
    cannot feed an empty scalar string (test_parity_regex.SHAPES)."""
    return np.array([f"({pattern})".encode()], dtype=object)


def split(tf: Any) -> Any:
    from tensorflow_text.python.ops import regex_split_ops

    def fn(x, delim, keep):
        op = regex_split_ops.gen_regex_split_ops.regex_split_with_offsets
        tokens, begins, ends, splits = op(x, tf.reshape(delim, []), tf.reshape(keep, []))
        return {"tokens": tokens, "begins": begins, "ends": ends, "splits": splits}

    return fn


def test_keras_hub_and_simple_patterns(tf):
    import tensorflow_text  # noqa: F401  (registers the TF op)

    fn = split(tf)
    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    assert tflite_model.custom_op_counts(model) == {"RegexSplitWithOffsets": 1}
    words = np.array(WORDS, dtype=object)
    cases = [[words, wrapped(d), wrapped(k) if k else np.array([b""], dtype=object)] for d, k in patterns()]
    cases.append([words[:0], wrapped(r"\s"), wrapped(r"\s")])
    check_cases(fn, model, cases)


def test_public_api_converts_to_the_op(tf):
    """tf_text.regex_split_with_offsets as users call it (ragged outputs, components returned)."""
    import tensorflow_text as tft

    def fn(x):
        tokens, begins, _ = tft.regex_split_with_offsets(x, r"\s+|[,!]", r"[,!]")
        return {"tokens": tokens.flat_values, "splits": tokens.row_splits, "begins": begins.flat_values}

    model = convert_fn(fn, ([None], tf.string))
    assert tflite_model.custom_op_counts(model) == {"RegexSplitWithOffsets": 1}
    for runtime in RUNTIMES:
        session = SignatureSession(model, runtime)
        x = np.array(WORDS, dtype=object)
        session.set_inputs([x])
        session.invoke()
        actual = session.outputs()
        for name, e in fn(tf.constant(x)).items():
            assert np.asarray(actual[name]).tolist() == e.numpy().tolist(), (runtime, name)


def test_errors(tf):
    """An empty-matching delimiter (tf-text never returns: measured), an invalid pattern (tf-text's
    text), a non-scalar pattern (tf-text's text, the input resized)."""
    import tensorflow_text  # noqa: F401

    fn = split(tf)
    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    words = np.array(WORDS, dtype=object)
    for delim, expected in [
        (
            wrapped(r"\s*"),
            "matched an empty delimiter at byte 0 of input 0",
        ),
        (wrapped(r"(a"), "Invalid pattern: ((a), error: missing ): ((a)"),
    ]:
        for runtime in RUNTIMES:
            session = SignatureSession(model, runtime)
            session.set_inputs([words, delim, np.array([b""], dtype=object)])
            with pytest.raises(Exception) as info:
                session.invoke()
            text = str(info.value)
            assert "RegexSplitWithOffsets" in text and "delim_regex_pattern" in text, (runtime, text)
            assert expected in text, (runtime, text)

    from tensorflow_text.python.ops import regex_split_ops

    def scalar_fn(x, delim):
        op = regex_split_ops.gen_regex_split_ops.regex_split_with_offsets
        return {"tokens": op(x, delim, tf.constant("()"))[0]}

    scalar_model = convert_fn(scalar_fn, ([None], tf.string), ([], tf.string))
    for runtime in RUNTIMES:
        session = SignatureSession(scalar_model, runtime)
        session.set_inputs([words, np.array([b"(a)", b"(b)"], dtype=object)])
        with pytest.raises(Exception) as info:
            session.invoke()
        assert "Pattern must be scalar, but received [2]" in str(info.value), runtime


def test_batches_split_in_blocks_at_any_thread_count(tf):
    """Batches of several 64-string blocks (split in parallel, joined in order): the tokens, offsets
    and row splits equal tf-text's at 1 and 2 threads; with errors in two blocks, the error names the
    first failing input, as tf-text's sequential scan would."""
    import tensorflow_text  # noqa: F401

    fn = split(tf)
    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    rng = np.random.default_rng(7)
    words = np.array([WORDS[i] for i in rng.integers(0, len(WORDS), 300)], dtype=object)
    delim, keep = wrapped(patterns()[4][0]), wrapped(patterns()[4][1])
    outputs = fn(tf.constant(words), tf.constant(delim), tf.constant(keep))
    want = {k: np.asarray(v) for k, v in outputs.items()}
    for runtime in RUNTIMES:
        for threads in (1, 2):
            session = SignatureSession(model, runtime, num_threads=threads)
            session.set_inputs([words, delim, keep])
            session.invoke()
            got = session.outputs()
            for name, expected in want.items():
                assert np.asarray(got[name]).tolist() == expected.tolist(), (runtime, threads, name)
    # A group that sits out a match ('y' matches without group 1) in inputs 70 and 250.
    failing = words.copy()
    failing[70], failing[250] = b"a y b", b"y"
    for runtime in RUNTIMES:
        for threads in (1, 2):
            session = SignatureSession(model, runtime, num_threads=threads)
            session.set_inputs([failing, np.array([b"(x)|y"], dtype=object), np.array([b""], dtype=object)])
            with pytest.raises(Exception, match="took no part in a match in input 70,"):
                session.invoke()


def test_patterns_that_change_between_invokes_of_one_interpreter(tf):
    """The kernel keeps the node's last patterns compiled (and a copy per thread): patterns set
    between invokes of one interpreter (set_tensor alone: no new prepare) that change and come back
    give tf-text's outputs each time, at 1 and 2 threads."""
    import tensorflow_text  # noqa: F401

    import opbridge

    fn = split(tf)
    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    rng = np.random.default_rng(11)
    words = np.array([WORDS[i] for i in rng.integers(0, len(WORDS), 200)], dtype=object)
    chosen = [patterns()[i] for i in (4, 0, 4, 1)]
    for threads in (1, 2):
        interpreter = opbridge.Interpreter(model_content=model, num_threads=threads)
        index = [d["index"] for d in interpreter.get_input_details()]
        interpreter.resize_tensor_input(index[0], words.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(index[0], words)
        for d, k in chosen:
            delim, keep = wrapped(d), wrapped(k) if k else np.array([b""], dtype=object)
            interpreter.set_tensor(index[1], delim)
            interpreter.set_tensor(index[2], keep)
            interpreter.invoke()
            want = fn(tf.constant(words), tf.constant(delim), tf.constant(keep))
            got = [
                np.asarray(interpreter.get_tensor(o["index"])).tolist()
                for o in interpreter.get_output_details()
            ]
            expected = [np.asarray(v).tolist() for v in want.values()]
            assert sorted(map(repr, got)) == sorted(map(repr, expected)), (threads, d)
