"""Reading a frozen TensorFlow GraphDef (``.pb``) with the protobuf package alone (no TensorFlow).

Only what a weight conversion needs: nodes (name, op, inputs, attributes) and constant tensors as
NumPy arrays. The message types are built at import from the field numbers of TensorFlow's public
``graph.proto``, ``node_def.proto``, ``attr_value.proto``, ``tensor.proto`` and
``tensor_shape.proto`` (only the fields used here; unknown fields are skipped by the parser).

>>> graph = read_graph("graph_opt.pb")                            # doctest: +SKIP
>>> graph.nodes["image"].op, graph.constant("Conv/weights").shape   # doctest: +SKIP
('Placeholder', (3, 3, 3, 24))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from actionpose.errors import BackendError

_F = descriptor_pb2.FieldDescriptorProto
# TensorFlow DataType enum values -> NumPy dtypes (types.proto)
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
           9: np.int64, 10: np.bool_, 19: np.float16}


def _msg(name: str, fields: list[tuple[str, int, int, int, str | None]],
         nested: list[descriptor_pb2.DescriptorProto] | None = None,
         map_entry: bool = False) -> descriptor_pb2.DescriptorProto:
    """A message descriptor from ``(name, number, type, label, type_name)`` tuples."""
    msg = descriptor_pb2.DescriptorProto(name=name)
    for fname, number, ftype, label, type_name in fields:
        f = msg.field.add(name=fname, number=number, type=ftype, label=label)
        if type_name:
            f.type_name = type_name
    msg.nested_type.extend(nested or [])
    if map_entry:
        msg.options.map_entry = True
    return msg


def _build_messages() -> dict[str, Any]:
    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    t = _F
    dim = _msg("Dim", [("size", 1, t.TYPE_INT64, opt, None), ("name", 2, t.TYPE_STRING, opt, None)])
    shape = _msg("TensorShapeProto", [("dim", 2, t.TYPE_MESSAGE, rep, ".tf.TensorShapeProto.Dim"),
                                      ("unknown_rank", 3, t.TYPE_BOOL, opt, None)], [dim])
    tensor = _msg("TensorProto", [
        ("dtype", 1, t.TYPE_INT32, opt, None),  # DataType enum, read as its number
        ("tensor_shape", 2, t.TYPE_MESSAGE, opt, ".tf.TensorShapeProto"),
        ("version_number", 3, t.TYPE_INT32, opt, None),
        ("tensor_content", 4, t.TYPE_BYTES, opt, None),
        ("float_val", 5, t.TYPE_FLOAT, rep, None),
        ("double_val", 6, t.TYPE_DOUBLE, rep, None),
        ("int_val", 7, t.TYPE_INT32, rep, None),
        ("string_val", 8, t.TYPE_BYTES, rep, None),
        ("int64_val", 10, t.TYPE_INT64, rep, None),
        ("bool_val", 11, t.TYPE_BOOL, rep, None),
        ("half_val", 13, t.TYPE_INT32, rep, None),
    ])
    list_value = _msg("ListValue", [
        ("s", 2, t.TYPE_BYTES, rep, None), ("i", 3, t.TYPE_INT64, rep, None),
        ("f", 4, t.TYPE_FLOAT, rep, None), ("b", 5, t.TYPE_BOOL, rep, None),
        ("type", 6, t.TYPE_INT32, rep, None),
        ("shape", 7, t.TYPE_MESSAGE, rep, ".tf.TensorShapeProto"),
        ("tensor", 8, t.TYPE_MESSAGE, rep, ".tf.TensorProto"),
    ])
    attr = _msg("AttrValue", [
        ("list", 1, t.TYPE_MESSAGE, opt, ".tf.AttrValue.ListValue"),
        ("s", 2, t.TYPE_BYTES, opt, None), ("i", 3, t.TYPE_INT64, opt, None),
        ("f", 4, t.TYPE_FLOAT, opt, None), ("b", 5, t.TYPE_BOOL, opt, None),
        ("type", 6, t.TYPE_INT32, opt, None),
        ("shape", 7, t.TYPE_MESSAGE, opt, ".tf.TensorShapeProto"),
        ("tensor", 8, t.TYPE_MESSAGE, opt, ".tf.TensorProto"),
        ("placeholder", 9, t.TYPE_STRING, opt, None),
    ], [list_value])
    attr_entry = _msg("AttrEntry", [("key", 1, t.TYPE_STRING, opt, None),
                                    ("value", 2, t.TYPE_MESSAGE, opt, ".tf.AttrValue")], map_entry=True)
    node = _msg("NodeDef", [
        ("name", 1, t.TYPE_STRING, opt, None), ("op", 2, t.TYPE_STRING, opt, None),
        ("input", 3, t.TYPE_STRING, rep, None), ("device", 4, t.TYPE_STRING, opt, None),
        ("attr", 5, t.TYPE_MESSAGE, rep, ".tf.NodeDef.AttrEntry"),
    ], [attr_entry])
    graph = _msg("GraphDef", [("node", 1, t.TYPE_MESSAGE, rep, ".tf.NodeDef")])
    fdp = descriptor_pb2.FileDescriptorProto(name="actionpose_tf_graph.proto", package="tf", syntax="proto3")
    fdp.message_type.extend([shape, tensor, attr, node, graph])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tf.{name}"))
            for name in ("GraphDef", "NodeDef", "AttrValue", "TensorProto", "TensorShapeProto")}


MESSAGES = _build_messages()


def tensor_to_array(tensor: Any) -> np.ndarray:
    """A ``TensorProto`` as a NumPy array: ``tensor_content`` (little-endian) or the typed ``*_val``
    field, a single value broadcast to the shape as TensorFlow does."""
    if tensor.dtype not in _DTYPES:
        raise BackendError(f"unsupported TensorFlow dtype {tensor.dtype}")
    dtype = np.dtype(_DTYPES[tensor.dtype]).newbyteorder("<")
    shape = tuple(int(d.size) for d in tensor.tensor_shape.dim)
    if tensor.tensor_content:
        return np.frombuffer(tensor.tensor_content, dtype=dtype).astype(dtype.newbyteorder("="))\
            .reshape(shape)
    values: Any
    if dtype == np.float32:
        values = tensor.float_val
    elif dtype == np.float64:
        values = tensor.double_val
    elif dtype == np.int64:
        values = tensor.int64_val
    elif dtype == np.bool_:
        values = tensor.bool_val
    elif dtype == np.float16:
        values = np.asarray(tensor.half_val, np.uint16).view(np.float16)
    else:
        values = tensor.int_val
    arr = np.asarray(list(values), dtype=dtype.newbyteorder("="))
    n = int(np.prod(shape)) if shape else 1
    if arr.size == n:
        return arr.reshape(shape)
    if arr.size == 1:
        return np.full(shape, arr[0], dtype=arr.dtype)
    raise BackendError(f"tensor holds {arr.size} values for shape {shape}")


def _attr_value(value: Any) -> Any:
    """An ``AttrValue`` as a plain Python value (lists, ints, floats, bytes, arrays, shapes)."""
    for name in ("tensor", "shape", "list"):
        if value.HasField(name):
            sub = getattr(value, name)
            if name == "tensor":
                return tensor_to_array(sub)
            if name == "shape":
                return tuple(int(d.size) for d in sub.dim)
            return list(sub.i) or list(sub.f) or list(sub.s) or list(sub.type) or list(sub.b) or []
    if value.s:
        return bytes(value.s)
    if value.i:
        return int(value.i)
    if value.f:
        return float(value.f)
    if value.type:
        return int(value.type)
    return bool(value.b)


@dataclass
class Node:
    """One graph node: ``name``, ``op``, ``inputs`` (names, ``^`` control inputs dropped, ``:0``
    output suffixes removed) and ``attrs`` as plain values."""

    name: str
    op: str
    inputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """A parsed GraphDef: nodes by name, in file order."""

    nodes: dict[str, Node]

    def constant(self, name: str) -> np.ndarray:
        """The value of the ``Const`` node ``name`` (through ``Identity`` nodes)."""
        node = self.nodes[name]
        while node.op == "Identity":
            node = self.nodes[node.inputs[0]]
        if node.op != "Const":
            raise BackendError(f"node {name!r} is a {node.op}, not a constant")
        return node.attrs["value"]

    def consumers(self, name: str) -> list[Node]:
        """Nodes taking ``name`` as an input."""
        return [n for n in self.nodes.values() if name in n.inputs]


def _input_name(name: str) -> str:
    name = name.lstrip("^")
    return name[:-2] if name.endswith(":0") else name


def read_graph(path: str | Path) -> Graph:
    """Parse a frozen GraphDef file.

    Raises
    ------
    BackendError
        If the file cannot be read or parsed.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BackendError(f"{path}: cannot read ({exc.strerror})") from None
    graph_def = MESSAGES["GraphDef"]()
    try:
        graph_def.ParseFromString(data)
    except Exception as exc:  # protobuf raises DecodeError (and others on some builds)
        raise BackendError(f"{path}: not a TensorFlow GraphDef ({type(exc).__name__})") from None
    if not graph_def.node:
        raise BackendError(f"{path}: not a TensorFlow GraphDef (no nodes)")
    nodes = {}
    for nd in graph_def.node:
        attrs = {key: _attr_value(val) for key, val in nd.attr.items()}
        nodes[nd.name] = Node(nd.name, nd.op, [_input_name(i) for i in nd.input if not i.startswith("^")], attrs)
    return Graph(nodes)
