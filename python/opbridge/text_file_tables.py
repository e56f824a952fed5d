"""Vocabulary files embedded in the model (imports TensorFlow).

A table initialized from a text file (`tf.lookup.TextFileInitializer`,
`StaticVocabularyTable`, `index_table_from_file`, Keras `StringLookup` /
`TextVectorization` given a vocabulary path) runs `InitializeTableFromTextFileV2`
once, reading the file. The converter drops that op without a word, so the
converted table stays empty: "hashtable need to be initialized" (or the default
value for every key). TFLite has no file to read anyway: an app ships one .tflite.

So before conversion, each such op is replaced by the `LookupTableImportV2` of
constant keys and values that a `KeyValueTensorInitializer` gives, which the
converter keeps (the builtin HASHTABLE_IMPORT or our kernel, in the init
subgraph CALL_ONCE runs). The keys and values are what TF's own kernel puts in
the table: the op is run on the file in a private TF session at conversion time
(column split, line numbers, offset, vocab_size, number parsing, duplicate keys
and every error are TF's by construction), and the table is exported. The
converted model holds the vocabulary; the file is not read at run time.

The filename is found by following the op's input back through function
arguments to their call sites or captured objects: a constant, or a SavedModel
asset (`assets/<file>`). The table's dtypes come from the HashTableV2 its
handle comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import rewrite

OP = "InitializeTableFromTextFileV2"


class VocabularyFileError(ValueError):
    """A vocabulary file that cannot be embedded: the op, the file and why."""


@dataclass
class _Graph:
    """A GraphDef's top level (function None) or one of its functions."""

    nodes: Any  # repeated NodeDef
    function: Any = None

    def node(self, name: str) -> Any:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def ref(self, node_name: str, output: str) -> str:
        """How a node of this graph names another's first output `output`."""
        return f"{node_name}:{output}:0" if self.function is not None else node_name


def _asset_file_defs(meta_graph: Any) -> list[Any]:
    """The MetaGraph's assets: its asset_file_def, or (a TF1 SavedModel Builder's)
    the "saved_model_assets" collection of packed AssetFileDefs."""
    from tensorflow.core.protobuf import meta_graph_pb2

    found = list(meta_graph.asset_file_def)
    collection = meta_graph.collection_def.get("saved_model_assets")
    for packed in collection.any_list.value if collection is not None else []:
        asset = meta_graph_pb2.AssetFileDef()
        if packed.Unpack(asset):
            found.append(asset)
    return found


def _drop_unread_assets(meta_graph: Any) -> None:
    """Forgets the assets no node reads any more (a TF1 model's vocabulary path
    constant, which only the replaced op read): the converter's TF1 loader
    refuses such an asset ("Endpoint fed more than once"), and the model needs
    no file now."""
    read = {i.lstrip("^").split(":")[0] for node in meta_graph.graph_def.node for i in node.input}

    def kept(tensor_name: str) -> bool:
        return tensor_name.split(":")[0] in read

    for asset in [a for a in meta_graph.asset_file_def if not kept(a.tensor_info.name)]:
        meta_graph.asset_file_def.remove(asset)
    collection = meta_graph.collection_def.get("saved_model_assets")
    if collection is not None:
        from tensorflow.core.protobuf import meta_graph_pb2

        for packed in list(collection.any_list.value):
            asset = meta_graph_pb2.AssetFileDef()
            if packed.Unpack(asset) and not kept(asset.tensor_info.name):
                collection.any_list.value.remove(packed)


class _Resolver:
    def __init__(self, meta_graph: Any, directory: Path) -> None:
        self.meta_graph = meta_graph
        self.directory = directory
        graph_def = meta_graph.graph_def
        self.top = _Graph(graph_def.node)
        self.functions = {f.signature.name: _Graph(f.node_def, f) for f in graph_def.library.function}
        self.assets = {a.tensor_info.name.split(":")[0]: a.filename for a in _asset_file_defs(meta_graph)}
        # Function name -> (graph, calling node) for every call (op type or `f` attr).
        self.calls: dict[str, list[tuple[_Graph, Any]]] = {}
        for graph in [self.top, *self.functions.values()]:
            for node in graph.nodes:
                callees = {node.op} if node.op in self.functions else set()
                callees.update(a.func.name for a in node.attr.values() if a.HasField("func"))
                for callee in callees:
                    self.calls.setdefault(callee, []).append((graph, node))

    def trace(self, graph: _Graph, ref: str, depth: int = 0) -> list[tuple[str, Any]]:
        """Where a tensor comes from: ("const", NodeDef), ("asset", path) or
        ("node", NodeDef) for anything else (a HashTableV2), through Identity
        nodes and function arguments. Every call site is followed: a function
        called twice gives two answers."""
        if depth > 64:
            raise VocabularyFileError(f"{ref}: the input chain is too deep to follow")
        name = ref.split(":")[0]
        if graph.function is not None and ":" not in ref:
            return self._argument(graph, name, depth)
        node = graph.node(name)
        if node is None:
            return []
        if node.op in ("Identity", "IdentityN") or (node.op == "StopGradient"):
            return self.trace(graph, node.input[0], depth + 1)
        if graph.function is None and name in self.assets:
            # A TF1 SavedModel's asset is a Const (the path at export time) or a
            # Placeholder the loader feeds with assets/<file>.
            return [("asset", self.directory / "assets" / self.assets[name])]
        if node.op == "Const":
            return [("const", node)]
        if node.op == "ReadVariableOp":
            # TF2 SavedModels keep an asset's path in a variable the loader
            # assigns from the asset placeholder.
            variable = node.input[0].split(":")[0]
            assigns = [
                n for n in graph.nodes if n.op == "AssignVariableOp" and n.input[0].split(":")[0] == variable
            ]
            return [found for a in assigns for found in self.trace(graph, a.input[1], depth + 1)]
        return [("node", node)]

    def _argument(self, graph: _Graph, name: str, depth: int) -> list[tuple[str, Any]]:
        function = graph.function
        args = [a.name for a in function.signature.input_arg]
        index = args.index(name)
        found: list[tuple[str, Any]] = []
        for caller_graph, call in self.calls.get(function.signature.name, []):
            data_inputs = [i for i in call.input if not i.startswith("^")]
            if index < len(data_inputs):
                found += self.trace(caller_graph, data_inputs[index], depth + 1)
        if found:
            return found
        # No call in the graph: a captured input of a restored function (the
        # trailing arguments are its bound inputs, objects of the object graph).
        saved = self.meta_graph.object_graph_def.concrete_functions.get(function.signature.name)
        if saved is None or not saved.bound_inputs:
            return []
        position = index - (len(args) - len(saved.bound_inputs))
        if position < 0:
            return []
        obj = self.meta_graph.object_graph_def.nodes[saved.bound_inputs[position]]
        kind = obj.WhichOneof("kind")
        if kind == "asset":
            filename = self.meta_graph.asset_file_def[obj.asset.asset_file_def_index].filename
            return [("asset", self.directory / "assets" / filename)]
        if kind == "constant":
            return self.trace(self.top, obj.constant.operation, depth + 1)
        if kind == "resource":
            return self._resource_creator(obj)
        return []

    def detach_argument(self, graph: _Graph, name: str, path: str) -> None:
        """Passes a constant for a function argument the function no longer reads
        (the file name) at each call: the converter drops an initializer
        function that is given the asset's variable."""
        import tensorflow as tf

        index = [a.name for a in graph.function.signature.input_arg].index(name)
        for caller_graph, call in self.calls.get(graph.function.signature.name, []):
            if index < len(call.input) and not call.input[index].startswith("^"):
                const = f"{call.name}/opbridge_vocabulary_{index}"
                if caller_graph.node(const) is None:
                    _const(tf, caller_graph, const, path, tf.string.as_datatype_enum)
                call.input[index] = caller_graph.ref(const, "output")

    def _resource_creator(self, obj: Any) -> list[tuple[str, Any]]:
        """The HashTableV2 in a captured resource's `_create_resource` function."""
        nodes = self.meta_graph.object_graph_def.nodes
        for child in obj.children:
            if child.local_name != "_create_resource":
                continue
            creator = nodes[child.node_id]
            names = list(creator.function.concrete_functions) if creator.HasField("function") else []
            for name in names:
                graph = self.functions.get(name)
                if graph is not None:
                    return [("node", n) for n in graph.nodes if n.op == "HashTableV2"][:1]
        return []


def _filename(tf: Any, node: Any, found: list[tuple[str, Any]]) -> Path:
    paths = set()
    for kind, value in found:
        if kind == "asset":
            paths.add(Path(value))
        elif kind == "const" and value.attr["dtype"].type == tf.string.as_datatype_enum:
            array = tf.make_ndarray(value.attr["value"].tensor)
            if array.size == 1:
                paths.add(Path(array.reshape(-1)[0].decode()))
    if len(paths) != 1:
        raise VocabularyFileError(
            f"opbridge.convert: {OP} node {node.name!r}: its filename is not a constant or a "
            "SavedModel asset (computed in the graph, or several files through one function); "
            "the vocabulary cannot be embedded"
        )
    return paths.pop()


def _table_dtypes(node: Any, found: list[tuple[str, Any]]) -> tuple[int, int]:
    dtypes = {
        (n.attr["key_dtype"].type, n.attr["value_dtype"].type)
        for kind, n in found
        if kind == "node" and n.op == "HashTableV2"
    }
    if len(dtypes) != 1:
        raise VocabularyFileError(
            f"opbridge.convert: {OP} node {node.name!r}: its table handle does not come from one "
            "HashTableV2, so the table's dtypes are unknown; the vocabulary cannot be embedded"
        )
    return dtypes.pop()


def _read_table(tf: Any, node: Any, path: Path, key_dtype: int, value_dtype: int) -> tuple[Any, Any]:
    """The keys and values TF's kernel puts in a table of these dtypes from `path`."""
    from tensorflow.python.ops import gen_lookup_ops

    if not path.is_file():
        raise VocabularyFileError(
            f"opbridge.convert: {OP} node {node.name!r}: vocabulary file {str(path)!r} not found "
            "(it is read at conversion time and embedded in the model)"
        )
    attr = node.attr
    graph = tf.Graph()
    with graph.as_default():
        table = gen_lookup_ops.hash_table_v2(
            key_dtype=tf.as_dtype(key_dtype), value_dtype=tf.as_dtype(value_dtype), shared_name="vocabulary"
        )
        init = gen_lookup_ops.initialize_table_from_text_file_v2(
            table,
            str(path),
            key_index=attr["key_index"].i,
            value_index=attr["value_index"].i,
            vocab_size=attr["vocab_size"].i if "vocab_size" in attr else -1,
            delimiter=attr["delimiter"].s if "delimiter" in attr else b"\t",  # bytes: any one byte
            offset=attr["offset"].i if "offset" in attr else 0,
        )
        exported = gen_lookup_ops.lookup_table_export_v2(
            table, tf.as_dtype(key_dtype), tf.as_dtype(value_dtype)
        )
    with tf.compat.v1.Session(graph=graph) as session:
        try:
            session.run(init)
            keys, values = session.run(exported)
        except tf.errors.OpError as exc:
            raise VocabularyFileError(
                f"opbridge.convert: {OP} node {node.name!r} on {str(path)!r}: {_kernel_message(exc.message)}"
            ) from None
    return keys, values


def _kernel_message(text: str) -> str:
    """TF's kernel error out of a session's report (which adds where the node
    was defined, here: in this file)."""
    text = re.sub(r"\s*\[\[\{\{node [^}]*\}\}\]\]\s*$", "", text)
    if "\nNode: " in text:
        text = text.split("\nNode: ", 1)[1].split("\n", 1)[-1]
    return text.strip()


def _const(tf: Any, graph: _Graph, name: str, array: Any, dtype: int) -> str:
    node = graph.nodes.add()
    node.name = name
    node.op = "Const"
    node.attr["dtype"].type = dtype
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(array, dtype=tf.as_dtype(dtype)))
    return graph.ref(name, "output")


def uses_text_files(directory: Path) -> bool:
    return rewrite.saved_model_op_counts(directory)[OP] > 0


def embed_vocabularies(source: Path, destination: Path) -> list[str]:
    """Copies the SavedModel at `source` to `destination` with each
    InitializeTableFromTextFileV2 replaced by a LookupTableImportV2 of what it
    reads. Returns the files read; raises VocabularyFileError naming the op
    and the file when TF's kernel fails on it or it cannot be found."""
    import tensorflow as tf

    saved_model = rewrite._load_saved_model_proto(source)
    files: list[str] = []
    renames: dict[str, str] = {}
    for meta_graph in saved_model.meta_graphs:
        resolver = _Resolver(meta_graph, source)
        graph_def = meta_graph.graph_def
        for name in rewrite._functions_to_rename(graph_def, {OP}, {}):
            renames[name] = f"{name}_opbridge_vocab"
        for graph in [resolver.top, *resolver.functions.values()]:
            for node in [n for n in graph.nodes if n.op == OP]:
                handle, filename = node.input[0], node.input[1]
                path = _filename(tf, node, resolver.trace(graph, filename))
                key_dtype, value_dtype = _table_dtypes(node, resolver.trace(graph, handle))
                keys, values = _read_table(tf, node, path, key_dtype, value_dtype)
                keys_ref = _const(tf, graph, f"{node.name}/opbridge_keys", keys, key_dtype)
                values_ref = _const(tf, graph, f"{node.name}/opbridge_values", values, value_dtype)
                controls = [i for i in node.input if i.startswith("^")]
                del node.input[:]
                node.input.extend([handle, keys_ref, values_ref, *controls])
                node.op = "LookupTableImportV2"
                kept = {k: v for k, v in node.attr.items() if k.startswith("_")}
                node.attr.clear()
                for k, v in kept.items():
                    node.attr[k].CopyFrom(v)
                node.attr["Tin"].type = key_dtype
                node.attr["Tout"].type = value_dtype
                files.append(str(path))
                if graph.function is not None and ":" not in filename:
                    resolver.detach_argument(graph, filename, str(path))
        _drop_unread_assets(meta_graph)
    # The functions that changed get new names: the originals may be loaded in
    # this process already (a tf.function source) with the file-reading body.
    rewrite.write_saved_model(saved_model, renames, source, destination)
    return files
