#!/usr/bin/env bash
# smoke.sh - bench/run --smoke (about 10 s): every comparison runs tiny
# and the table has every row with numbers. No thresholds: CI machines
# differ too much for figures to be judged here (bench/README.md).
set -u
build=$1 src=$2
out=$(mktemp -d /tmp/bench-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
if ! "$src/bench/run" --smoke --build "$build" --out "$out" >"$out/stdout" 2>&1; then
	echo "FAIL: bench/run --smoke failed"; cat "$out/stdout"; tail -40 "$out/bench.log"; exit 1
fi
cat "$out/stdout"
python3 - "$out/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = {x["name"]: x for x in r["rows"]}
want = ["sink.1KiB.s1", "sink.100KiB.s2", "sink.1KiB.s2.conn-per-msg",
        "maildir.1KiB.s2", "suite.all.j1", "suite.all.j2",
        "suite.no-timeout.j2", "suite.timeout.j2", "mem.harness.suite.j2",
        "mem.idle.100"]
bad = 0
# smtpcheck load: its rows once it is built, else the one skip line
if "load.*" in rows:
    if "not built yet" not in rows["load.*"]["note"]:
        print("FAIL: load: %s" % rows["load.*"]["note"]); bad = 1
else:
    want += ["load.1KiB.s1", "load.1KiB.s2.pipelining"]
for name in want:
    x = rows.get(name)
    if x is None:
        print("FAIL: no row %s" % name); bad = 1; continue
    if not isinstance(x["a"], (int, float)) or x["a"] <= 0:
        print("FAIL: %s: no figure (%r)" % (name, x["a"])); bad = 1
    if x["b_what"] and not x["name"].startswith("mem.idle") and (not isinstance(x["b"], (int, float)) or x["b"] <= 0):
        print("FAIL: %s: no figure for %s (%r)" % (name, x["b_what"], x["b"])); bad = 1
extra = [n for n in rows if n not in want and n != "load.*"]
for n in extra:
    print("FAIL: unexpected row %s: %s" % (n, rows[n]["note"])); bad = 1
sys.exit(bad)
PY
