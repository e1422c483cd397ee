"""The benchmark's config: the library's ``base()`` plus a ``bench`` section
(checked by ``runner.check``; the library's rules skip it)."""

from keras_sasrnet.train.config import base


def bench():
    """``base()`` plus the ``bench`` section (``python -m benchmarks.slimming``)."""
    c = base()
    c.bench = dict(
        # tuples, so that --config.bench.rates='(0.6,)' can override them
        tasks=("lsbm", "hill"),  # embedding algorithms, at `payload` bpp
        payload=0.4,
        source="photos",  # "photos" (data.photos) or "demo" (data.demo crops)
        photo_size=64,  # tile side of the photo source
        photo_stride=0,  # step between its tiles (0: the tile side)
        photo_side=512,  # wallpapers downsampled to this short side
        data_dir="",  # covers and stegos ("": ~/.cache/keras_sasrnet/bench)
        cache="",  # trained full models ("": ~/.cache/keras_sasrnet/bench)
        seeds=(0, 1, 2),
        methods=("gprox_cost:1e-2",),  # sparsity "method:alpha"
        rates=(0.8,),  # pruning rates of the sparsity rows
        baseline_rates=(0.8,),  # rates that get the baselines
        baselines=("l1", "random", "uniform"),
        # iterations of the baselines: "matched" - as many as the sparsity
        # rows (l1/random fine-tune sparsity + finetune steps, uniform trains
        # baseline + sparsity + finetune from scratch); "own" - their usual
        # recipes (l1/random fine-tune finetune.steps, as Li et al.; uniform
        # trains baseline.steps, as long as the full model: "Scratch-E")
        baseline_budget="matched",
        litert=True,  # LiteRT float latency and size of the first seed's models
        int8=True,  # every pruned row's int8 (float stem) LiteRT test accuracy
    )
    # One round (sparsity, prune, fine-tune): the fine-tune only recovers
    # accuracy. With the penalty kept on, the MAC-weighted group lasso went on
    # shrinking what pruning left of the residual stream and zeroed it.
    c.finetune.sparsity = False
    return c
