#!/usr/bin/env bash
# client_matrix.sh - the client-side kill matrix, with `smtpcheck serve`
# playing the server-role scenarios (scenarios/client) to the reference
# client `smtpref send`: without faults every scenario PASSes; under each
# client fault profile (`smtpref send --fault list`) the scenarios run
# again; every scenario must be killed (FAIL; WARN for a SHOULD scenario)
# by some profile, and every profile must be caught. The waits run at
# --timeout-scale 0.02 (290 s become 5.8 s); smtpref send keeps its real
# RFC 5321 4.5.3.2 timeouts, so it must outwait them.
set -u
build=$1 src=$2
sc=$build/smtpcheck ref=$build/smtpref
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 1
fail=0

cmd="$ref send --server {host}:{port} --from {sender} --to {rcpt} --tls {tls} --ca {ca} --auth-user {user} --auth-password {password}"
serve() {	# serve OUT.json [smtpref send flags...]
	local out=$1
	shift
	"$sc" serve --listen 127.0.0.1:0 -q --timeout-scale 0.02 \
		--cert fixtures/tls/server.pem --key fixtures/tls/server.key \
		--var tls=opportunistic --var ca="$src/fixtures/tls/ca.pem" \
		--client-cmd "$cmd $* {message}" --suite client \
		--report json:"$out" >"$out.txt" 2>&1
}

serve "$tmp/base.json"
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: baseline against smtpref send exited $rc"; cat "$tmp/base.json.txt"; fail=1
fi
"$ref" send --fault list >"$tmp/faults" 2>&1 || { echo "FAIL: smtpref send --fault list"; cat "$tmp/faults"; exit 1; }
cut -f1 "$tmp/faults" >"$tmp/names"
[ "$(wc -l <"$tmp/names")" -ge 12 ] || { echo "FAIL: fewer than 12 client faults"; fail=1; }
# four faults at once: each serve has its own port, and mostly waits
running=0
while read -r f; do
	serve "$tmp/f-$f.json" --fault "$f" &
	running=$((running + 1))
	if [ $running -ge 4 ]; then wait -n; running=$((running - 1)); fi
done <"$tmp/names"
wait

python3 - "$tmp" <<'PY' || fail=1
import json, os, sys
d = sys.argv[1]
base = json.load(open(os.path.join(d, "base.json")))["results"]
bad = [r for r in base if r["verdict"] not in ("PASS", "INFO")]
for r in bad:
    print("FAIL: baseline %s %s: %s" % (r["verdict"], r["id"], r.get("reason")))
faults = [l.strip() for l in open(os.path.join(d, "names")) if l.strip()]
level = {r["id"]: r["level"] for r in base}
killed = {r["id"]: [] for r in base}
caught = {}
for f in faults:
    res = json.load(open(os.path.join(d, "f-%s.json" % f)))["results"]
    caught[f] = []
    for r in res:
        v = r["verdict"]
        if v == "FAIL" or (v == "WARN" and level[r["id"]] == "SHOULD"):
            killed[r["id"]].append(f)
        if v in ("FAIL", "WARN"):
            caught[f].append(r["id"])
alive = [i for i, k in killed.items() if not k]
for i in alive:
    print("FAIL: scenario %s is killed by no client fault" % i)
must = faults
uncaught = [f for f in must if not caught[f]]
for f in uncaught:
    print("FAIL: client fault %s is caught by no scenario" % f)
for f in faults:
    print("  %-28s %s" % (f, ", ".join(caught[f]) or "(NOT CAUGHT)"))
print("client matrix: %d scenarios x %d client faults" % (len(base), len(faults)))
sys.exit(1 if bad or alive or uncaught else 0)
PY
exit $fail
