#!/usr/bin/env bash
# main.sh - the main job, from a fresh machine: install what is needed,
# build, start the reference engine smtpref on a free loopback port, run
# the full suite against it, and write the reports to out/ (JUnit, JSON,
# TAP, text, HTML) with a packet capture per scenario in out/pcap/.
#   ci/main.sh            (as root, or with sudo available)
#   SKIP_DEPS=1 ci/main.sh  when the dependencies are installed already
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
out=${OUT_DIR:-$here/out}

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	bash "$here/ci/install-deps.sh"
fi
cmake -S "$here" -B "$build" -DSC_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)"

mkdir -p "$out"
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# smtpref with the test-only certificate and AUTH account from fixtures/,
# so that the TLS and AUTH scenarios run too
"$build/smtpref" serve --listen 127.0.0.1:0 --port-file "$tmp/port" \
	--maildir "$tmp/maildir" --cert "$here/fixtures/tls/server.pem" \
	--key "$here/fixtures/tls/server.key" \
	--auth-users "$here/fixtures/smtpref-auth.users" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "main.sh: smtpref did not start" >&2; exit 1; }
port=$(cat "$tmp/port")

rc=0
"$build/smtpcheck" run --target "127.0.0.1:$port" --suite all --jobs 2 \
	--timeout-scale 0.05 \
	--ca "$here/fixtures/tls/ca.pem" --profile "$here/fixtures/smtpref.profile" \
	--report junit:"$out/junit.xml" --report json:"$out/report.json" \
	--report tap:"$out/report.tap" --report text:"$out/summary.txt" \
	--report html:"$out/report.html" --pcap "$out/pcap" || rc=$?
echo "main.sh: reports in $out (junit.xml, report.json, report.tap," \
	"summary.txt, report.html; a capture per scenario in pcap/)"
exit $rc
