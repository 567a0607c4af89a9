#!/usr/bin/python3
"""Chart of a make bench run: tools/bench-plot.py SUMMARY.json OUT.png

SUMMARY.json is written by scripts/bench/report.py.  One panel per guest
workload; in each, the guest's strict and lazy invalidation side by side,
one bar per configuration that ran (median), whiskers from min to max,
and above the vtm bars their ratio to the intel-iommu of the same kind:
vtm (scalable mode, first stage) to intel-fs, else to intel; vtm-legacy
and vtm-off to intel.  Needs python3-matplotlib
(Debian's; run with /usr/bin/python3).
"""

import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONFIGS = ["none", "intel", "intel-fs", "vtm-off", "vtm", "vtm-legacy"]
LABELS = {"none": "no IOMMU", "intel": "intel-iommu",
          "intel-fs": "intel-iommu scalable first-stage",
          "vtm-off": "vtm timing=off",
          "vtm": "vtm scalable first-stage (timing on)",
          "vtm-legacy": "vtm legacy (timing on)"}
COLORS = {"none": "#9e9e9e", "intel": "#1f77b4", "intel-fs": "#aec7e8",
          "vtm-off": "#ffbb78", "vtm": "#d62728", "vtm-legacy": "#ff9896"}
# The ratio above a bar: the first of these that the run has.
ANNOTATE = {"vtm": ["vtm/intel-fs", "vtm/intel"],
            "vtm-legacy": ["vtm-legacy/intel"],
            "vtm-off": ["vtm-off/intel"]}
MODES = ["strict", "lazy"]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        s = json.load(f)
    guest = s.get("guest", {})
    if not guest:
        sys.stderr.write("bench-plot: no guest results in %s\n" % argv[1])
        return 1
    names = list(guest)
    n = len(names)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 4.6 * rows),
                             squeeze=False)
    ran = [c for c in CONFIGS
           if any(me["configs"].get(c) for e in guest.values()
                  for me in e["modes"].values())]
    width = 0.8 / max(len(ran), 1)
    for i, w in enumerate(names):
        ax = axes[i // cols][i % cols]
        e = guest[w]
        modes = [m for m in MODES if m in e["modes"]]
        top = 0
        for j, c in enumerate(ran):
            off = (j - (len(ran) - 1) / 2) * width
            xs, ys, lo, hi = [], [], [], []
            for k, m in enumerate(modes):
                st = e["modes"][m]["configs"].get(c)
                if not st:
                    continue
                xs.append(k + off)
                ys.append(st["median"])
                lo.append(st["median"] - st["min"])
                hi.append(st["max"] - st["median"])
                top = max(top, st["max"])
            if not xs:
                continue
            ax.bar(xs, ys, width * 0.92, color=COLORS[c], label=LABELS[c],
                   yerr=[lo, hi], capsize=3, ecolor="#333333",
                   error_kw={"linewidth": 1})
            if c in ANNOTATE:
                for k, m in enumerate(modes):
                    me = e["modes"][m]
                    r = next((me[x] for x in ANNOTATE[c]
                              if me.get(x) is not None), None)
                    st = me["configs"].get(c)
                    if r is None or not st:
                        continue
                    ax.annotate("%.2fx" % r,
                                (k + off, st["max"]),
                                xytext=(0, 3), textcoords="offset points",
                                ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(modes)))
        ax.set_xticklabels(["guest %s" % m for m in modes])
        ax.set_ylabel(e["unit"])
        ax.set_ylim(0, top * 1.15 if top else 1)
        ax.set_title("%s (%s)" % (e["title"], e["unit"]), fontsize=11)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    for i in range(n, rows * cols):
        axes[i // cols][i % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 3),
               bbox_to_anchor=(0.5, 0.935), fontsize=9, frameon=False)
    m = s.get("machine", {})
    fig.suptitle("make bench, %s: %s runs per configuration, median, "
                 "whiskers min..max, labels vtm / intel-iommu of its kind\n"
                 "%s, %s CPUs, %s; %s" % (
                     m.get("date", ""), m.get("runs", "?"),
                     m.get("cpu", "?"), m.get("nproc", "?"),
                     m.get("accel", "?").upper(), m.get("qemu", "")),
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.91))
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
