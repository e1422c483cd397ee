"""The latency model of LiteRT float32 on this CPU, checked on held-out SRNets.

  python -m benchmarks.latency.run --workdir=work/latency

SRNets of random widths at 256x256 (each group's width drawn around a random
global keep level, as slimming leaves them: the residual stream and each
shortcut pair tied) are converted to float32 ``.tflite`` and timed in LiteRT,
batch 1, on all cores, every model in turns in one process (median of
--rounds calls each, full SRNet and XuNet among them), so the timings are
comparable on a busy machine. ``keras_sasrnet.latency.LatencyModel`` is
fitted on the first --fit models and predicts the other --held_out ones.

Writes, in --out: ``rows.json`` (one row per held-out model: widths,
``predicted_ms``, ``measured_ms``, error, MAC share), ``table.json`` (the
fitted model: runtime, machine, costs) and ``README.md`` generated from
them. The .tflite files and the timings stay in --workdir (rerunning reuses
the files; --retime times them again).
"""

import json
import os
import platform
import statistics

from absl import flags

from benchmarks import study
from benchmarks.latency.report import readme
from benchmarks.latency.widths import SIZE, build, entries, name_of
from keras_sasrnet import atomic, cli, models, profile
from keras_sasrnet.latency import LatencyModel, features

HERE = os.path.dirname(os.path.abspath(__file__))

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "workdir", "work/latency", "Folder of the .tflite files and timings."
)
flags.DEFINE_string("out", HERE, "Folder of rows.json, table.json and README.md.")
flags.DEFINE_integer("fit", 72, "Random SRNets to fit the model on.", lower_bound=2)
flags.DEFINE_integer("held_out", 24, "Random SRNets to check it on.", lower_bound=1)
flags.DEFINE_integer("rounds", 31, "Timed calls per model (median), in turns.")
flags.DEFINE_integer("seed", 0, "Seed of the random widths.")
flags.DEFINE_bool("retime", False, "Time the models again (else reuse timings).")
flags.DEFINE_bool("report_only", False, "Remake README.md from the rows only.")


def convert_all(entries, workdir):
    """Writes each entry's float32 .tflite (skipped where it exists)."""
    from keras_sasrnet.export import convert

    folder = os.path.join(workdir, "tflite")
    os.makedirs(folder, exist_ok=True)
    for k, e in enumerate(entries):
        e["path"] = os.path.join(folder, f"{e['arch']}-{name_of(e['widths'])}.tflite")
        if not os.path.exists(e["path"]):
            print(f"converting {k + 1}/{len(entries)} {e['name']}", flush=True)
            convert.export_tflite(
                build(e["arch"], e["widths"]), e["path"], "float32", SIZE
            )


def runtime_name():
    import ai_edge_litert

    version = getattr(ai_edge_litert, "__version__", "?")
    return f"litert {version} float32, batch 1, {os.cpu_count()} threads"


def machine_name():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [
                line.split(":", 1)[1].strip() for line in f if "model name" in line
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{platform.system()} {cpu}, {os.cpu_count()} cores"


def time_all(found, workdir, rounds, retime):
    from keras_sasrnet.export.latency import file_latencies

    path = os.path.join(workdir, "timings.json")
    if os.path.exists(path) and not retime:
        with open(path) as f:
            saved = json.load(f)
        if [e["path"] for e in found] == [s["path"] for s in saved]:
            for e, s in zip(found, saved, strict=True):
                e["ms"] = s["ms"]
            return
    print(f"timing {len(found)} models in turns, {rounds} rounds", flush=True)
    times = file_latencies([e["path"] for e in found], SIZE, rounds=rounds)
    for e, ms in zip(found, times, strict=True):
        e["ms"] = ms
    atomic.write_json(path, [{"path": e["path"], "ms": e["ms"]} for e in found])


def report(found, model, out, budget):
    full = found[0]

    def macs(m):
        return sum(profile.count_macs(m, SIZE).values())

    full_macs = macs(build("srnet", full["widths"]))
    rows = []
    for e in found:
        if e.get("role") != "held_out":
            continue
        m = build(e["arch"], e["widths"])
        predicted = model.predict(m)
        rows.append(
            {
                "name": e["name"],
                "widths": e["widths"],
                "measured_ms": round(e["ms"], 3),
                "predicted_ms": round(predicted, 3),
                "error": round(predicted / e["ms"] - 1, 4),
                "mac_share": round(
                    sum(profile.count_macs(m, SIZE).values()) / full_macs, 4
                ),
                "full_srnet_ms": round(full["ms"], 3),
            }
        )
    errors = [abs(r["error"]) for r in rows]
    fastest = min((e for e in found if e.get("role")), key=lambda e: e["ms"])
    summary = {
        "runtime": model.runtime,
        "machine": model.machine,
        "held_out": len(rows),
        "median_abs_error": round(statistics.median(errors), 4),
        "worst_abs_error": round(max(errors), 4),
        "full_srnet_ms": round(full["ms"], 3),
        "xunet_ms": round(found[1]["ms"], 3),
        # the fastest random SRNet: what no slimming of SRNet gets below
        "fastest_srnet_ms": round(fastest["ms"], 3),
        "fastest_srnet_widths": fastest["widths"],
    }
    os.makedirs(out, exist_ok=True)
    atomic.write_json(os.path.join(out, "rows.json"), rows)
    atomic.write_json(os.path.join(out, "budget.json"), budget)
    atomic.write_json(
        os.path.join(out, "table.json"), {**model.to_dict(), "check": summary}
    )
    study.publish(out, readme)
    return summary


BUDGETS = (0.5, 0.33, 0.2)


def budget_check(model, workdir, rounds):
    """SRNet (seeded random gammas) planned to each of ``BUDGETS`` of its
    predicted latency by ``budget_plan``, and by a |gamma| threshold at the
    same pruned fraction; all converted and timed in turns with the full
    model. Rows: budget, predicted and measured ms of both."""
    from keras_sasrnet import slimming
    from keras_sasrnet.export import convert
    from keras_sasrnet.export.latency import file_latencies

    full = slimming.randomize_gammas(build("srnet", models.srnet_widths()), seed=0)
    folder = os.path.join(workdir, "budget")
    os.makedirs(folder, exist_ok=True)
    variants = [("full", None, full)]
    for fraction in BUDGETS:
        plan = slimming.budget_plan(full, model, fraction * model.predict(full))
        by_latency = slimming.rebuild(full, plan)
        by_gamma, _ = slimming.slim(full, plan.pruned_fraction)
        variants += [
            (f"latency {fraction:g}", plan, by_latency),
            (f"gamma {fraction:g}", plan, by_gamma),
        ]
    paths = []
    for name, _, m in variants:
        widths = {
            layer.name: layer.filters for layer in m.layers if hasattr(layer, "filters")
        }  # the file is named by what it holds: a new plan, a new file
        paths.append(
            os.path.join(folder, f"{name.replace(' ', '_')}-{name_of(widths)}.tflite")
        )
        if not os.path.exists(paths[-1]):
            print(f"converting {name}", flush=True)
            convert.export_tflite(m, paths[-1], "float32", SIZE)
    times = file_latencies(paths, SIZE, rounds=rounds)
    rows = []
    for (name, plan, m), ms in zip(variants, times, strict=True):
        rows.append(
            {
                "name": name,
                "pruned_fraction": None
                if plan is None
                else round(plan.pruned_fraction, 4),
                "predicted_ms": round(model.predict(m), 3),
                "measured_ms": round(ms, 3),
                "speedup": round(times[0] / ms, 3),
                "mac_share": round(
                    sum(profile.count_macs(m, SIZE).values())
                    / sum(profile.count_macs(full, SIZE).values()),
                    4,
                ),
            }
        )
    return rows


def main(argv):
    del argv
    if FLAGS.report_only:
        print(study.publish(FLAGS.out, readme))
        return
    found = entries(FLAGS.fit, FLAGS.held_out, FLAGS.seed)
    convert_all(found, FLAGS.workdir)
    time_all(found, FLAGS.workdir, FLAGS.rounds, FLAGS.retime)
    fit = [e for e in found if e.get("role") == "fit"]
    model = LatencyModel.fit(
        [features(build(e["arch"], e["widths"]), SIZE) for e in fit],
        [e["ms"] for e in fit],
        SIZE,
        runtime=runtime_name(),
        machine=machine_name(),
    )
    budget = budget_check(model, FLAGS.workdir, FLAGS.rounds)
    summary = report(found, model, FLAGS.out, budget)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    cli.start(main)
