#!/usr/bin/python3
"""Plots and table of make fidelity: tools/fidelity-plot.py DIR DOCS

DIR holds what scripts/fidelity.sh wrote: for each preset P, P.csv
(vtm-replay --check --fit-csv: the published points and the model's
values, with which columns were fitted) and P-sizes.csv when there is
one.  Writes DOCS/fidelity-latency.png, DOCS/fidelity-bandwidth.png and
DIR/fidelity.md (the tables docs/performance.md embeds).  Needs
python3-matplotlib (Debian's; run with /usr/bin/python3).
"""

import csv
import math
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PRESETS = [("bdw", "Broadwell E5-2630v4"), ("hsw", "Haswell E5-2620v3"),
           ("ib", "Ivy Bridge E5-2620v2")]


def num(s):
    try:
        v = float(s)
    except ValueError:
        return math.nan
    return v


def load(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [{k: num(v) for k, v in r.items()} for r in csv.DictReader(f)]


def size_label(w):
    for unit, div in (("M", 1 << 20), ("K", 1 << 10)):
        if w >= div:
            v = w / div
            return ("%g" % v) + unit
    return "%d" % w


def observations(rows):
    """(window, size, what, measured, model, fitted) of each value"""
    out = []
    for r in rows:
        for what, meas, model, fit in (
                ("median latency (ns)", "latency_ns", "model_latency_ns",
                 "latency_fitted"),
                ("mean latency (ns)", "latency_mean_ns",
                 "model_latency_mean_ns", "latency_fitted"),
                ("M req/s", "mtps", "model_mtps", "bandwidth_fitted")):
            if not math.isnan(r[meas]) and r[meas] > 0:
                out.append((r["window"], r["size"], what, r[meas], r[model],
                            bool(r[fit])))
    return out


def plot_latency(data, path):
    fig, axes = plt.subplots(1, len(PRESETS), figsize=(5.2 * len(PRESETS),
                                                       4.2), sharey=True)
    for ax, (p, name) in zip(axes, PRESETS):
        rows = [r for r in data.get(p, []) if r["outstanding"] == 1]
        w = [r["window"] for r in rows]
        for col, model, label, mark in (
                ("latency_ns", "model_latency_ns", "median", "o"),
                ("latency_mean_ns", "model_latency_mean_ns", "mean", "s")):
            line = ax.plot(w, [r[model] for r in rows], "-",
                           label="model " + label)
            ax.plot(w, [r[col] for r in rows], mark, mfc="none",
                    color=line[0].get_color(),
                    label="pcie-bench " + label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(w[::2])
        ax.set_xticklabels([size_label(x) for x in w[::2]], fontsize=8)
        ax.set_title("%s (%s): latency fitted" % (name, p), fontsize=9)
        ax.set_xlabel("window (random 64 B reads, 4 KiB pages)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("DMA read latency, ns")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def plot_bandwidth(data, sizes, path):
    fig, axes = plt.subplots(1, len(PRESETS) + 1,
                             figsize=(4.6 * (len(PRESETS) + 1), 4.2))
    for ax, (p, name) in zip(axes, PRESETS):
        rows = [r for r in data.get(p, []) if r["outstanding"] == 0]
        fitted = rows and rows[0]["bandwidth_fitted"]
        draw_bw(ax, rows, "64 B")
        ax.set_title("%s (%s): %s" % (name, p, "fitted" if fitted
                                      else "predicted"), fontsize=9)
    draw_sizes(axes[-1], sizes)
    axes[0].set_ylabel("M DMA reads per second (30 in flight)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def draw_bw(ax, rows, label):
    w = [r["window"] for r in rows]
    line = ax.plot(w, [r["model_mtps"] for r in rows], "-",
                   label="model " + label)
    ax.plot(w, [r["mtps"] for r in rows], "o", mfc="none",
            color=line[0].get_color(), label="pcie-bench " + label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(w[::2])
    ax.set_xticklabels([size_label(x) for x in w[::2]], fontsize=8)
    ax.set_xlabel("window")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def draw_sizes(ax, rows):
    for size in sorted({r["size"] for r in rows}):
        draw_bw(ax, [r for r in rows if r["size"] == size],
                "%d B" % size)
    ax.set_title("bdw, 128-512 B reads: predicted", fontsize=9)


def table(data, sizes):
    out = ["| preset | fitted to | in-sample: values, RMS, largest | "
           "predicted: values, RMS, largest |", "| --- | --- | --- | --- |"]
    detail = ["| preset | window | size | value | published | model | "
              "error | |", "| --- | ---: | ---: | --- | ---: | ---: | ---: "
              "| --- |"]
    for p, name in PRESETS + [("bdw-sizes", "")]:
        rows = sizes if p == "bdw-sizes" else data.get(p, [])
        obs = observations(rows)
        errs = {True: [], False: []}
        for w, s, what, meas, model, fit in obs:
            e = (model - meas) / meas
            errs[fit].append(e)
            detail.append("| %s | %s | %d | %s | %.1f | %.1f | %+.1f%% | "
                          "%s |" % (p, size_label(w), s, what, meas, model,
                                    100 * e, "fitted" if fit
                                    else "predicted"))
        fitted = sorted({"latency" if "latency" in o[2] else "bandwidth"
                         for o in obs if o[5]})
        out.append("| %s | %s | %s | %s |" % (
            p, ", ".join(fitted)
            or "-", stat(errs[True]), stat(errs[False])))
    return out, detail


def stat(errs):
    if not errs:
        return "-"
    rms = math.sqrt(sum(e * e for e in errs) / len(errs))
    worst = max(errs, key=abs)
    return "%d, %.1f%%, %+.1f%%" % (len(errs), 100 * rms, 100 * worst)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    d, docs = argv[1], argv[2]
    data = {p: load(os.path.join(d, p + ".csv")) for p, _ in PRESETS}
    sizes = load(os.path.join(d, "bdw-sizes.csv"))
    plot_latency(data, os.path.join(docs, "fidelity-latency.png"))
    plot_bandwidth(data, sizes, os.path.join(docs, "fidelity-bandwidth.png"))
    summary, detail = table(data, sizes)
    with open(os.path.join(d, "fidelity.md"), "w") as f:
        f.write("\n".join(summary) + "\n\n<details><summary>every point"
                "</summary>\n\n" + "\n".join(detail) + "\n\n</details>\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
