#!/usr/bin/env python3
# expected.py - compare a run's JSON report with a file of expected
# verdicts: "ID VERDICT  # why" lines for every verdict other than PASS
# (and SKIP, with --skip-ok). Any difference, and any ERROR, is printed as
# a FAIL line with the reason and what was received; exit 1 then.
#   expected.py REPORT.json EXPECTED LABEL [--skip-ok]
import json
import sys

report, expected, label = sys.argv[1:4]
quiet = ("PASS", "SKIP") if "--skip-ok" in sys.argv[4:] else ("PASS",)
res = json.load(open(report))["results"]
got = {x["id"]: x["verdict"] for x in res if x["verdict"] not in quiet}
want = {}
for line in open(expected):
    line = line.split("#", 1)[0].strip()
    if line:
        i, v = line.split()[:2]
        want[i] = v
bad = False
other = "/".join(quiet)
for i in sorted(set(got) | set(want)):
    if got.get(i) != want.get(i):
        x = next((r for r in res if r["id"] == i), {})
        print("FAIL: %s %s: got %s, expected %s; %s; got %s" % (label, i,
              got.get(i, other), want.get(i, other), x.get("reason"),
              (x.get("got") or "")[:200]))
        bad = True
errors = [r["id"] for r in res if r["verdict"] == "ERROR"]
if errors:
    print("FAIL: %s: ERROR verdicts: %s" % (label, errors))
    bad = True
if not bad:
    print("%s: %d scenarios, %d non-%s, all as explained" % (label,
          len(res), len(got), other))
sys.exit(1 if bad else 0)
