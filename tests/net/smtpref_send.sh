#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_send.sh BUILD_DIR SOURCE_DIR - end-to-end checks of `smtpref
# send`, the reference client, against `smtpref serve` on 127.0.0.1:0:
# delivery byte for byte (dot lines, LF to CRLF, stdin), the sysexits
# status for each outcome (0 accepted, 64 usage, 65 too large, 66 no input,
# 69 refused, 75 temporary, 76 nonsense), pipelining on and off, the HELO
# fallback and servers with fault profiles. Every wait is bounded. TLS,
# AUTH and client faults: smtpref_send_tls.sh.
set -u

BUILD=${1:?usage: smtpref_send.sh BUILD_DIR SOURCE_DIR}
REF=$BUILD/smtpref
WAIT_START=100		# tenths of a second for a port file
SEND_LIMIT=30		# seconds any one `smtpref send` may take
FROM=sender@client.test
ALICE=alice@smtpref.test
BOB=bob@smtpref.test

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_send.XXXXXX") || exit 1
PIDS=()
NCHECKS=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -s "$TMP/err" ]; then
		echo "--- smtpref send stderr:" >&2
		tail -n 40 "$TMP/err" >&2
	fi
	if compgen -G "$TMP/*.log" >/dev/null; then
		echo "--- smtpref serve stderr (last 10 lines each):" >&2
		tail -n 10 "$TMP"/*.log >&2
	fi
	exit 1
}

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"
. "$(dirname "$0")/../lib/smtpref.sh"

# send WANT ARGS... - run smtpref send; its exit status must be WANT.
# stderr goes to $TMP/err.
send() {
	local want=$1 rc
	shift
	timeout "$SEND_LIMIT" "$REF" send "$@" 2>"$TMP/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ] ||
	    fail "smtpref send $*: exit $rc, wanted $want"
	NCHECKS=$((NCHECKS + 1))
}

# send_stdin WANT FILE ARGS... - the same, with the message on stdin.
send_stdin() {
	local want=$1 in=$2 rc
	shift 2
	timeout "$SEND_LIMIT" "$REF" send "$@" <"$in" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$want" ] ||
	    fail "smtpref send $* <$in: exit $rc, wanted $want"
	NCHECKS=$((NCHECKS + 1))
}

# one_line PATTERN - the failure report is one line matching PATTERN.
one_line() {
	local out
	out=$(cat "$TMP/err")
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr is not one line"
	case $out in
	$1) ;;
	*) fail "stderr \"$out\" does not match \"$1\"" ;;
	esac
}

# err_has TEXT / err_lacks TEXT - about the -v trace.
err_has() {
	grep -qF -- "$1" "$TMP/err" || fail "stderr lacks \"$1\""
}
err_lacks() {
	grep -qF -- "$1" "$TMP/err" && fail "stderr has \"$1\""
	return 0
}

# stored MAILDIR WANTFILE - exactly one new message arrived in MAILDIR
# since the last call, and after smtpref's Received header (a first line
# "Received:" and its continuation lines) it equals WANTFILE byte for
# byte.
stored() {
	local md=$1 want=$2 seen=$1.seen new
	touch "$seen"
	new=$(ls "$md/new" | sort | comm -13 "$seen" -)
	[ "$(printf '%s\n' "$new" | grep -c .)" -eq 1 ] ||
	    fail "$md: wanted one new message, got: $new"
	ls "$md/new" | sort >"$seen"
	python3 - "$md/new/$new" "$want" <<'EOF' && return 0
import re, sys
got = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
m = re.match(rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", got)
if m is None:
    sys.exit("no Received header at the top of " + sys.argv[1])
body = got[m.end():]
if body != want:
    n = next((i for i in range(min(len(body), len(want)))
              if body[i] != want[i]), min(len(body), len(want)))
    sys.exit("first difference at offset %d: got %r, wanted %r"
             % (n, body[n:n + 20], want[n:n + 20]))
EOF
	fail "$md/new/$new differs from $want"
}

# nothing_new MAILDIR - no message arrived since the last stored call.
nothing_new() {
	local md=$1 seen=$1.seen
	touch "$seen"
	[ -z "$(ls "$md/new" | sort | comm -13 "$seen" -)" ] ||
	    fail "$md: a message was stored"
}

# Messages. m1 has CRLF lines, dot lines to stuff and a lone dot line.
{
	printf 'From: <%s>\r\nTo: <%s>\r\n' "$FROM" "$ALICE"
	printf 'Subject: send test\r\nMessage-ID: <m1@client.test>\r\n\r\n'
	printf '.starts with a dot\r\n..two dots\r\n.\r\nlast line\r\n'
} >"$TMP/m1"
# m2: LF line ends and no final line end; m2.want is what must be stored.
printf 'Subject: lf only\n\nline one\n.dot\nno end' >"$TMP/m2"
printf 'Subject: lf only\r\n\r\nline one\r\n.dot\r\nno end\r\n' >"$TMP/m2.want"
# m8: one 8-bit octet, for BODY=8BITMIME.
printf 'Subject: 8bit\r\n\r\ncaf\xc3\xa9\r\n' >"$TMP/m8"
# big: over the 65536-octet SIZE of the small server.
{
	printf 'Subject: big\r\n\r\n'
	for ((i = 0; i < 1000; i++)); do
		printf '%070d\r\n' 0
	done
} >"$TMP/big"

# --help, usage errors (64, one line each), missing input (66).
"$REF" send --help >"$TMP/help" || fail "send --help failed"
grep -q -- "--tls MODE" "$TMP/help" || fail "--help does not explain --tls"
"$REF" --help | grep -q "smtpref send" || fail "smtpref --help lacks send"
send 64 --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: --server: required*'
send 64 --server 127.0.0.1:25 --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: --from: required*'
send 64 --server 127.0.0.1:25 --from "$FROM" "$TMP/m1"
one_line 'smtpref: send: --to: *'
send 64 --server nonsense --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: --server: *'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" \
    --pipelining sometimes "$TMP/m1"
one_line 'smtpref: send: --pipelining: expected auto, never or require*'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --tls starttls \
    "$TMP/m1"
one_line 'smtpref: send: --tls: expected none, opportunistic, require or implicit*'
send 64 --server 127.0.0.1:25 --from "$FROM" --to 'not an address' "$TMP/m1"
one_line 'smtpref: send: --to: *'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --timeout 0 \
    "$TMP/m1"
one_line 'smtpref: send: --timeout: *'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --bogus x \
    "$TMP/m1"
one_line 'smtpref: send: --bogus: unknown option*'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" "$TMP/m1" \
    "$TMP/m2"
one_line 'smtpref: send: *one message FILE only*'
send 66 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" "$TMP/missing"
one_line "smtpref: send: $TMP/missing: cannot open: *"
# Over 64 MiB on stdin: refused before any connection (65).
head -c $((64 * 1024 * 1024 + 1)) /dev/zero >"$TMP/huge"
send_stdin 65 "$TMP/huge" --server 127.0.0.1:25 --from "$FROM" --to "$ALICE"
one_line 'smtpref: send: stdin: message over * octets*'
rm -f "$TMP/huge"

# The fault-free server.
start main --listen 127.0.0.1:0 --maildir "$TMP/main.md"
S=127.0.0.1:$PORT
# Happy path, pipelined: the stored message is m1, byte for byte.
send 0 -v --server "$S" --from "$FROM" --to "$ALICE" "$TMP/m1"
err_has 'ev=pipeline cmds=3'
err_has 'ev=accepted code=250'
stored "$TMP/main.md" "$TMP/m1"
# The same with --pipelining never: one command at a time.
send 0 -v --server "$S" --from "$FROM" --to "<$ALICE>" --pipelining never \
    "$TMP/m1"
err_lacks 'ev=pipeline'
stored "$TMP/main.md" "$TMP/m1"
# stdin (no FILE, and "-"), LF line ends converted, a final CRLF added.
send_stdin 0 "$TMP/m2" --server "$S" --from "$FROM" --to "$ALICE"
stored "$TMP/main.md" "$TMP/m2.want"
send_stdin 0 "$TMP/m2" --server "$S" --from "$FROM" --to "$ALICE" -- -
stored "$TMP/main.md" "$TMP/m2.want"
# The null sender, and 8-bit content declared as BODY=8BITMIME.
send 0 -v --server "$S" --from '' --to "$BOB" "$TMP/m8"
err_has 'MAIL FROM:<> SIZE='
err_has 'BODY=8BITMIME'
stored "$TMP/main.md" "$TMP/m8"
# Only an unknown recipient: refused (69), nothing stored, one line that
# quotes the reply.
send 69 --server "$S" --from "$FROM" --to nobody@smtpref.test "$TMP/m1"
one_line 'smtpref: send: no recipient accepted: *RCPT TO:<nobody@smtpref.test>: "550 5.1.1 *"'
nothing_new "$TMP/main.md"
send 69 --server "$S" --from "$FROM" --to nobody@smtpref.test \
    --pipelining never "$TMP/m1"
one_line 'smtpref: send: no recipient accepted: *"550 5.1.1 *"'
nothing_new "$TMP/main.md"
# One good, one bad recipient: delivered (0), the refusal is warned about.
send 0 --server "$S" --from "$FROM" --to nobody@smtpref.test --to "$ALICE" \
    "$TMP/m1"
one_line 'smtpref: send: warning: recipient refused: *nobody@smtpref.test*550*'
stored "$TMP/main.md" "$TMP/m1"
send 0 --server "$S" --from "$FROM" --to "$ALICE" --to nobody@other.test \
    --pipelining never "$TMP/m1"
one_line 'smtpref: send: warning: recipient refused: *Relay access denied*'
stored "$TMP/main.md" "$TMP/m1"
# Recipients in more than one pipelined group (100 RCPTs per write).
args=()
for ((i = 0; i < 130; i++)); do
	args+=(--to "$ALICE")
done
send 0 -v --server "$S" --from "$FROM" "${args[@]}" "$TMP/m1"
err_has 'ev=pipeline cmds=101'
err_has 'ev=pipeline cmds=31'
stored "$TMP/main.md" "$TMP/m1"
# --pipelining require is met here.
send 0 --server "$S" --from "$FROM" --to "$ALICE" --pipelining require \
    "$TMP/m1"
stored "$TMP/main.md" "$TMP/m1"
kill -0 "$LASTPID" 2>/dev/null || fail "the main server died"

# A closed port: 75. (A server that was started and stopped held it.)
start gone --listen 127.0.0.1:0 --sink
GONE=$PORT
kill "$LASTPID"
wait "$LASTPID" 2>/dev/null
send 75 --server "127.0.0.1:$GONE" --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line "smtpref: send: 127.0.0.1:$GONE: *connect*"

# SIZE: a message over the server's limit is not sent (69).
start small --listen 127.0.0.1:0 --sink --max-message-size 65536
send 69 -v --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/big"
err_lacks 'MAIL FROM'
tail -n 1 "$TMP/err" | grep -q 'over the server.s SIZE 65536' ||
    fail "no SIZE message"

# Fault profiles.
# A server that never answers RCPT: one command at a time, the RCPT times
# out (75) within --timeout; pipelined, the 354 for DATA arrives where the
# RCPT reply belongs, which is nonsense (76).
start silent --listen 127.0.0.1:0 --sink --fault silent-rcpt
t0=$SECONDS
send 75 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --pipelining never --timeout 1s "$TMP/m1"
one_line 'smtpref: send: *no complete reply within 1000 ms in state RCPT*'
[ $((SECONDS - t0)) -le 10 ] ||
    fail "silent-rcpt: --timeout 1s took $((SECONDS - t0))s"
send 76 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --timeout 1s "$TMP/m1"
one_line 'smtpref: send: *RCPT TO:<*>: unexpected reply "354 *"'

start nopipe --listen 127.0.0.1:0 --maildir "$TMP/nopipe.md" --pipelining no
send 0 -v --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
err_lacks 'ev=pipeline'
stored "$TMP/nopipe.md" "$TMP/m1"
send 69 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --pipelining require "$TMP/m1"
one_line 'smtpref: send: *PIPELINING required*not offered*'
nothing_new "$TMP/nopipe.md"

start noehlo --listen 127.0.0.1:0 --maildir "$TMP/noehlo.md" --fault no-ehlo
send 0 -v --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
err_has 'code=500'
err_has 'data="HELO '
err_lacks 'SIZE='
stored "$TMP/noehlo.md" "$TMP/m1"
grep -q "with SMTP id" "$TMP"/noehlo.md/new/* || fail "HELO: not SMTP"

# Pipelining for real: a server that drops input behind a command loses
# the RCPTs, so the pipelined send times out; one at a time works.
start drop --listen 127.0.0.1:0 --maildir "$TMP/drop.md" --fault pipelining-drop
send 75 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --timeout 1s "$TMP/m1"
nothing_new "$TMP/drop.md"
send 0 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --pipelining never "$TMP/m1"
stored "$TMP/drop.md" "$TMP/m1"

start g554 --listen 127.0.0.1:0 --sink --fault greeting-554
send 69 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: *greeting: "554 *"'

start nogreet --listen 127.0.0.1:0 --sink --fault no-greeting
send 75 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --timeout 1s "$TMP/m1"
one_line '*state GREETING*'

start badcode --listen 127.0.0.1:0 --sink --fault bad-reply-code
send 76 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: *unexpected reply "25 *"'

start closemail --listen 127.0.0.1:0 --sink --fault close-after-mail
send 75 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
one_line 'smtpref: send: *connection lost in state MAIL*'

start noquit --listen 127.0.0.1:0 --maildir "$TMP/noquit.md" --fault quit-no-221
send 0 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
stored "$TMP/noquit.md" "$TMP/m1"

echo "smtpref_send: ok ($NCHECKS sends)"
exit 0
