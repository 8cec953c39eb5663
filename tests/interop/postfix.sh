#!/usr/bin/env bash
# postfix.sh - the suite against a real server: a private Postfix instance
# (Debian's package, ../shared/interop.md) on a free loopback port.
# Checks that the run completes (no ERROR, no usage error), and that its
# non-PASS verdicts are exactly the ones explained in postfix.expected:
# a new FAIL against Postfix is either a harness bug (a false FAIL) or a
# change in Postfix, and both need a human.
set -u
build=$1 src=$2
sc=$build/smtpcheck
here=$src/tests/interop
# shellcheck source=../lib/postfix.sh
. "$src/tests/lib/postfix.sh"
postfix_start "$src"
D=$PF_DIR port=$PF_PORT

cd "$src" || exit 1
"$sc" run --target "127.0.0.1:$port" --suite all --jobs 2 -q --timeout-scale 0.05 \
	--profile "$here/postfix.profile" --insecure --report json:"$D/r.json" \
	--report text:"$D/summary.txt" --report html:"$build/interop-postfix.html" \
	--pcap "$build/interop-postfix-pcap" >"$D/out.txt" 2>&1
rc=$?
# CI artifacts: the HTML report as a person sees it, and a capture per
# scenario for Wireshark
timeout 120 chromium --headless --no-sandbox --disable-gpu \
	--window-size=1400,1000 --screenshot="$build/interop-postfix-html.png" \
	"file://$build/interop-postfix.html" >/dev/null 2>&1 ||
	echo "note: no screenshot of the HTML report"
cat "$D/summary.txt"
cp "$D/r.json" "$build/interop-postfix.json" 2>/dev/null
cp "$D/maillog" "$build/interop-postfix.maillog" 2>/dev/null
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	echo "FAIL: run exited $rc"; cat "$D/out.txt"; exit 1
fi
python3 "$src/tests/lib/expected.py" "$D/r.json" "$here/postfix.expected" \
	"postfix interop" --skip-ok
