"""The applications study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = "python -m benchmarks.applications.run"


def readme(folder):
    """README.md from ``folder/rows.json``."""
    return study.header(COMMAND) + (
        "# Slimming every keras.applications CNN family\n\n"
        "Random init and gammas; all rows: slimming at 0.3 and 0.6 gives finite "
        "outputs, the `.keras` round trip is identical and `fit` runs, unless "
        "rows.json says otherwise.\n\n" + table(study.load(folder)) + "\n"
    )


def table(rows):
    cells = []
    for r in rows:
        if "error" in r:
            cells.append([r["model"], "", "", "", "", "", r["error"][:80]])
            continue
        frozen = ", ".join(f"{v} {k}" for k, v in sorted(r["frozen"].items()))
        cells.append(
            [
                r["model"],
                f"{r['prunable_groups']} / {r['groups']}",
                "- (no BN; by kernel L1 norm)"
                if r.get("prunable_fraction") is None
                else f"{100 * r['prunable_fraction']:.0f} %",
                f"{r['keep_all_max_diff']:.1e}",
                f"{100 * r['params_at_0.5'] / r['params']:.1f} %",
                f"{100 * r['macs_at_0.5'] / r['macs']:.1f} %",
                frozen,
            ]
        )
    return markdown.table(
        [
            "model",
            "prunable groups",
            "BN channels prunable",
            "keep-all max diff",
            "params at 0.5",
            "MACs at 0.5",
            "frozen groups (why)",
        ],
        cells,
    )
