#!/usr/bin/env bash
# matrix.sh - proof that no scenario is vacuous: for every scenario,
# tests/faults/matrix.txt names an smtpref fault under which it must not
# PASS, and the verdict it must get. Each fault's scenarios run against an
# smtpref started with that fault. A scenario with no fault ('none') must
# SKIP against smtpref (not applicable there, e.g. EXPN not offered).
# Every scenario of the suite must be in the matrix.
set -u
build=$1 src=$2
sc=$build/smtpcheck ref=$build/smtpref
matrix=$src/tests/faults/matrix.txt
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$src" || exit 1
fail=0

# every scenario is in the matrix
"$sc" list --suite all | awk 'NR%2==1{print $1}' | sort >"$tmp/ids"
grep -v '^#' "$matrix" | awk '{print $1}' | sort >"$tmp/mids"
missing=$(comm -23 "$tmp/ids" "$tmp/mids")
if [ -n "$missing" ]; then
	echo "FAIL: scenarios not in $matrix (run ci/gen-fault-matrix.sh):"
	echo "$missing"; fail=1
fi

start_ref() {	# start_ref [--fault F]
	rm -f "$tmp/port"
	"$ref" serve --listen 127.0.0.1:0 --port-file "$tmp/port" "$@" 2>/dev/null &
	pid=$!
	for _ in $(seq 200); do [ -s "$tmp/port" ] && return 0; sleep 0.05; done
	echo "FAIL: smtpref $* did not start"; return 1
}

checked=0
for f in $(grep -v '^#' "$matrix" | awk '{print $2}' | sort -u); do
	ids=$(grep -v '^#' "$matrix" | awk -v f="$f" '$2==f{print $1}')
	if [ "$f" = none ]; then start_ref || { fail=1; continue; }
	else start_ref --fault "$f" || { fail=1; continue; }; fi
	args=()
	for i in $ids; do args+=(--id "$i"); done
	"$sc" run --target "127.0.0.1:$(cat "$tmp/port")" --suite all --jobs 4 \
		--timeout-scale 0.5 -q "${args[@]}" --report json:"$tmp/r.json" >/dev/null 2>&1
	kill "$pid"; wait "$pid" 2>/dev/null; pid=
	python3 - "$tmp/r.json" "$matrix" "$f" <<'PY' || fail=1
import json, sys
res = {x["id"]: x for x in json.load(open(sys.argv[1]))["results"]}
want = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip():
        continue
    i, f, v = line.split()[:3]
    if f == sys.argv[3]:
        want[i] = v
bad = 0
for i, v in sorted(want.items()):
    got = res.get(i, {}).get("verdict", "missing")
    if got != v:
        print("FAIL: %s under fault %s: %s, want %s (%s)" % (
            i, sys.argv[3], got, v, res.get(i, {}).get("reason")))
        bad = 1
sys.exit(bad)
PY
	checked=$((checked + $(echo "$ids" | wc -w)))
done
[ $fail -eq 0 ] && echo "fault matrix: $checked scenarios each fail under their fault"
exit $fail
