#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_auth.sh BUILD_DIR SOURCE_DIR - AUTH (RFC 4954, PLAIN RFC 4616,
# LOGIN), implicit TLS (RFC 8314) and the TLS and AUTH fault profiles of
# `smtpref serve`: flag and users-file errors, the `--fault list` columns,
# then smtpref_tls.py (auth, authclear, noauth, implicit, fault modes) and
# `openssl s_client` against servers on 127.0.0.1 port 0 with the
# fixtures' certificates (fixtures/tls) and account
# (fixtures/smtpref-auth.users). Every wait is bounded; everything is
# cleaned up on exit.
set -u

BUILD=${1:?usage: smtpref_auth.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_auth.sh BUILD_DIR SOURCE_DIR}
REF=${SMTPREF_BIN:-$BUILD/smtpref}
PY=$SRC/tests/net/smtpref_tls.py
CERT=$SRC/fixtures/tls/server.pem
KEY=$SRC/fixtures/tls/server.key
CA=$SRC/fixtures/tls/ca.pem
USERS=$SRC/fixtures/smtpref-auth.users
WAIT_START=100		# tenths of a second for the port file
WAIT_EXIT=50		# tenths of a second for exit after SIGTERM
TLS_FAULTS="starttls-plaintext-after-220 starttls-advertised-after-tls
    starttls-keyword-param tls-cert-expired tls-cert-expiring
    tls-cert-wronghost tls-cert-selfsigned"
AUTH_FAULTS="auth-in-clear auth-any-password auth-cancel-535
    auth-bad-base64-535 auth-twice-ok auth-in-transaction-ok
    auth-challenge-text auth-param-refused"
# What a client offers to detect tls-old-versions and tls-weak-ciphers.
OLD_ARGS="-tls1 -cipher DEFAULT@SECLEVEL=0"
WEAK_ARGS="-tls1_2 -cipher ECDHE-ECDSA-NULL-SHA:AECDH-NULL-SHA:@SECLEVEL=0"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_auth.XXXXXX") || exit 1
PIDS=()

. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

# s_client PORT ARGS... - one STARTTLS handshake, the session summary.
s_client() {
	local port=$1
	shift
	timeout 20 openssl s_client -connect "127.0.0.1:$port" \
	    -starttls smtp "$@" </dev/null 2>&1
}

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"
command -v openssl >/dev/null || fail "openssl not found"
[ -r "$USERS" ] && [ -r "$CERT" ] || fail "fixtures missing under $SRC"

# Flags and the users file.
printf 'smtpcheck:x\nno-colon-here\n' >"$TMP/bad1.users"
printf '# only a comment\n\n' >"$TMP/bad2.users"
printf 'a:x\n:nouser\n' >"$TMP/bad3.users"
printf 'a:x\na:y\n' >"$TMP/bad4.users"
usage_error "smtpref: $TMP/bad1.users:2: expected \"user:password\"*" \
    --listen 127.0.0.1:0 --auth-users "$TMP/bad1.users"
usage_error "smtpref: $TMP/bad2.users:*: no \"user:password\" line*" \
    --listen 127.0.0.1:0 --auth-users "$TMP/bad2.users"
usage_error "smtpref: $TMP/bad3.users:2: *" \
    --listen 127.0.0.1:0 --auth-users "$TMP/bad3.users"
usage_error "smtpref: $TMP/bad4.users:2: user \"a\" listed twice*" \
    --listen 127.0.0.1:0 --auth-users "$TMP/bad4.users"
usage_error "smtpref: $TMP/nope.users*" \
    --listen 127.0.0.1:0 --auth-users "$TMP/nope.users"
usage_error 'smtpref: --implicit-tls: needs --cert and --key*' \
    --listen 127.0.0.1:0 --implicit-tls
usage_error 'smtpref: --auth-clear: auth_clear: expected yes or no*' \
    --listen 127.0.0.1:0 --auth-clear maybe
HELP=$("$REF" serve --help)
for w in "--auth-users FILE" "--auth-clear yes|no" "--implicit-tls"; do
	grep -q -- "$w" <<<"$HELP" || fail "--help lacks $w"
done

# `--fault list`: name TAB description [TAB tls|auth|tls,auth].
LIST=$("$REF" serve --fault list)
grep -q "^help-502	[^	]*$" <<<"$LIST" ||
    fail "--fault list: help-502 not in 2 columns"
for f in $TLS_FAULTS tls-old-versions tls-weak-ciphers tls-keeps-buffer; do
	grep -q "^$f	[^	]*	tls$" <<<"$LIST" ||
	    fail "--fault list: $f lacks the tls column"
done
grep -q "^auth-in-clear	[^	]*	auth$" <<<"$LIST" ||
    fail "--fault list: auth-in-clear lacks the auth column"
for f in $AUTH_FAULTS; do
	[ "$f" = auth-in-clear ] && continue
	grep -q "^$f	[^	]*	tls,auth$" <<<"$LIST" ||
	    fail "--fault list: $f lacks the tls,auth column"
done
NLIST=$(grep -c . <<<"$LIST")
NHELP=$(grep -c '^  [a-z][a-z0-9-]*  ' <<<"$HELP")
[ "$NLIST" -eq "$NHELP" ] ||
    fail "--fault list has $NLIST faults, --help $NHELP"

# AUTH after STARTTLS, the fault-free server (config keys for the flags).
printf 'cert = %s\nkey = %s\nauth_users = %s\n' "$CERT" "$KEY" "$USERS" \
    >"$TMP/auth.conf"
start main --listen 127.0.0.1:0 --config "$TMP/auth.conf" -v
MAINPID=$LASTPID
timeout 120 python3 "$PY" auth "$PORT" "$CA" || fail "AUTH checks failed"
grep -q "test-only-password" "$TMP/main.log" && fail "a password was logged"
grep -q "dGVzdC1vbmx5LXBhc3N3b3Jk\|AHNtdHBjaGVjawB0ZXN0" "$TMP/main.log" &&
    fail "a base64 password was logged"
# Neither old TLS versions nor weak suites without the faults.
# shellcheck disable=SC2086
s_client "$PORT" $OLD_ARGS | grep -q "Cipher is (NONE)" ||
    fail "TLS 1.0 accepted without tls-old-versions"
# shellcheck disable=SC2086
s_client "$PORT" $WEAK_ARGS | grep -q "Cipher is .*NULL" &&
    fail "a NULL suite accepted without tls-weak-ciphers"
kill -0 "$MAINPID" 2>/dev/null || fail "the AUTH server died"

# --auth-clear yes: offered in clear, without a certificate.
start clear --listen 127.0.0.1:0 --auth-users "$USERS" --auth-clear yes
timeout 60 python3 "$PY" authclear "$PORT" || fail "--auth-clear checks"
stop "$LASTPID"

# No --auth-users: AUTH is 502, AUTH= is an unknown parameter.
start noauth --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY"
timeout 60 python3 "$PY" noauth "$PORT" || fail "no --auth-users checks"
stop "$LASTPID"

# Implicit TLS, on both event loop backends.
BINS=("$REF")
if [ -z "${SMTPREF_BIN:-}" ] && [ -x "$BUILD/smtpref-poll" ]; then
	BINS+=("$BUILD/smtpref-poll")
fi
for bin in "${BINS[@]}"; do
	REF=$bin start implicit --listen 127.0.0.1:0 --cert "$CERT" \
	    --key "$KEY" --auth-users "$USERS" --implicit-tls \
	    --timeout-command 2s
	timeout 60 python3 "$PY" implicit "$PORT" "$CA" ||
	    fail "implicit TLS checks failed ($bin)"
	stop "$LASTPID"
done
# A silent client on the implicit port is closed at --timeout-command.
start implicit-to --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
    --implicit-tls --timeout-command 1s
timeout 30 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
sys.exit(0 if s.recv(1) == b"" else 1)' "$PORT" ||
    fail "a stalled implicit TLS handshake was not closed"
grep -q "reason=timeout" "$TMP/implicit-to.log" ||
    fail "the handshake timeout was not logged"
stop "$LASTPID"

# Each TLS fault changes what it names (certificates signed by the
# fixtures' CA, found next to --cert).
for f in $TLS_FAULTS; do
	start "$f" --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
	    --fault "$f"
	timeout 60 python3 "$PY" fault "$f" "$PORT" "$CA" ||
	    fail "fault $f: its check did not fail"
	stop "$LASTPID"
done
# Without --cert a minted certificate is self-signed, STARTTLS offered.
start mint-self --listen 127.0.0.1:0 --fault tls-cert-wronghost
s_client "$PORT" -CAfile "$CA" | grep -q "self-signed certificate" ||
    fail "tls-cert-wronghost without --cert: not self-signed"
stop "$LASTPID"

# The protocol and cipher faults, as `openssl s_client` sees them.
start old --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
    --fault tls-old-versions
# shellcheck disable=SC2086
OUT=$(s_client "$PORT" $OLD_ARGS)
grep -q "^    Protocol  : TLSv1$" <<<"$OUT" && ! grep -q "Cipher is (NONE)" \
    <<<"$OUT" || fail "tls-old-versions: no TLS 1.0 handshake: $OUT"
OUT=$(s_client "$PORT" -tls1_1 -cipher DEFAULT@SECLEVEL=0)
grep -q "^    Protocol  : TLSv1.1$" <<<"$OUT" ||
    fail "tls-old-versions: no TLS 1.1 handshake"
stop "$LASTPID"
start weak --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
    --fault tls-weak-ciphers
# shellcheck disable=SC2086
OUT=$(s_client "$PORT" $WEAK_ARGS)
grep -q "Cipher is ECDHE-ECDSA-NULL-SHA" <<<"$OUT" ||
    fail "tls-weak-ciphers: no NULL suite: $OUT"
OUT=$(s_client "$PORT")
grep -q "Cipher is TLS_AES" <<<"$OUT" ||
    fail "tls-weak-ciphers: a strong client got a weak suite: $OUT"
stop "$LASTPID"

# Each AUTH fault changes what it names.
for f in $AUTH_FAULTS; do
	start "$f" --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" \
	    --auth-users "$USERS" --fault "$f"
	timeout 60 python3 "$PY" fault "$f" "$PORT" "$CA" ||
	    fail "fault $f: its check did not fail"
	stop "$LASTPID"
done

stop "$MAINPID"
echo "smtpref_auth: ok"
exit 0
