#!/usr/bin/env bash
# suite_vs_smtpref.sh - the whole suite against the reference engine on a
# free loopback port: no FAIL, no WARN, no ERROR; the reports are written
# and valid (JUnit against the schema, JSON parses, TAP has its plan);
# --shard slices add up to the whole; exit 3 on an unreachable target.
set -u
build=$1 src=$2
sc=$build/smtpcheck
ref=$build/smtpref
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0

"$ref" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --maildir "$tmp/md" 2>"$tmp/ref.log" &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "FAIL: smtpref did not start"; cat "$tmp/ref.log"; exit 1; }
port=$(cat "$tmp/port")
cd "$src" || exit 1

"$sc" run --target "127.0.0.1:$port" --suite all --jobs 8 -q \
	--report junit:"$tmp/j.xml" --report json:"$tmp/r.json" \
	--report tap:"$tmp/r.tap" --report text:"$tmp/s.txt" >"$tmp/out.txt" 2>&1
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: run exited $rc"; cat "$tmp/out.txt"; fail=1; fi
python3 - "$tmp/r.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
res = r["results"]
bad = [x for x in res if x["verdict"] in ("FAIL", "WARN", "ERROR")]
for x in bad:
    print("FAIL: %s %s: %s (step %s)" % (x["verdict"], x["id"], x.get("reason"), x.get("step")))
if len(res) < 80:
    print("FAIL: only %d scenarios ran" % len(res)); sys.exit(1)
sys.exit(1 if bad else 0)
PY
xsd=$src/tests/golden/junit-10.xsd
[ -f "$xsd" ] || xsd=$src/../shared/schemas/junit-10.xsd
xmllint --noout --schema "$xsd" "$tmp/j.xml" 2>"$tmp/xl" || { echo "FAIL: JUnit invalid"; head "$tmp/xl"; fail=1; }
grep -q '^TAP version 13' "$tmp/r.tap" && grep -q '^1\.\.[0-9]' "$tmp/r.tap" || { echo "FAIL: TAP"; fail=1; }

# shards: 1/3 + 2/3 + 3/3 = the whole selection, no overlap
all=$(python3 -c 'import json,sys; print("\n".join(sorted(x["id"] for x in json.load(open(sys.argv[1]))["results"])))' "$tmp/r.json")
for k in 1 2 3; do
	"$sc" run --target "127.0.0.1:$port" --suite all --shard $k/3 --jobs 8 -q --report json:"$tmp/s$k.json" >/dev/null 2>&1
done
parts=$(python3 -c '
import json,sys
ids=[]
for f in sys.argv[1:]: ids += [x["id"] for x in json.load(open(f))["results"]]
print("\n".join(sorted(ids)))' "$tmp/s1.json" "$tmp/s2.json" "$tmp/s3.json")
[ "$all" = "$parts" ] || { echo "FAIL: shards do not add up to the whole"; fail=1; }

# unreachable: the port of a server we just stopped
kill "$pid"; wait "$pid" 2>/dev/null; pid=
"$sc" run --target "127.0.0.1:$port" --suite all -q >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || { echo "FAIL: unreachable target exit $rc, want 3"; cat "$tmp/err"; fail=1; }

[ $fail -eq 0 ] && echo "suite_vs_smtpref: $(grep -c . <<<"$all") scenarios, no FAIL/WARN/ERROR; reports valid"
exit $fail
