#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_tls.sh BUILD_DIR SOURCE_DIR - STARTTLS in `smtpref serve`
# (RFC 3207): flag errors, then smtpref_tls.py against a server with a
# throwaway self-signed certificate (offered before TLS only, 220 and the
# handshake, reset to the initial state, 501/503/454, the injection
# defence, ESMTPS in Received), a server without one (not offered, 454), a
# stalled handshake, and one server per TLS fault profile showing that its
# check fails. Every wait is bounded; everything is cleaned up on exit.
set -u

BUILD=${1:?usage: smtpref_tls.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_tls.sh BUILD_DIR SOURCE_DIR}
REF=${SMTPREF_BIN:-$BUILD/smtpref}
PY=$SRC/tests/net/smtpref_tls.py
WAIT_START=100		# tenths of a second for the port file
WAIT_EXIT=50		# tenths of a second for exit after SIGTERM
TLS_FAULTS="tls-keeps-buffer tls-keeps-state starttls-twice-ok
    starttls-param-ok"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_tls.XXXXXX") || exit 1
PIDS=()

. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"
command -v openssl >/dev/null || fail "openssl not found"

CERT=$TMP/cert.pem
KEY=$TMP/key.pem
timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$KEY" -out "$CERT" >"$TMP/openssl.out" 2>&1 ||
    fail "openssl req: $(cat "$TMP/openssl.out")"

# Flags, and how `--fault list` marks the TLS faults.
usage_error 'smtpref: --cert: needs --key as well*' \
    --listen 127.0.0.1:0 --cert "$CERT"
usage_error 'smtpref: --key: needs --cert as well*' \
    --listen 127.0.0.1:0 --key "$KEY"
usage_error "smtpref: $TMP/nope.pem: certificate: *" \
    --listen 127.0.0.1:0 --cert "$TMP/nope.pem" --key "$KEY"
usage_error "smtpref: $CERT: private key: *" \
    --listen 127.0.0.1:0 --cert "$CERT" --key "$CERT"
HELP=$("$REF" serve --help)
LIST=$("$REF" serve --fault list)
grep -q -- "--cert FILE" <<<"$HELP" || fail "--help lacks --cert"
grep -q "^TLS faults (need --cert/--key):" <<<"$HELP" ||
    fail "--help lacks the TLS fault heading"
for f in $TLS_FAULTS; do
	grep -q "^  $f " <<<"$HELP" || fail "--help lacks $f"
	grep -q "^$f	[^	]*	tls$" <<<"$LIST" ||
	    fail "--fault list: $f lacks the third column \"tls\""
done
grep -q "^help-502	" <<<"$LIST" || fail "--fault list lost help-502"

# The fault-free server, cert and key from a config file.
printf 'cert = %s\nkey = %s\n' "$CERT" "$KEY" >"$TMP/tls.conf"
start main --listen 127.0.0.1:0 --config "$TMP/tls.conf" \
    --maildir "$TMP/maildir"
MAINPID=$LASTPID
timeout 120 python3 "$PY" main "$PORT" "$CERT" "$TMP/maildir" ||
    fail "STARTTLS checks failed"
kill -0 "$MAINPID" 2>/dev/null || fail "the TLS server died"
grep -q "ev=tls-fail" "$TMP/main.log" ||
    fail "the failed handshake was not logged"

# No certificate: STARTTLS is neither offered nor available.
start nocert --listen 127.0.0.1:0
NOCERTPID=$LASTPID
timeout 60 python3 "$PY" nocert "$PORT" || fail "no-certificate checks failed"

# A handshake that never comes ends at --timeout-command.
start slow --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
    --timeout-command 1s
SLOWPID=$LASTPID
timeout 60 python3 "$PY" hstimeout "$PORT" || fail "handshake timeout checks"

# Each TLS fault breaks the check that passed above.
for f in $TLS_FAULTS; do
	start "$f" --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
	    --fault "$f"
	timeout 60 python3 "$PY" fault "$f" "$PORT" "$CERT" ||
	    fail "fault $f: its check did not fail"
	stop "$LASTPID"
done

# The same checks on the poll(2) backend.
if [ -z "${SMTPREF_BIN:-}" ] && [ -x "$BUILD/smtpref-poll" ]; then
	REF=$BUILD/smtpref-poll start poll --listen 127.0.0.1:0 \
	    --config "$TMP/tls.conf" --maildir "$TMP/maildir-poll"
	timeout 120 python3 "$PY" main "$PORT" "$CERT" "$TMP/maildir-poll" ||
	    fail "STARTTLS checks failed on the poll backend"
	stop "$LASTPID"
fi

stop "$SLOWPID"
stop "$NOCERTPID"
stop "$MAINPID"
echo "smtpref_tls: ok"
exit 0
