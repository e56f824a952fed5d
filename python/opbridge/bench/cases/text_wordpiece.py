"""tensorflow-text's WordpieceTokenizeWithOffsets, the op of tf_text.WordpieceTokenizer and BertTokenizer
(TF Hub's BERT preprocessors), over a vocabulary table: the op alone on words, and BertTokenizer
(lower case, regex split, then the op, then the id lookup) on lines. The functions capture their
tables, so the models import them once per interpreter (a CALL_ONCE init subgraph). No cases without
tensorflow_text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

LETTERS = "abcdefghijklmnopqrstuvwxyzé日本"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        from tensorflow_text.python.ops import bert_tokenizer, wordpiece_tokenizer
    except ImportError:
        return []
    # Whole-word and "##" suffix pieces of 1-4 letters; some words will not split into them.
    pieces = sorted({"".join(rng.choice(list(LETTERS), int(rng.integers(1, 5)))) for _ in range(2000)})
    vocab = ["[PAD]", "[UNK]", *pieces, *sorted("##" + p for p in pieces if len(p) < 4), ".", ","]
    init = tf.lookup.KeyValueTensorInitializer(vocab, np.arange(len(vocab), dtype=np.int64))
    table = tf.lookup.StaticVocabularyTable(init, 1)
    words = max(64, 4096 // scale)
    text = np.array(
        ["".join(rng.choice(list(LETTERS), int(rng.integers(1, 12)))).encode() for _ in range(words)], object
    )
    gen = wordpiece_tokenizer.gen_wordpiece_tokenizer

    def tokenize(x: Any) -> Any:
        return tuple(
            gen.wordpiece_tokenize_with_offsets(
                x,
                table.resource_handle,
                suffix_indicator="##",
                max_bytes_per_word=100,
                use_unknown_token=True,
                unknown_token="[UNK]",
                output_row_partition_type="row_splits",
            )
        )

    lines = max(16, 512 // scale)
    sentences = np.array(
        [
            " ".join(
                "".join(rng.choice(list(LETTERS + "ABC.,"), int(rng.integers(1, 9))))
                for _ in range(int(rng.integers(0, 24)))
            ).encode()
            for _ in range(lines)
        ],
        object,
    )
    bert = bert_tokenizer.BertTokenizer(table, lower_case=True)

    def bert_ids(x: Any) -> Any:
        ids = bert.tokenize(x)
        return (ids.flat_values, *ids.nested_row_splits)

    return [
        Case("WordpieceTokenizeWithOffsets", f"{words} words, {len(vocab)}-piece vocab", tokenize, [text]),
        Case("WordpieceTokenizeWithOffsets", f"BertTokenizer, {lines} lines", bert_ids, [sentences]),
    ]
