"""`@opbridge.composite`: a Python function that TF runs as written and the
converter fuses into one custom op (imports TensorFlow).

    @opbridge.composite("MyPkg>Swish", beta=1.5)
    def swish(x):
        return x * tf.sigmoid(1.5 * x)

TF traces and runs the body (it trains and differentiates like any TF code);
the TFLite converter replaces each call with one CUSTOM op "MyPkg>Swish" whose
options are the attrs, which a TFLite kernel of that name must implement
(opbridge.testing.assert_parity then checks the kernel against the body).

How (measured with TF 2.21, docs/design.md): the function gets
experimental_implements = a NameAttrList with the op name, the attrs and
tfl_fusable_op=true. Attrs may be float, int, bool or str: the converter
fails to fuse a function whose attrs hold lists, and writes bool true as the
integer -1. Every tensor the body uses must be an argument (a captured
variable or tensor stops the fusion).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ATTR_TYPES = (bool, int, float, str)


def implements_attr(name: str, attrs: dict[str, Any]) -> str:
    """The text-format NameAttrList for experimental_implements."""
    from google.protobuf import text_format
    from tensorflow.core.framework import attr_value_pb2

    spec = attr_value_pb2.NameAttrList(name=name)
    spec.attr["tfl_fusable_op"].b = True
    for key, value in attrs.items():
        if isinstance(value, bool):
            spec.attr[key].b = value
        elif isinstance(value, int):
            spec.attr[key].i = value
        elif isinstance(value, float):
            spec.attr[key].f = value
        elif isinstance(value, str):
            spec.attr[key].s = value.encode()
        else:
            raise TypeError(
                f"opbridge.composite({name!r}): attr {key!r} is a {type(value).__name__}; "
                "the converter keeps only float, int, bool and str attrs"
            )
    return text_format.MessageToString(spec, as_one_line=True)


def composite(name: str, **attrs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Decorates a Python function as a fusable composite op named `name`."""
    if not name or any(c.isspace() for c in name):
        raise ValueError(f"opbridge.composite: bad op name {name!r}")
    implements = implements_attr(name, attrs)

    def decorate(fn: Callable[..., Any]) -> Any:
        import tensorflow as tf

        return tf.function(fn, experimental_implements=implements)

    return decorate
