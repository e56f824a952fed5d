"""tensorflow-text's WordpieceTokenizeWithOffsets, the op of tf_text.WordpieceTokenizer and BertTokenizer
(TF Hub's BERT preprocessors), alone on words over a vocabulary table. The function captures its
table, so the model imports it once per interpreter (a CALL_ONCE init subgraph). No case without
tensorflow_text. (A whole BertTokenizer is no case here: the fuzz seeds run every case on the delegate
route too, whose partitions do not re-prepare a node after an earlier node of the partition resized
its input at invoke, so the StringToHashBucketFast after the op overflows its output there.)"""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

LETTERS = "abcdefghijklmnopqrstuvwxyzé日本"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        from tensorflow_text.python.ops import wordpiece_tokenizer
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

    return [
        Case("WordpieceTokenizeWithOffsets", f"{words} words, {len(vocab)}-piece vocab", tokenize, [text]),
    ]
