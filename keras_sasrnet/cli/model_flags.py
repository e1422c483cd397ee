"""Which model a measuring binary works on: the flags, and the model they name."""

from absl import flags

from keras_sasrnet.cli.common_flags import _caller, _own_group


def define_model_flags(model_help, min_size=1):
    """Which model a binary measures: --arch, or a --model file; --input_size."""
    from keras_sasrnet import models

    flags.DEFINE_enum(
        "arch", "srnet", list(models.ARCHITECTURES), "Architecture to build."
    )
    flags.DEFINE_string("model", None, model_help)
    flags.DEFINE_integer(
        "input_size", 256, "Image side in pixels (H = W).", lower_bound=min_size
    )
    _own_group(_caller(), "model_flags")


def load_model(width_scale=1.0, gammas="auto", log=None):
    """The model the model flags name: --model at --input_size, else --arch.

    ``gammas``: "model" keeps the model's, "random" draws seeded (--seed)
    random ones, "auto" is random for --arch, the model's for --model;
    ``log`` tells when they are random.
    """
    from keras_sasrnet import models, slimming

    f = flags.FLAGS
    size = (f.input_size, f.input_size)
    if f.model:
        model = models.load(f.model, input_size=size)
    else:
        model = models.build(f.arch, width_scale, input_shape=(*size, 1))
    if gammas == "random" or (gammas == "auto" and not f.model):
        slimming.randomize_gammas(model, f.seed)
        if log:
            log(f"channel scores: seeded random gammas (seed {f.seed})")
    return model
