"""Random SRNet widths as slimming leaves them, and the models to time.

Shared by the CPU study (``run.py``) and the GPU one (``gpu.py``); no flags.
"""

import hashlib
import json

import numpy as np

from keras_sasrnet import models

SIZE = (256, 256)


def random_widths(rng, full=None):
    """SRNet widths as slimming leaves them: each group around one level.

    A global keep level is drawn log-uniformly in [3 %, 100 %]; each group
    keeps level * a log-normal spread of its reference width (at least 1,
    at most the reference), the residual stream and each type-3 block's
    conv2/shortcut pair tied.
    """
    full = full or models.srnet_widths()
    level = float(np.exp(rng.uniform(np.log(0.03), 0.0)))

    def pick(n):
        return int(np.clip(round(n * level * np.exp(rng.normal(0, 0.6))), 1, n))

    w = dict(full)
    w["l1_conv"] = pick(full["l1_conv"])
    stream = pick(full["l2_conv"])
    for name in ["l2_conv"] + [f"l{k}_conv2" for k in range(3, 8)]:
        w[name] = stream
    for k in range(3, 8):
        w[f"l{k}_conv1"] = pick(full[f"l{k}_conv1"])
    for k in range(8, 12):
        w[f"l{k}_conv1"] = pick(full[f"l{k}_conv1"])
        w[f"l{k}_conv2"] = w[f"l{k}_shortcut_conv"] = pick(full[f"l{k}_conv2"])
    w["l12_conv1"] = pick(full["l12_conv1"])
    w["l12_conv2"] = pick(full["l12_conv2"])
    return w


def name_of(widths):
    text = json.dumps(widths, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(arch, widths, size=SIZE):
    return models.build(arch, input_shape=(*size, 1), widths=widths)


def entries(n_fit, n_held, seed):
    rng = np.random.default_rng(seed)
    found = [
        {"name": "srnet (full)", "arch": "srnet", "widths": models.srnet_widths()},
        {"name": "xunet (full)", "arch": "xunet", "widths": models.xunet_widths()},
    ]
    for k in range(n_fit + n_held):
        role = "fit" if k < n_fit else "held_out"
        found.append(
            {
                "name": f"{role} {k}",
                "arch": "srnet",
                "role": role,
                "widths": random_widths(rng),
            }
        )
    return found
