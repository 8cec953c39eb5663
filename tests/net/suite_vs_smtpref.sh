#!/usr/bin/env bash
# suite_vs_smtpref.sh - the whole suite against the reference engine on a
# free loopback port: no FAIL, no WARN, no ERROR; the reports are written
# and valid (JUnit against the schema, JSON parses, TAP has its plan);
# --shard slices add up to the whole; exit 3 on an unreachable target.
# smtpref has its test certificate and AUTH account, so the TLS and AUTH
# scenarios run; then the suite runs again over implicit TLS (RFC 8314)
# and with --tls none, where nothing may fail either. The waits are at
# --timeout-scale 0.05 (the 5-minute idle checks take 15 s).
set -u
build=$1 src=$2
. "$src/tests/lib/smtpref.sh"
mapfile -t reftls < <(ref_tls_args "$src")
mapfile -t sctls < <(sc_tls_args "$src")
sc=$build/smtpcheck
ref=$build/smtpref
tmp=$(mktemp -d)
pid= ipid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$ipid" ] && kill "$ipid" 2>/dev/null
	wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
fail=0

"$ref" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --maildir "$tmp/md" \
	"${reftls[@]}" 2>"$tmp/ref.log" &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "FAIL: smtpref did not start"; cat "$tmp/ref.log"; exit 1; }
port=$(cat "$tmp/port")
cd "$src" || exit 1

"$sc" run --target "127.0.0.1:$port" --suite all --jobs 8 -q "${sctls[@]}" --timeout-scale 0.05 \
	--report junit:"$tmp/j.xml" --report json:"$tmp/r.json" \
	--report tap:"$tmp/r.tap" --report text:"$tmp/s.txt" >"$tmp/out.txt" 2>&1
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: run exited $rc"; cat "$tmp/out.txt"; fail=1; fi
# clean: no FAIL/WARN/ERROR; at least MIN scenarios; the TLS and AUTH
# ones ran (not SKIPped) when TLS=1, SKIPped when TLS=0 (apart from those
# that only look at the EHLO reply in clear)
check_clean() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
minimum, tls = int(sys.argv[2]), sys.argv[3]
res = r["results"]
bad = [x for x in res if x["verdict"] in ("FAIL", "WARN", "ERROR")]
for x in bad:
    print("FAIL: %s %s: %s (step %s)" % (x["verdict"], x["id"], x.get("reason"), x.get("step")))
if len(res) < minimum:
    print("FAIL: only %d scenarios ran" % len(res)); sys.exit(1)
tlsy = [x for x in res if x["id"].split(".")[0] in ("tls", "auth", "deploy")]
ran = [x for x in tlsy if x["verdict"] != "SKIP"]
if tls == "1" and len(ran) < 25:
    print("FAIL: only %d TLS/AUTH scenarios ran" % len(ran)); sys.exit(1)
skipped = [x for x in tlsy if x["verdict"] == "SKIP"]
if tls == "0" and len(skipped) < 25:
    print("FAIL: only %d TLS/AUTH scenarios SKIPped under --tls none" % len(skipped)); sys.exit(1)
sys.exit(1 if bad else 0)
PY
}
check_clean "$tmp/r.json" 80 1 || fail=1
grep -q '"tls_peer": "TLSv1\.[23] ' "$tmp/r.json" || { echo "FAIL: no TLS facts in the JSON report"; fail=1; }
xsd=$src/tests/golden/junit-10.xsd
[ -f "$xsd" ] || xsd=$src/../shared/schemas/junit-10.xsd
xmllint --noout --schema "$xsd" "$tmp/j.xml" 2>"$tmp/xl" || { echo "FAIL: JUnit invalid"; head "$tmp/xl"; fail=1; }
grep -q '^TAP version 13' "$tmp/r.tap" && grep -q '^1\.\.[0-9]' "$tmp/r.tap" || { echo "FAIL: TAP"; fail=1; }

# shards: 1/3 + 2/3 + 3/3 = the whole selection, no overlap
all=$(python3 -c 'import json,sys; print("\n".join(sorted(x["id"] for x in json.load(open(sys.argv[1]))["results"])))' "$tmp/r.json")
for k in 1 2 3; do
	"$sc" run --target "127.0.0.1:$port" --suite all --shard $k/3 --jobs 8 -q \
		--timeout-scale 0.05 "${sctls[@]}" --report json:"$tmp/s$k.json" >/dev/null 2>&1
done
parts=$(python3 -c '
import json,sys
ids=[]
for f in sys.argv[1:]: ids += [x["id"] for x in json.load(open(f))["results"]]
print("\n".join(sorted(ids)))' "$tmp/s1.json" "$tmp/s2.json" "$tmp/s3.json")
[ "$all" = "$parts" ] || { echo "FAIL: shards do not add up to the whole"; fail=1; }

# --tls none: the TLS scenarios SKIP, nothing else changes
"$sc" run --target "127.0.0.1:$port" --suite all --jobs 8 -q --tls none \
	--timeout-scale 0.05 \
	--report json:"$tmp/none.json" >"$tmp/out.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: --tls none exited $rc"; cat "$tmp/out.txt"; fail=1; }
check_clean "$tmp/none.json" 80 0 || fail=1

# implicit TLS (RFC 8314): a second smtpref that starts TLS at once
"$ref" serve --listen 127.0.0.1:0 --port-file "$tmp/iport" --implicit-tls \
	"${reftls[@]}" 2>"$tmp/iref.log" &
ipid=$!
for _ in $(seq 200); do [ -s "$tmp/iport" ] && break; sleep 0.05; done
iport=$(cat "$tmp/iport" 2>/dev/null)
if [ -z "$iport" ]; then
	echo "FAIL: implicit-TLS smtpref did not start"; cat "$tmp/iref.log"; fail=1
else
	"$sc" run --target "127.0.0.1:$iport" --suite all --jobs 8 -q --tls implicit \
		--timeout-scale 0.05 \
		"${sctls[@]}" --report json:"$tmp/imp.json" >"$tmp/out.txt" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { echo "FAIL: --tls implicit exited $rc"; cat "$tmp/out.txt"; fail=1; }
	check_clean "$tmp/imp.json" 80 2 || fail=1
	python3 - "$tmp/imp.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
auth = [x for x in r["results"] if x["id"].startswith("auth.") and x["verdict"] != "SKIP"]
if len(auth) < 5:
    print("FAIL: only %d AUTH scenarios ran over implicit TLS" % len(auth)); sys.exit(1)
PY
	# and a plain-text client gets no SMTP from it
	"$sc" run --target "127.0.0.1:$iport" --tls none -q --timeout-scale 0.05 \
		"$src/scenarios/core/greeting" >"$tmp/out.txt" 2>&1
	rc=$?
	[ $rc -eq 1 ] || [ $rc -eq 3 ] || { echo "FAIL: clear text to implicit TLS exited $rc"; fail=1; }
fi
kill "$ipid" 2>/dev/null; wait "$ipid" 2>/dev/null; ipid=

# unreachable: the port of a server we just stopped
kill "$pid"; wait "$pid" 2>/dev/null; pid=
"$sc" run --target "127.0.0.1:$port" --suite all -q >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || { echo "FAIL: unreachable target exit $rc, want 3"; cat "$tmp/err"; fail=1; }

[ $fail -eq 0 ] && echo "suite_vs_smtpref: $(grep -c . <<<"$all") scenarios, no FAIL/WARN/ERROR; reports valid"
exit $fail
