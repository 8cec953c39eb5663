#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_poll.sh BUILD_DIR SOURCE_DIR - the poll(2) backend of smtpref's
# event loop: BUILD_DIR/smtpref-poll (always built on ref_loop_poll.c)
# says it runs on poll, then passes smtpref_basic.sh and, unless
# SC_SKIP_STRESS is set, smtpref_stress.sh. Nothing is built here.
set -u

BUILD=${1:?usage: smtpref_poll.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_poll.sh BUILD_DIR SOURCE_DIR}
BIN=$BUILD/smtpref-poll
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_poll.XXXXXX") || exit 1
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ -x "$BIN" ] || fail "$BIN not built"

# The backend in use, from the -v start line.
"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" -v \
    2>"$TMP/log" &
PID=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$TMP/port" ] && break
	sleep 0.1
done
[ -s "$TMP/port" ] || fail "smtpref-poll did not start: $(cat "$TMP/log")"
grep -q 'ev=start loop=poll ' "$TMP/log" ||
    fail "smtpref-poll is not on the poll backend: $(head -3 "$TMP/log")"
kill "$PID"
wait "$PID" || fail "smtpref-poll exited $? after SIGTERM"
PID=

SMTPREF_BIN=$BIN bash "$SRC/tests/net/smtpref_basic.sh" "$BUILD" "$SRC" ||
    fail "smtpref_basic.sh against smtpref-poll"
if [ -z "${SC_SKIP_STRESS:-}" ]; then
	SMTPREF_BIN=$BIN bash "$SRC/tests/net/smtpref_stress.sh" "$BUILD" \
	    "$SRC" || fail "smtpref_stress.sh against smtpref-poll"
fi
echo "smtpref_poll: ok"
exit 0
