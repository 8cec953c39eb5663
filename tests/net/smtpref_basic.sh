#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_basic.sh BUILD_DIR SOURCE_DIR - end-to-end checks of
# `smtpref serve`: flag and config errors (exit 2), then a fault-free server
# on 127.0.0.1:0 driven by smtpref_basic.py (exact codes for RFC 5321
# behaviours, pipelining, line limits, smuggling variants, maildir
# delivery), a server with fault profiles (the same checks can fail), IPv6
# when ::1 exists, and a clean exit 0 on SIGTERM. Every wait is bounded.
# SMTPREF_BIN, when set, names the binary to test instead of
# BUILD_DIR/smtpref (smtpref_poll.sh uses it for the poll backend).
set -u

BUILD=${1:?usage: smtpref_basic.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_basic.sh BUILD_DIR SOURCE_DIR}
REF=${SMTPREF_BIN:-$BUILD/smtpref}
PY=$SRC/tests/net/smtpref_basic.py
WAIT_START=100		# tenths of a second for the port file
WAIT_EXIT=50		# tenths of a second for exit after SIGTERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_basic.XXXXXX") || exit 1
PIDS=()

. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"

# Flags and config errors.
"$REF" serve --help | grep -q -- "--fault NAME" || fail "--help lacks --fault"
"$REF" serve --help | grep -q "smuggle-lf" || fail "--help lacks the faults"
usage_error 'smtpref: --fault: unknown fault "nope"*' \
    --listen 127.0.0.1:0 --fault nope
usage_error 'smtpref: --bogus: unknown option*' --listen 127.0.0.1:0 --bogus
usage_error 'smtpref: --listen: *' --listen nonsense
usage_error 'smtpref: --max-recipients: *' --listen 127.0.0.1:0 \
    --max-recipients 99
printf '# comment\nhostname = mx.smtpref.test\n\nfrobnicate = 1\n' \
    >"$TMP/bad.conf"
usage_error "smtpref: $TMP/bad.conf:4: unknown key \"frobnicate\"" \
    --listen 127.0.0.1:0 --config "$TMP/bad.conf"
printf 'domain = bad_name.test\n' >"$TMP/bad2.conf"
usage_error "smtpref: $TMP/bad2.conf:1: domain: *" \
    --listen 127.0.0.1:0 --config "$TMP/bad2.conf"

# The fault-free server, configured partly from a file.
printf '# smtpref test config\nmax_message_size = 70000\nmax_errors = 20\n' \
    >"$TMP/good.conf"
start main --listen 127.0.0.1:0 --config "$TMP/good.conf" \
    --maildir "$TMP/maildir"
MAINPID=$LASTPID
timeout 300 python3 "$PY" main "$PORT" "$TMP/maildir" ||
    fail "fault-free server checks failed"
kill -0 "$MAINPID" 2>/dev/null || fail "fault-free server died"

# The fault server.
start fault --listen 127.0.0.1:0 --sink --timeout-command 1s \
    --fault smuggle-lf --fault no-555 --fault lf-terminator --fault vrfy-502
FAULTPID=$LASTPID
timeout 60 python3 "$PY" fault "$PORT" || fail "fault server checks failed"

# IPv6, when the host has ::1.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
    2>/dev/null; then
	start v6 --listen '[::1]:0'
	V6PID=$LASTPID
	timeout 30 python3 "$PY" ipv6 "$PORT" || fail "IPv6 checks failed"
	stop "$V6PID"
fi

stop "$FAULTPID"
stop "$MAINPID"
echo "smtpref_basic: ok"
exit 0
