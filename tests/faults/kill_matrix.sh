#!/usr/bin/env bash
# kill_matrix.sh - the proof that no scenario is vacuous (`smtpcheck
# matrix`): the whole suite against smtpref without faults (no FAIL, WARN
# or ERROR), then under every fault profile; every scenario must be killed
# (FAIL; WARN for a SHOULD scenario) under at least one profile and every
# profile must be caught (a FAIL or WARN) by at least one scenario. Also checks that the matrix can fail: with only one
# profile it cannot hold.
set -u
build=$1 src=$2
. "$src/tests/lib/smtpref.sh"
# smtpref gets its test certificate and AUTH account (--ref-arg), so that
# the TLS and AUTH profiles run too; the harness trusts the test CA
refargs=()
while read -r a; do refargs+=(--ref-arg "$a"); done < <(ref_tls_args "$src")
mapfile -t sctls < <(sc_tls_args "$src")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 1
fail=0

"$build/smtpcheck" matrix --smtpref "$build/smtpref" --suite all -q \
	"${refargs[@]}" "${sctls[@]}" --report json:"$tmp/m.json" --report text:"$tmp/m.txt" >"$tmp/out.txt" 2>&1
rc=$?
cp "$tmp/m.txt" "$build/kill-matrix.txt" 2>/dev/null
cp "$tmp/m.json" "$build/kill-matrix.json" 2>/dev/null
if [ $rc -ne 0 ]; then
	echo "FAIL: the kill matrix does not hold (exit $rc)"; cat "$tmp/out.txt"; fail=1
fi
python3 - "$tmp/m.json" <<'PY' || fail=1
import json, sys
m = json.load(open(sys.argv[1]))
ns, np = len(m["scenarios"]), len(m["profiles"])
dead = [s["id"] for s in m["scenarios"] if not s["killed_by"]]
uncaught = [p["name"] for p in m["profiles"] if not p["killed_by"] and not p["warned_by"]]
if m["holds"] != (not dead and not uncaught and not m["baseline"]["not_clean"]
                  and not m["baseline"]["error"]
                  and not any(p["error"] for p in m["profiles"])):
    print("FAIL: 'holds' disagrees with the matrix"); sys.exit(1)
if np < 25:
    print("FAIL: only %d fault profiles" % np); sys.exit(1)
names = {p["name"] for p in m["profiles"]}
for want in ("tls-keeps-buffer", "auth-any-password", "tls-cert-expired"):
    if want not in names:
        print("FAIL: profile %s did not run" % want); sys.exit(1)
print("kill matrix: %d scenarios x %d profiles" % (ns, np))
PY
grep -q '^the matrix HOLDS' "$tmp/m.txt" || { echo "FAIL: text report"; fail=1; }

# a matrix of one profile cannot hold: the check can fail
"$build/smtpcheck" matrix --smtpref "$build/smtpref" --suite all -q \
	--fault help-502 >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: a one-profile matrix exited $rc, want 1"; fail=1; }
"$build/smtpcheck" matrix --smtpref "$build/smtpref" --suite all -q \
	--fault no-such-fault >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: an unknown profile exited $rc, want 2"; fail=1; }
exit $fail
