#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_stress.sh BUILD_DIR SOURCE_DIR - smtpref under abuse: 1,000 idle
# connections, a 1 MiB line, NUL octets, one-octet-a-second clients and
# abrupt disconnects all at once (smtpref_stress.py), while plain sessions
# must each finish within 2 s. Afterwards the server still serves, and
# SIGTERM ends it with status 0. Short timeouts keep it well under 60 s.
# SMTPREF_BIN, when set, names the binary (smtpref_poll.sh uses it).
set -u

BUILD=${1:?usage: smtpref_stress.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_stress.sh BUILD_DIR SOURCE_DIR}
REF=${SMTPREF_BIN:-$BUILD/smtpref}
PY=$SRC/tests/net/smtpref_stress.py
TIMEOUT_CMD=3		# seconds, --timeout-command (the drip must see it)
NOFILE=4096		# 1,000 idle clients plus the server's ends
WAIT_START=100		# tenths of a second for the port file
WAIT_EXIT=50		# tenths of a second for exit after SIGTERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_stress.XXXXXX") || exit 1
PIDS=()

. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -s "$TMP/stress.log" ] && tail -n 20 "$TMP/stress.log" >&2
	exit 1
}

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"

# Both ends of 1,000 connections live in this host: the client (python,
# inheriting this limit) and smtpref (which raises its own soft limit to
# the hard one at start-up; the inherited one is enough here too).
ulimit -n "$NOFILE" 2>/dev/null || fail "cannot raise RLIMIT_NOFILE to $NOFILE (hard limit $(ulimit -Hn))"

start stress --listen 127.0.0.1:0 --timeout-command "${TIMEOUT_CMD}s" \
    --timeout-data "${TIMEOUT_CMD}s" --max-sessions 5000
PID=$LASTPID

timeout 90 python3 "$PY" "$PORT" "$TIMEOUT_CMD" || fail "stress checks failed"
kill -0 "$PID" 2>/dev/null || fail "smtpref died under stress"

stop "$PID"
echo "smtpref_stress: ok"
exit 0
