"""Nested functional models and blocks flattened into one functional graph."""

import keras


def _is_block(op):
    """A layer subclass made of sublayers and nothing else (keras-hub's
    MobileNet and EfficientNet blocks, a ``Sequential``): its ``call`` can
    be traced into functional nodes of those sublayers.

    Stock Keras layers with sublayers (RNN wrappers, attention) are kinds of
    their own and stay single nodes, as does a layer holding weights of its
    own beside its sublayers (tracing would orphan them).
    """
    from keras.src.models.functional import Functional

    if isinstance(op, Functional) or not isinstance(op, keras.layers.Layer):
        return False
    stock = type(op).__module__.startswith("keras.")
    if stock and not isinstance(op, keras.Sequential):
        return False
    subs = op._flatten_layers(include_self=False, recursive=False)
    if not subs:
        return False
    inner = {id(v) for sub in subs for v in sub.weights}
    return all(id(v) in inner for v in op.weights)


def inline(model, depth=8):
    """``model`` with nested functional models and blocks inlined.

    A functional model used as a layer of another (a keras-hub backbone
    under a classifier head) is one opaque node of the outer graph, as is a
    layer subclass built of sublayers (``_is_block``): their channels could
    be neither counted nor slimmed. Inlined, their layers are nodes of one
    flat graph; the layer objects (and so the weights) are the same, so the
    outputs are too. A block is inlined by tracing its ``call`` on symbolic
    tensors; blocks in blocks take one pass per level (``depth`` at most).
    A model with nothing to inline is returned as it is.
    """
    from keras.src.models.functional import Functional

    for _ in range(depth):
        nested = [
            op for op in model.operations if isinstance(op, Functional) or _is_block(op)
        ]
        if not nested:
            return model
        model = _inline_once(model, Functional)
    raise ValueError(
        f"cannot inline {model.name!r}: layers nested more than {depth} deep"
    )


def _inline_once(model, functional):
    def operation_fn(op):
        if isinstance(op, functional):
            return lambda x, *_, **__: op._run_through_graph(x, operation_fn)
        if _is_block(op):
            return lambda *args, **kwargs: op.call(*args, **kwargs)
        return op

    inputs = [
        keras.Input(batch_shape=t.shape, dtype=t.dtype, name=t.name)
        for t in model.inputs
    ]
    try:
        outputs = model._run_through_graph(inputs, operation_fn)
        if len(inputs) == 1 and not isinstance(model.input, list):
            inputs = inputs[0]  # the structure the model is called with
        return keras.Model(inputs, outputs, name=model.name)
    except ValueError as e:  # e.g. an inner layer named as an outer one
        raise ValueError(
            f"cannot inline the nested models of {model.name!r}: {e}"
        ) from None
