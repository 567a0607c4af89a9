#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare a guest's perf counts of the dmar0 PMU with vtm's host stats.

Runs beside a guest (scripts/guest/run.sh starts it for scenarios that
declare "# vtm-host-check: perfmon").  It follows the guest's result
channel (a file QEMU writes the guest's ttyS1 to) and, each time the guest
prints "VTM-PERF-MARK: NAME", reads vtm-iommu's "stats" property over QMP.
The guest stays idle for a few seconds after each mark, so the two reads
frame its `perf stat` run.  When the guest printed VTM-DONE, the counts
it reported ("VTM-PERF-COUNT: EVENT VALUE", from perf stat) are compared
with the host's deltas between the marks "begin" and "end":

  iommu_requests  unit/translations         exact
  iotlb_lookup    unit/iotlb/lookups        exact
  iotlb_hit       unit/iotlb/hits           exact
  pw_occupancy    unit/walk-cycles          exact
  nvme_requests   requesters[BDF]/translations  exact (the guest's
                  requester-id filter; BDF from "VTM-PERF-BDF: BDF")
  iommu_clocks    clock-cycles              0 < guest <= host delta: the
                                            modelled clock runs with
                                            virtual time, and perf's
                                            window lies inside the marks'

Counts must also be non-zero.  Exit status 0 when everything matched.
"""

import argparse
import json
import socket
import sys
import time

EXACT = {
    "iommu_requests": ("unit", "translations"),
    "iotlb_lookup": ("unit", "iotlb", "lookups"),
    "iotlb_hit": ("unit", "iotlb", "hits"),
    "pw_occupancy": ("unit", "walk-cycles"),
}
# per requester: the BDF the guest names
PER_RID = {
    "nvme_requests": "translations",
}
WITHIN = {
    "iommu_clocks": ("clock-cycles",),
}


class QMP:
    def __init__(self, path, timeout):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise SystemExit("perf-marks: no QMP at %s" % path)
                time.sleep(0.2)
        self.file = self.sock.makefile("rw", encoding="utf-8")
        self._read()
        self.command("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}))
        self.file.write("\n")
        self.file.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError("%s: %s" % (name, reply["error"]["desc"]))
        return reply["return"]


def find_device(qmp):
    for parent in ("/machine/peripheral", "/machine/peripheral-anon"):
        try:
            children = qmp.command("qom-list", path=parent)
        except RuntimeError:
            continue
        for child in children:
            if child["type"] == "child<vtm-iommu>":
                return parent + "/" + child["name"]
    raise SystemExit("perf-marks: no vtm-iommu device found")


def at(d, keys):
    if keys[0] == "requester":
        # ("requester", BDF, key): that requester's entry in the list
        for r in d["requesters"]:
            if r.get("bdf") == keys[1]:
                return r[keys[2]]
        raise KeyError(keys[1])
    for k in keys:
        d = d[k]
    return d


def follow(results, qmp, path, timeout):
    """Reads the result channel until VTM-DONE; the stats at each mark."""
    marks, counts = {}, {}
    deadline = time.time() + timeout
    pos, buf = 0, ""
    while time.time() < deadline:
        try:
            with open(results, encoding="utf-8", errors="replace") as f:
                f.seek(pos)
                chunk = f.read()
                pos = f.tell()
        except FileNotFoundError:
            chunk = ""
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            line = line.strip("\r")
            if line.startswith("VTM-PERF-MARK: "):
                name = line.split()[1]
                marks[name] = qmp.command("qom-get", path=path,
                                          property="stats")
                print("perf-marks: host stats at mark %s" % name)
            elif line.startswith("VTM-PERF-BDF: "):
                counts["bdf"] = line.split()[1]
            elif line.startswith("VTM-PERF-COUNT: "):
                f = line.split()
                counts[f[1]] = int(f[2]) if f[2].isdigit() else None
            elif line.startswith("VTM-DONE"):
                return marks, counts
        time.sleep(0.05)
    raise SystemExit("perf-marks: no VTM-DONE within %d s" % timeout)


def compare(marks, counts):
    if "begin" not in marks or "end" not in marks:
        print("perf-marks: FAIL the guest printed no begin/end marks")
        return False
    good = True
    rules = list(EXACT.items()) + list(WITHIN.items())
    for ev, key in PER_RID.items():
        rules.append((ev, ("requester", counts.get("bdf"), key)))
    for ev, keys in rules:
        try:
            host = at(marks["end"], keys) - at(marks["begin"], keys)
        except (KeyError, TypeError):
            print("perf-marks: FAIL %s: no host statistic %s" % (ev, keys))
            good = False
            continue
        guest = counts.get(ev)
        if guest is None:
            print("perf-marks: FAIL %s: no guest count" % ev)
            good = False
            continue
        if ev not in WITHIN:
            ok = guest == host and guest > 0
            rule = "exact"
        else:
            ok = 0 < guest <= host
            rule = "0 < guest <= host"
        print("perf-marks: %s %-15s guest %12d  host delta %12d  (%s)" %
              ("ok  " if ok else "FAIL", ev, guest, host, rule))
        good = good and ok
    return good


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("socket", help="QMP unix socket of the QEMU process")
    ap.add_argument("results", help="the file QEMU writes ttyS1 to")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", metavar="FILE",
                    help="write the marks' stats and the guest's counts")
    args = ap.parse_args()

    qmp = QMP(args.socket, args.timeout)
    path = find_device(qmp)
    try:
        marks, counts = follow(args.results, qmp, path, args.timeout)
    except ConnectionError:
        raise SystemExit("perf-marks: QEMU went away before VTM-DONE")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"marks": marks, "guest": counts}, f, indent=1)
    sys.exit(0 if compare(marks, counts) else 1)


if __name__ == "__main__":
    main()
