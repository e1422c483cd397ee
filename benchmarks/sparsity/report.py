"""benchmarks/sparsity/README.md and frontier.png from rows.json (no figures
are typed in)."""

from benchmarks import study

COMMAND = (
    "python -m benchmarks.sparsity.run --config=benchmarks/sparsity/config.py:xunet "
    "--workdir=work/sparsity/xunet (and :srnet)"
)

HEADER = """# Sparsity methods side by side

The two runs:

```bash
python -m benchmarks.sparsity.run --config=benchmarks/sparsity/config.py:xunet \\
    --workdir=work/sparsity/xunet
python -m benchmarks.sparsity.run --config=benchmarks/sparsity/config.py:srnet \\
    --workdir=work/sparsity/srnet
```

Demo task: 64x64 grayscale crops of scikit-image photographs, split by photo,
LSB matching 1.0 bpp; validation photos chelsea and coins (768 images), test
photos camera, coffee, grass, moon. Every row starts from the same trained
baseline of its architecture. `val sparse`: the sparsity-trained model;
`val pruned`: right after pruning, before any fine-tuning; `val tuned`: after
fine-tuning (best validation epoch, as the baseline). `select rate` prunes
the given fraction of channels by |gamma|; `select zeros` prunes exactly the
channels whose |gamma| is 0 (the rate is what sparsity emptied). `zeros`: the
fraction of prunable channels at exactly 0 after sparsity training. Params
and MACs are the fine-tuned model's, MACs at 256x256; `s`: wall-clock seconds
of the sparsity phase plus the prune + fine-tune stage on 2 CPU cores
(partly shared with other jobs: compare within a row, not across).

Run notes (2026-11-26): XuNet fine-tunes at lr 1e-3 (1,500 it), SRNet at
1e-4 (500 it; SRNet's sparsity phase is 1,000 it). `3k d1.5k`: a 3,000-it
sparsity phase whose lr drops tenfold at 1,500 (a zero stays at zero while
its gradient is below alpha, whatever the lr, so the low-lr half re-fits the
live channels). `gprox_cost`: the group-lasso proximal step over the BNs of
a tied channel group, MAC-weighted. An earlier SRNet `prox_cost a7e-3` row
came from an interrupted sparsity phase and was dropped; it reached 6.2 % of
the MACs at chance, as `gprox_cost a5e-3` does. Where SRNet breaks:
`prune_frontier.md` (accuracy right after pruning against MACs).
`gprox_cost a1e-2 2k d1k`: alpha 1e-2 over a 2,000-it phase whose lr drops
tenfold at 1,000; its 80 % row prunes with the max aggregate and fine-tunes
3,000 it at lr 1e-3 (tenfold lower from 2,000), as long as the baseline's
own training; its `zeros` row prunes exactly its zeros and fine-tunes 500 it
at 1e-4. `round 2`: a second sparsity phase of the same recipe on that
zeros-pruned model, then its own zeros (its rate and zeros are fractions of
the round-1 model's channels: 63.1 % of the original's in all).
"""


def frontier(rows, path):
    """Sparse-model val accuracy against fraction of channels at zero."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    archs = sorted({r["arch"] for r in rows})
    fig, axes = plt.subplots(1, len(archs), figsize=(5.5 * len(archs), 4))
    axes = [axes] if len(archs) == 1 else list(axes)
    for ax, arch in zip(axes, archs, strict=True):
        seen = {}
        for r in rows:
            if r["arch"] == arch:
                seen[r["method"]] = (r["zero_fraction"], r["val_sparse"])
        base = next(r["val_baseline"] for r in rows if r["arch"] == arch)
        for name, (z, v) in sorted(seen.items()):
            ax.plot(100 * z, 100 * v, "o")
            ax.annotate(
                name,
                (100 * z, 100 * v),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.axhline(100 * base, color="grey", linestyle=":", label="baseline")
        ax.set(
            xlabel="prunable channels at exactly 0 (%)",
            ylabel="val accuracy of the sparse model (%)",
            title=f"{arch}: sparsity frontier",
        )
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _pct(x):
    return f"{100 * x:.2f}"


def summary(rows, keep=None):
    """The compact table the top-level README quotes (``keep``: row filter)."""
    lines = [
        "| arch | method | pruned | at zero | val baseline | val sparse "
        "| val right after pruning | val fine-tuned | params | MACs (256x256) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if keep and not keep(r):
            continue
        how = "zeros" if r["select"] == "zeros" else "rate"
        lines.append(
            f"| {r['arch']} | {r['method']} | {_pct(r['rate'])} % ({how}) "
            f"| {_pct(r['zero_fraction'])} % | {_pct(r['val_baseline'])} "
            f"| {_pct(r['val_sparse'])} | {_pct(r['val_pruned'])} "
            f"| {_pct(r['val_finetuned'])} "
            f"| {_pct(r['params'] / r['params_full'])} % "
            f"| {_pct(r['macs'] / r['macs_full'])} % |"
        )
    return "\n".join(lines)


def readme(folder):
    """README.md from ``folder/rows.json``."""
    return study.header(COMMAND) + markdown(study.load(folder))


def markdown(rows):
    lines = [HEADER]
    for arch in sorted({r["arch"] for r in rows}):
        sub = [r for r in rows if r["arch"] == arch]
        first = sub[0]
        lines += [
            f"## {arch}",
            "",
            f"Baseline: val {_pct(first['val_baseline'])} %, test "
            f"{_pct(first['test_baseline'])} %, {first['params_full']:,} params, "
            f"{first['macs_full'] / 1e9:.3f} G MACs.",
            "",
            "| method | select | rate | zeros | val sparse | val pruned | val tuned "
            "| test tuned | params | MACs | s |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in sub:
            lines.append(
                f"| {r['method']} | {r['select']} | {_pct(r['rate'])} % "
                f"| {_pct(r['zero_fraction'])} % | {_pct(r['val_sparse'])} "
                f"| {_pct(r['val_pruned'])} | {_pct(r['val_finetuned'])} "
                f"| {_pct(r['test_finetuned'])} "
                f"| {r['params']:,} ({_pct(r['params'] / r['params_full'])} %) "
                f"| {r['macs'] / 1e6:.1f} M ({_pct(r['macs'] / r['macs_full'])} %) "
                f"| {r['seconds']:.0f} |"
            )
        lines.append("")
    lines += ["![frontier](frontier.png)", ""]
    return "\n".join(lines)
