#!/usr/bin/env python3
"""Derives vtm-replay --fit datasets from pcie-bench's published data.

Usage: scripts/pcie-bench-csv.py PCIE_BENCH_DATA [OUTDIR]

PCIE_BENCH_DATA is a clone of https://github.com/pcie-bench/data (a work
tree or its .git directory).  Writes one CSV per host with the IOMMU on
and super pages off (4 KiB pages, directories ending in -iommu-nosp):
the "Cold" rows of lat_dma_sweep_rd_rnd_64.csv (median and mean latency
of one 64-byte DMA read at a time at random addresses within a window,
outstanding 1) and of bw_dma_win_sweep_rd_rnd_64.csv (the throughput of
the NFP-6000's DMA engines doing the same with many in flight,
outstanding left empty: the device's window is a fitted parameter).
For Broadwell also the 128, 256 and 512-byte bandwidth sweeps, in a file
of their own (never fitted: out-of-sample checks).
"""
import csv
import io
import os
import subprocess
import sys

HOSTS = {
    "bdw-e5-2630v4": "nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0"
                     "-iommu-nosp",
    "hsw-e5-2620v3": "nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630-iommu-nosp",
    "ib-e5-2620v2": "nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s0-s0"
                    "-iommu-nosp",
}
HEADER = "window,size,outstanding,latency_ns,latency_mean_ns,mtps\n"


def reader(repo):
    gitdir = repo if os.path.exists(os.path.join(repo, "HEAD")) and \
        os.path.isdir(os.path.join(repo, "objects")) else \
        os.path.join(repo, ".git")
    commit = subprocess.run(["git", "--git-dir", gitdir, "rev-parse",
                             "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()

    def read(path):
        return subprocess.run(["git", "--git-dir", gitdir, "show",
                               "HEAD:" + path], capture_output=True,
                              text=True, check=True).stdout
    return commit, read


def cold_rows(text):
    return [r for r in csv.DictReader(io.StringIO(text))
            if r["Cache"] == "Cold"]


def lat_lines(read, d):
    out = []
    for r in cold_rows(read(d + "/lat_dma_sweep_rd_rnd_64.csv")):
        out.append("%d,%d,1,%s,%s,\n" % (float(r["WinSZ"]), int(r["SZ"]),
                                         r["Med(ns)"], r["Avg(ns)"]))
    return out


def bw_lines(read, d, size):
    out = []
    for r in cold_rows(read(d + "/bw_dma_win_sweep_rd_rnd_%d.csv" % size)):
        out.append("%d,%d,,,,%.4f\n" % (float(r["WinSZ"]), int(r["SZ"]),
                                        float(r["Trans/s"]) / 1e6))
    return out


def write(path, head, lines):
    with open(path, "w") as f:
        f.write(head + HEADER + "".join(lines))
    print(path, len(lines), "points")


def main():
    repo = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else "tests/data/pcie-bench"
    commit, read = reader(repo)
    for name, d in sorted(HOSTS.items()):
        head = ("# pcie-bench (Neugebauer et al., SIGCOMM 2018): "
                "github.com/pcie-bench/data\n# commit %s, directory %s,\n"
                "# lat_dma_sweep_rd_rnd_64.csv and bw_dma_win_sweep_rd_rnd_"
                "64.csv, \"Cold\" rows; Apache License 2.0\n"
                "# written by scripts/pcie-bench-csv.py\n" % (commit, d))
        write(os.path.join(outdir, name + ".csv"), head,
              lat_lines(read, d) + bw_lines(read, d, 64))
        if name.startswith("bdw"):
            head = head.replace("lat_dma_sweep_rd_rnd_64.csv and bw_dma_win"
                                "_sweep_rd_rnd_64.csv",
                                "bw_dma_win_sweep_rd_rnd_{128,256,512}.csv")
            write(os.path.join(outdir, name + "-sizes.csv"), head,
                  sum((bw_lines(read, d, s) for s in (128, 256, 512)), []))


if __name__ == "__main__":
    main()
