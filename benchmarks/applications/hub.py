"""Small keras-hub CNN backbones (random init) for the applications table
and the tests: one per family the issue names, each exercising a construct
of the graph reader (see the comments)."""

import keras_hub

M = keras_hub.models
S = 32  # input side
BACKBONES = {
    # a functional subclass: get_config holds constructor arguments
    "ResNet": lambda: M.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 128],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(S, S, 3),
    ),
    # concatenations
    "DenseNet": lambda: M.DenseNetBackbone(
        stackwise_num_repeats=[2, 2], growth_rate=8, image_shape=(S, S, 3)
    ),
    # blocks (layer subclasses), depthwise as Conv2D(groups=C), mean in SE
    "MobileNet": lambda: M.MobileNetBackbone(
        stackwise_expansion=[[16], [72, 88], [96]],
        stackwise_num_blocks=[1, 2, 1],
        stackwise_num_filters=[[16], [24, 24], [40]],
        stackwise_kernel_size=[[3], [3, 3], [5]],
        stackwise_num_strides=[[2], [2, 1], [2]],
        stackwise_se_ratio=[[0.25], [None, None], [0.25]],
        stackwise_activation=[["relu"], ["relu", "relu"], ["hard_swish"]],
        stackwise_padding=[[1], [1, 1], [2]],
        output_num_filters=64,
        depthwise_filters=8,
        depthwise_stride=1,
        depthwise_residual=False,
        last_layer_filter=64,
        squeeze_and_excite=0.25,
        image_shape=(S, S, 3),
        input_num_filters=8,
    ),
    # blocks calling one activation layer twice
    "EfficientNet": lambda: M.EfficientNetBackbone(
        stackwise_kernel_sizes=[3, 3],
        stackwise_num_repeats=[1, 2],
        stackwise_input_filters=[8, 16],
        stackwise_output_filters=[16, 24],
        stackwise_expansion_ratios=[1, 4],
        stackwise_squeeze_and_excite_ratios=[0.0, 0.25],
        stackwise_strides=[1, 2],
        stackwise_block_types=["fused", "unfused"],
        stackwise_force_input_filters=[0, 0],
        stackwise_nores_option=[False, False],
        width_coefficient=1.0,
        depth_coefficient=1.0,
        num_features=64,
        input_shape=(S, S, 3),
    ),
    # keras.ops.split along the channels (a multi-output op)
    "CSPNet": lambda: M.CSPNetBackbone(
        stem_filters=16,
        stem_kernel_size=3,
        stem_strides=1,
        stackwise_strides=2,
        stackwise_depth=[1, 2],
        stackwise_num_filters=[16, 24],
        image_shape=(S, S, 3),
        down_growth=True,
        bottle_ratio=(0.5, 1.0),
        block_ratio=(1.0, 0.5),
        expand_ratio=(2.0, 1.0),
        block_type="dark_block",
        stage_type="csp",
        stem_padding="same",
    ),
}
