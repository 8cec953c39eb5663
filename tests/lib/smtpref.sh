# SPDX-License-Identifier: ISC
# tests/lib/smtpref.sh - sourced by the shell tests that run smtpref:
# start a server on a port it picks, and stop it checking its exit status.
# The caller sets REF (the binary), TMP (a private folder) and the array
# PIDS (servers to kill on exit); fail() below prints and exits 1 unless
# the script defined its own first; the caller may
# `trap cleanup EXIT` to stop the servers and remove TMP.
# WAIT_START and WAIT_EXIT (tenths of a second) may be set beforehand.

# fail MSG - the usual failure: the message, then the end of every
# server log in $TMP; exit 1. Defined only when the script has none.
if ! declare -F fail >/dev/null; then
	fail() {
		echo "FAIL: $*" >&2
		if compgen -G "$TMP/*.log" >/dev/null; then
			echo "--- smtpref stderr (last 20 lines each):" >&2
			tail -n 20 "$TMP"/*.log >&2
		fi
		exit 1
	}
fi

# ref_tls_args SRC / sc_tls_args SRC - the flags that give smtpref its
# test certificate and AUTH account, and the matching harness flags (the
# test CA, the account's variables). Printed one per line, for mapfile.
ref_tls_args() {
	printf '%s\n' --cert "$1/fixtures/tls/server.pem" \
	    --key "$1/fixtures/tls/server.key" \
	    --auth-users "$1/fixtures/smtpref-auth.users"
}
sc_tls_args() {
	printf '%s\n' --ca "$1/fixtures/tls/ca.pem" \
	    --profile "$1/fixtures/smtpref.profile"
}

: "${WAIT_START:=100}"
: "${WAIT_EXIT:=50}"

# start NAME ARGS... - `smtpref serve --port-file ... ARGS` in the
# background (ARGS give --listen); stderr to $TMP/NAME.log. Sets PORT and
# LASTPID, and adds the pid to PIDS.
start() {
	local name=$1 i
	shift
	rm -f "$TMP/$name.port"
	"$REF" serve --port-file "$TMP/$name.port" "$@" \
	    2>"$TMP/$name.log" &
	LASTPID=$!
	PIDS+=("$LASTPID")
	for ((i = 0; i < WAIT_START; i++)); do
		[ -s "$TMP/$name.port" ] && break
		kill -0 "$LASTPID" 2>/dev/null ||
		    fail "$name: smtpref serve exited: $(cat "$TMP/$name.log")"
		sleep 0.1
	done
	PORT=$(cat "$TMP/$name.port" 2>/dev/null)
	[ -n "$PORT" ] || fail "$name: no port file after $((WAIT_START / 10))s"
}

# stop PID - SIGTERM must end it, with status 0.
stop() {
	local pid=$1 i rc
	kill -TERM "$pid" 2>/dev/null || fail "server $pid already gone"
	for ((i = 0; i < WAIT_EXIT; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "server $pid ignores SIGTERM"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || fail "server $pid exited $rc after SIGTERM"
}

# cleanup - stop every server in PIDS and remove TMP (an EXIT trap).
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}

# usage_error WANT ARGS... - exit 2 and a one-line message matching WANT.
usage_error() {
	local want=$1 out rc
	shift
	out=$(timeout 10 "$REF" serve "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] || fail "smtpref serve $*: exit $rc, wanted 2 ($out)"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] ||
	    fail "smtpref serve $*: not one line: $out"
	case $out in
	$want) ;;
	*) fail "smtpref serve $*: got \"$out\", wanted \"$want\"" ;;
	esac
}
