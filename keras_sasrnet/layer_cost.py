"""What one layer of a ``graph.Graph`` costs: its multiply-accumulates."""

import numpy as np


def macs(node):
    """Multiply-accumulates of one layer for one image (0 for cheap layers).

    Conv (1D, 2D, 3D): output positions * prod(kernel) * C_in / groups *
    C_out; transposed conv: the same with input positions. Depthwise conv:
    positions * prod(kernel) * C_in * multiplier.
    Separable conv: its depthwise part plus the pointwise positions * C_in *
    multiplier * C_out. Dense: positions * in * out. Element-wise layers,
    BN and pooling are not counted (as in the paper).
    """
    out = node.output_shape
    convs = (
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "DepthwiseConv2D",
        "DepthwiseConv1D",
        "SeparableConv2D",
        "SeparableConv1D",
    )
    if node.kind in convs:
        if any(s is None for s in out[1:]) or node.input_shapes[0][-1] is None:
            raise ValueError(f"MACs of {node.name} need a concrete input size")
        kernel = int(np.prod(node.config["kernel_size"]))
        c_in = node.input_shapes[0][-1]
        # a transposed conv spreads every input position over the kernel
        spatial = node.input_shapes[0] if node.kind.endswith("Transpose") else out
        positions = int(np.prod(spatial[1:-1]))
        if node.kind.startswith("Depthwise"):
            return positions * kernel * c_in * node.config["depth_multiplier"]
        if node.kind.startswith("Separable"):
            mid = c_in * node.config["depth_multiplier"]
            return positions * (kernel * mid + mid * out[-1])
        groups = node.config.get("groups", 1)
        return positions * kernel * (c_in // groups) * out[-1]
    if node.kind == "Dense":
        positions = int(np.prod(out[1:-1])) if len(out) > 2 else 1
        return positions * node.input_shapes[0][-1] * out[-1]
    return 0
