"""The benchmark's figures: learning curves, accuracy against MACs."""

from benchmarks.harness.latency_report import where
from benchmarks.harness.rows import rows
from keras_sasrnet import atomic


def curves_figure(tasks, path):
    """Validation accuracy of the full SRNet and XuNet against iterations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for task in tasks:
        for arch, style in (("srnet", "-"), ("xunet", "--")):
            its, accs = zip(*task["curves"][arch], strict=True)
            ax.plot(
                its, [100 * a for a in accs], style, label=f"{task['task']}: {arch}"
            )
    ax.axhline(50, color="grey", linewidth=0.5)
    ax.set(xlabel="iteration", ylabel="validation accuracy (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic.replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def tradeoff_figure(tasks, path):
    """Per task, test accuracy (mean, seed std as bars) against MACs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(tasks), figsize=(5 * len(tasks), 4), squeeze=False, sharey=True
    )
    for ax, task in zip(axes[0], tasks, strict=True):
        rs = rows(task)
        for r in rs:
            ax.errorbar(
                r["macs"] / 1e9,
                100 * r["test_mean"],
                yerr=100 * r["test_std"],
                fmt="o",
                capsize=3,
                label=f"{r['label']} {where(r)}" if r["rate"] else r["label"],
            )
        ax.axhline(50, color="grey", linewidth=0.5)
        ax.set_xscale("log")
        ax.set(title=task["task"], xlabel="GMACs at 256x256 (log)")
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    with atomic.replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
