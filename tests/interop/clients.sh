#!/usr/bin/env bash
# clients.sh - the client-side suite (scenarios/client) played by
# smtpcheck serve to real SMTP clients from Debian's packages: curl,
# swaks and Python's smtplib, each through a small wrapper in clients/
# that maps the harness's arguments to the client's options. Every
# verdict other than PASS must be listed, with its reason, in
# clients-NAME.expected; anything else fails the test.
set -u
build=$1 src=$2
sc=$build/smtpcheck
here=$src/tests/interop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 1
fail=0
for tool in curl swaks python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool is not installed (ci/install-deps.sh installs it)"; exit 1; }
done

for client in curl-smtp swaks python-smtplib; do
	"$sc" serve --listen 127.0.0.1:0 -q --timeout-scale 0.05 \
		--cert fixtures/tls/server.pem --key fixtures/tls/server.key \
		--var tls=opportunistic --var ca="$src/fixtures/tls/ca.pem" \
		--client-cmd "$here/clients/$client {host} {port} {sender} {rcpt} {tls} {ca} {user} {password} {message}" \
		--suite client --report json:"$tmp/$client.json" >"$tmp/$client.out" 2>&1
	rc=$?
	cp "$tmp/$client.json" "$build/interop-$client.json" 2>/dev/null
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		echo "FAIL: serve for $client exited $rc"; cat "$tmp/$client.out"; fail=1; continue
	fi
	python3 "$src/tests/lib/expected.py" "$tmp/$client.json" \
		"$here/clients-$client.expected" "$client" || fail=1
done
exit $fail
