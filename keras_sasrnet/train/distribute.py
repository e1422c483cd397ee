"""tf.distribute strategies chosen by name from a config.

"default" (one device), "mirrored" (all local GPUs, or N logical CPU devices
for testing) and "multi_worker" (MultiWorkerMirroredStrategy from TF_CONFIG).
Models must be built, loaded and rebuilt inside ``strategy.scope()``.
"""

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")


def split_cpu(count):
    """Splits the CPU into ``count`` logical devices (before TF starts)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current and len(current) == count:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * count
        )
    except RuntimeError as e:
        raise ValueError(
            f"cannot split the CPU into {count} devices once TensorFlow has "
            f"started ({e}); do it first thing in the process"
        ) from None


def make_strategy(kind="default", logical_cpus=0):
    """A ``tf.distribute.Strategy`` by name.

    Args:
        kind: "default", "mirrored" or "multi_worker".
        logical_cpus: with "mirrored" and no GPU, replicate over this many
            logical CPU devices (testing distribution on a laptop).

    Example:
        >>> strategy = make_strategy("mirrored")
        >>> with strategy.scope():
        ...     model = srnet()
    """
    if kind not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; received {kind!r}")
    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if logical_cpus and not tf.config.list_physical_devices("GPU"):
        split_cpu(logical_cpus)
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.MirroredStrategy()


def is_chief(strategy):
    """Whether this process writes checkpoints and reports (worker 0)."""
    resolver = getattr(strategy.extended, "_cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
    )
