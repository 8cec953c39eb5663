#!/usr/bin/env bash
# serve_basic.sh - `smtpcheck serve` outside the client matrix: without
# --client-cmd it judges whoever connects (here smtpref send, started by
# hand); a client that never connects is a FAIL with its output in the
# report; usage errors exit 2.
set -u
build=$1 src=$2
sc=$build/smtpcheck ref=$build/smtpref
tmp=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$src" || exit 1
fail=0
scn=scenarios/client/tls/client-tls.starttls-used.scn

# 1. no client command: serve waits; the client is started by hand
"$sc" serve --listen 127.0.0.1:0 --cert fixtures/tls/server.pem \
	--key fixtures/tls/server.key --report json:"$tmp/r.json" -q "$scn" \
	>"$tmp/out" 2>"$tmp/err" &
spid=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/err" && break; sleep 0.05; done
addr=$(sed -n 's/.*listening on //p' "$tmp/err")
[ -n "$addr" ] || { echo "FAIL: serve printed no address"; cat "$tmp/err"; exit 1; }
"$ref" send --server "$addr" --from a@client.test --to b@fs.test \
	fixtures/msg-small.eml >"$tmp/send.out" 2>&1
src_rc=$?
wait "$spid"; rc=$?; spid=
[ $src_rc -eq 0 ] || { echo "FAIL: smtpref send exited $src_rc"; cat "$tmp/send.out"; fail=1; }
[ $rc -eq 0 ] || { echo "FAIL: serve exited $rc"; cat "$tmp/out" "$tmp/err"; fail=1; }
grep -q '"verdict": "PASS"' "$tmp/r.json" || { echo "FAIL: no PASS in the report"; fail=1; }

# 2. a client command that never connects: FAIL, its output kept
"$sc" serve --listen 127.0.0.1:0 --timeout-scale 0.2 --client-cmd \
	'echo cannot reach {host}:{port}; exit 3' --report json:"$tmp/n.json" \
	-q "$scn" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: a client that never connects: exit $rc, want 1"; fail=1; }
grep -q 'cannot reach 127.0.0.1' "$tmp/n.json" || { echo "FAIL: the client's output is not in the report"; fail=1; }
grep -q 'exited without connecting' "$tmp/n.json" || { echo "FAIL: no reason for the FAIL"; fail=1; }

# 3. usage errors: exit 2, one line
"$sc" serve "$scn" >/dev/null 2>"$tmp/e1"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--listen" "$tmp/e1" || { echo "FAIL: no --listen: exit $rc"; fail=1; }
"$sc" serve --listen nowhere "$scn" >/dev/null 2>"$tmp/e2"; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: bad --listen: exit $rc"; fail=1; }
"$sc" serve --listen 127.0.0.1:0 scenarios/core/greeting >/dev/null 2>"$tmp/e3"; rc=$?
[ $rc -eq 2 ] && grep -q "no server-role scenario" "$tmp/e3" || { echo "FAIL: client scenarios to serve: exit $rc"; fail=1; }
"$sc" serve --listen 127.0.0.1:0 --cert /nonexistent.pem "$scn" >/dev/null 2>"$tmp/e4"; rc=$?
[ $rc -eq 2 ] && grep -q "nonexistent" "$tmp/e4" || { echo "FAIL: bad --cert: exit $rc"; cat "$tmp/e4"; fail=1; }
"$sc" serve --listen 127.0.0.1:0 --client-cmd 'true {nosuch}' -q --report json:"$tmp/p.json" \
	"$scn" >/dev/null 2>&1; rc=$?
[ $rc -eq 4 ] && grep -q 'needs {nosuch}' "$tmp/p.json" || { echo "FAIL: unknown placeholder: exit $rc"; fail=1; }

# a client command that does not exist, and a port in use: exit 2
"$sc" serve --listen 127.0.0.1:0 --client-cmd 'no-such-mailer-x9 {host}' "$scn" \
	>/dev/null 2>"$tmp/e5"; rc=$?
[ $rc -eq 2 ] && grep -q "no-such-mailer-x9: command not found" "$tmp/e5" ||
	{ echo "FAIL: missing client command: exit $rc"; cat "$tmp/e5"; fail=1; }
python3 -c 'import socket,sys,time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(5)' >"$tmp/busy" &
for _ in $(seq 50); do [ -s "$tmp/busy" ] && break; sleep 0.1; done
"$sc" serve --listen "127.0.0.1:$(cat "$tmp/busy")" "$scn" >/dev/null 2>"$tmp/e6"; rc=$?
[ $rc -eq 2 ] && grep -q "in use" "$tmp/e6" || { echo "FAIL: port in use: exit $rc"; cat "$tmp/e6"; fail=1; }
# a bad scenario file
printf 'id x\nrole server\naccept\nexpect nonsense\n' >"$tmp/x.scn"
"$sc" serve --listen 127.0.0.1:0 "$tmp/x.scn" >/dev/null 2>"$tmp/e7"; rc=$?
[ $rc -eq 2 ] && grep -q "x.scn:" "$tmp/e7" || { echo "FAIL: bad scenario: exit $rc"; cat "$tmp/e7"; fail=1; }

[ $fail -eq 0 ] && echo "serve_basic: ok"
exit $fail
