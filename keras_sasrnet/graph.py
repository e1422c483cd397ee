"""A plain description of a functional Keras model: layers, edges, shapes.

Grouping, planning and profiling work on this description instead of on
Keras internals, so they stay small pure functions that any functional model
(SRNet, XuNet, a user's own) passes through unchanged.
"""

import dataclasses

import keras

from keras_sasrnet.nested import inline


@dataclasses.dataclass(frozen=True)
class Node:
    """One layer of the graph.

    Attributes:
        name: the layer name (unique in a functional model).
        kind: the Keras class name, e.g. "Conv2D".
        inputs: names of the layers feeding it, in call order.
        config: the layer's ``get_config()``.
        input_shapes: shapes of its inputs (batch dimension included).
        output_shape: shape of its output.
        call: the serialised call ({"args", "kwargs"}) of a raw op, whose
            constants (``x + 3.0``) are needed to call it again; None for
            layers.
    """

    name: str
    kind: str
    inputs: tuple[str, ...]
    config: dict
    input_shapes: tuple[tuple, ...]
    output_shape: tuple
    call: dict | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class Graph:
    """Layers in topological order plus the names of the output layers."""

    nodes: dict[str, Node]
    outputs: tuple[str, ...]

    def consumers(self, name):
        """Names of the layers that take ``name``'s output as an input."""
        return [n.name for n in self.nodes.values() if name in n.inputs]


OUTPUT = "OutputOf"  # the kind of the node of one output of a multi-output op


def node_id(layer, call=0):
    """The graph node of a layer's ``call``-th call: the layer name for the
    first, ``name@k`` for later calls (of a layer without weights)."""
    return layer if not call else f"{layer}@{call}"


def layer_of(node_name):
    """The layer name of a graph node (``node_id`` backwards)."""
    return node_name.split("#")[0].split("@")[0]


def _history_names(obj, multi=()):
    """Node ids of the keras tensors in a serialised call. Output t of a
    multi-output node (ids in ``multi``) is its node ``id#t``."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            layer, call, tensor = obj["config"]["keras_history"][:3]
            name = node_id(layer, call)
            return [f"{name}#{tensor}" if name in multi else name]
        return [n for v in obj.values() for n in _history_names(v, multi)]
    if isinstance(obj, list | tuple):
        return [n for v in obj for n in _history_names(v, multi)]
    return []


def _output_names(spec):
    """Names in ``output_layers``: [name, node, tensor] or a nest of those."""
    if len(spec) == 3 and isinstance(spec[0], str):
        return [node_id(spec[0], spec[1])]
    if isinstance(spec, dict):
        spec = list(spec.values())
    return [n for s in spec for n in _output_names(s)]


def from_model(model, input_size=None):
    """Describes a functional model, with shapes at an optional input size.

    Args:
        model: a functional ``keras.Model`` (no layer called twice).
        input_size: (H, W) to compute shapes at; default the model's own
            input shape (which may hold None for dynamic sizes).

    Example:
        >>> graph = from_model(model, input_size=(256, 256))
        >>> graph.nodes["l1_conv"].output_shape
        (1, 256, 256, 64)
    """
    if not isinstance(model, keras.Model) or not hasattr(model, "_run_through_graph"):
        raise ValueError(
            f"expected a functional keras.Model; received {type(model).__name__}"
        )
    model = inline(model)
    config = _graph_config(model)
    # ``operations``, not ``layers``: raw ops in a functional graph
    # (``x = a + b`` makes an ``Add`` operation, not a layer) are nodes too;
    # looked up among the layers they gave KeyError: 'add_1'.
    layers = {op.name: op for op in model.operations}
    nodes = {}
    multi = set()  # multi-output nodes (keras.ops.split)
    for whole, k, entry in _calls_in_order(config):
        name = node_id(whole["name"], k)
        layer = layers[whole["name"]]
        if k and layer.weights:
            raise ValueError(
                f"layer {whole['name']!r} shares its weights across "
                f"{len(whole['inbound_nodes'])} calls; unsupported"
            )
        inputs = tuple(_history_names(entry["inbound_nodes"], multi))
        if not inputs:
            shape = tuple(layer.output.shape)
            if input_size is not None:
                shape = (1, *input_size, *shape[3:])
            in_shapes, out_shape = (), shape
        else:
            in_shapes = tuple(nodes[i].output_shape for i in inputs)
            arg = list(in_shapes) if len(in_shapes) > 1 else in_shapes[0]
            if input_size is None and len(whole["inbound_nodes"]) == 1:
                out = layer.output
                out_shape = (
                    tuple(tuple(o.shape) for o in out)
                    if isinstance(out, list | tuple)
                    else tuple(out.shape)
                )
            else:
                out_shape = _output_shape(layer, in_shapes, arg, entry)
        call = None
        if not isinstance(layer, keras.layers.Layer):
            call = entry["inbound_nodes"][0]
        outs = out_shape if out_shape and isinstance(out_shape[0], tuple) else None
        nodes[name] = Node(
            name,
            type(layer).__name__,
            inputs,
            _config(layer),
            in_shapes,
            in_shapes[0] if outs else out_shape,
            call,
        )
        if outs:  # one node per output tensor, reading the op's node
            multi.add(name)
            for t, shape in enumerate(outs):
                nodes[f"{name}#{t}"] = Node(
                    f"{name}#{t}", OUTPUT, (name,), {"index": t}, (in_shapes[0],), shape
                )
    outputs = tuple(_output_names(config["output_layers"]))
    return Graph(nodes, outputs)


def _calls_in_order(config):
    """(layer entry, call index, entry of that call alone), each call after
    the calls it reads: a layer called twice (a shared activation) may read
    layers listed after it the second time."""
    pending = [
        (entry, k, {**entry, "inbound_nodes": [] if inbound is None else [inbound]})
        for entry in config["layers"]
        for k, inbound in enumerate(entry["inbound_nodes"] or [None])
    ]
    done = set()
    while pending:
        ready = [
            c
            for c in pending
            if all(i in done for i in _history_names(c[2]["inbound_nodes"]))
        ]
        if not ready:
            raise ValueError(f"graph cycle at layer {pending[0][0]['name']!r}")
        for c in ready:
            done.add(node_id(c[0]["name"], c[1]))
            yield c
        pending = [c for c in pending if c not in ready]


def _graph_config(model):
    """The functional graph's config: layers, inbound nodes, outputs.

    A functional subclass with its own constructor (keras-hub's backbones)
    serialises its constructor arguments instead (find_groups failed with
    KeyError: 'layers'); its graph is then read the way ``Functional``
    serialises a plain functional model, from the model's own nodes.
    """
    config = model.get_config()
    if "layers" in config:
        return config
    from keras.src.models import functional

    like = functional.functional_like_constructor
    functional.functional_like_constructor = lambda cls: True
    try:
        return functional.Functional.get_config(model)
    finally:
        functional.functional_like_constructor = like


def _config(op):
    try:
        return op.get_config()
    except NotImplementedError:  # some raw ops do not serialise their args
        return {"name": op.name}


def call_op(op, call, tensors):
    """Calls a raw op as the graph did, with ``tensors`` in its tensors'
    places and its constants (``x + 3.0``) where they were."""
    queue = list(tensors)

    def fill(obj):
        if isinstance(obj, dict):
            if obj.get("class_name") == "__keras_tensor__":
                return queue.pop(0)
            return {k: fill(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [fill(v) for v in obj]
        return obj

    args, kwargs = fill(call.get("args", [])), fill(call.get("kwargs", {}))
    return op(*args, **kwargs)


def _output_shape(op, in_shapes, arg, entry):
    """Output shape at concrete input shapes, for layers and raw ops."""
    if isinstance(op, keras.layers.Layer):
        try:
            return tuple(op.compute_output_shape(arg))
        except NotImplementedError:
            pass  # e.g. ConvNeXt's LayerScale: fall back to a symbolic call
    specs = [keras.KerasTensor(s) for s in in_shapes]
    if isinstance(op, keras.layers.Layer):
        out = op.compute_output_spec(specs if len(specs) > 1 else specs[0])
    else:
        out = call_op(op.compute_output_spec, entry["inbound_nodes"][0], specs)
    if isinstance(out, list | tuple):
        return tuple(tuple(o.shape) for o in out)
    return tuple(out.shape)
