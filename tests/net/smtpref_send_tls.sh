#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_send_tls.sh BUILD_DIR SOURCE_DIR - `smtpref send` with TLS, AUTH
# and client fault profiles, on 127.0.0.1:0 only. Against `smtpref serve`
# with the test certificate and account: STARTTLS + AUTH delivery, --tls
# require against a server without TLS (69, no MAIL), implicit TLS, a
# wrong password (69), an untrusted certificate (75). Against a tiny
# python3 fake server that records every byte it reads (decrypted inside
# TLS): one check per --fault that its behaviour shows on the wire, next
# to the fault-free run. Every wait is bounded; everything is cleaned up.
set -u

BUILD=${1:?usage: smtpref_send_tls.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_send_tls.sh BUILD_DIR SOURCE_DIR}
REF=$BUILD/smtpref
SEND_LIMIT=30		# seconds any one `smtpref send` may take
FS_LIMIT=40		# seconds a fake server may live
FROM=sender@client.test
ALICE=alice@smtpref.test
USER=smtpcheck
PASS=test-only-password
CA=$SRC/fixtures/tls/ca.pem

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_send_tls.XXXXXX") || exit 1
PIDS=()
NCHECKS=0

fail() {
	echo "FAIL: $*" >&2
	[ -s "$TMP/err" ] && { echo "--- smtpref send stderr:"; tail -n 40 "$TMP/err"; } >&2
	[ -s "$TMP/fs.log" ] && { echo "--- fake server transcript:"; cat "$TMP/fs.log"; } >&2
	exit 1
}

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"
. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

# send WANT ARGS... - smtpref send; exit status must be WANT. stderr in
# $TMP/err.
send() {
	local want=$1 rc
	shift
	timeout "$SEND_LIMIT" "$REF" send "$@" 2>"$TMP/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ] ||
	    fail "smtpref send $*: exit $rc, wanted $want"
	NCHECKS=$((NCHECKS + 1))
}
err_has() {
	grep -qF -- "$1" "$TMP/err" || fail "stderr lacks \"$1\""
}
err_lacks() {
	grep -qF -- "$1" "$TMP/err" && fail "stderr has \"$1\""
	return 0
}
# fs_has TEXT / fs_lacks TEXT - about the fake server's transcript, whose
# lines are "C " (read), "E " (read early: before the server answered),
# "X " (discarded at STARTTLS), "S " (sent), "T tls" with Python-escaped
# bytes (\r \n).
fs_has() {
	grep -qF -- "$1" "$TMP/fs.log" || fail "transcript lacks \"$1\""
}
fs_lacks() {
	grep -qF -- "$1" "$TMP/fs.log" && fail "transcript has \"$1\""
	return 0
}
# fs_before A B - the client's A was read before the server sent B.
fs_before() {
	awk -v a="$1" -v b="$2" '/^S / && index($0, b) { exit 1 }
	    /^[CE] / && index($0, a) { exit 0 }' "$TMP/fs.log" ||
	    fail "transcript: \"$1\" not read before \"$2\" was sent"
}

cat >"$TMP/fs.py" <<'EOF'
# A one-connection fake SMTP server that records what the client sends.
import argparse, select, socket, ssl, sys, time
ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--cert"); ap.add_argument("--key")
ap.add_argument("--ehlo", default="PIPELINING,8BITMIME")
ap.add_argument("--ehlo-tls", default=None)
ap.add_argument("--ehlo-reply", default=None)
ap.add_argument("--starttls-reply", default="220 2.0.0 go ahead")
ap.add_argument("--inject", default="")
ap.add_argument("--mail-reply", default="250 2.1.0 ok")
ap.add_argument("--drain-before", action="append", default=[])
ap.add_argument("--limit", type=float, default=30)
a = ap.parse_args()
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
open(a.port_file + ".tmp", "w").write(str(ls.getsockname()[1]))
import os; os.rename(a.port_file + ".tmp", a.port_file)
ls.settimeout(a.limit)
c, _ = ls.accept(); c.settimeout(a.limit)
log = open(a.log, "w", buffering=1)
buf = b""
tls = False
def ev(tag, b): log.write("%s %r\n" % (tag, b))
def send(b): ev("S", b); c.sendall(b)
def fill():
    global buf
    d = c.recv(65536)
    if not d: raise EOFError
    ev("C", d); buf += d
def drain():
    global buf
    time.sleep(0.3)
    while True:
        if not tls or c.pending() == 0:
            r, _, _ = select.select([c], [], [], 0)
            if not r: break
        d = c.recv(65536)
        if not d: break
        ev("E", d); buf += d
def line():
    global buf
    while b"\n" not in buf: fill()
    i = buf.index(b"\n") + 1
    l, buf = buf[:i], buf[i:]
    return l
def ehlo_reply(kw):
    ks = [k for k in kw.split(",") if k]
    ls_ = ["250-fs.example"] + ["250-" + k for k in ks]
    ls_[-1] = "250 " + ls_[-1][4:]
    return ("\r\n".join(ls_) + "\r\n").encode()
try:
    if "GREETING" in a.drain_before: drain()
    send(b"220 fs.example ESMTP fake\r\n")
    while True:
        l = line()
        v = l.split(b" ")[0].strip().upper()
        w = v.decode("ascii", "replace")
        if w in a.drain_before: drain()
        if v == b"EHLO":
            if a.ehlo_reply: send(a.ehlo_reply.encode() + b"\r\n")
            else:
                kw = a.ehlo if not tls or a.ehlo_tls is None else a.ehlo_tls
                if a.cert and not tls: kw += ",STARTTLS"
                send(ehlo_reply(kw))
        elif v == b"HELO": send(b"250 fs.example\r\n")
        elif v == b"STARTTLS":
            if tls or not a.starttls_reply.startswith("220"):
                send((a.starttls_reply if not tls else "454 4.7.0 already") .encode() + b"\r\n")
                continue
            time.sleep(0.2); drain()
            if buf: ev("X", buf); buf = b""
            send(a.starttls_reply.encode() + b"\r\n" + a.inject.encode().decode("unicode_escape").encode())
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.cert, a.key)
            c = ctx.wrap_socket(c, server_side=True); tls = True
            ev("T", b"tls")
        elif v == b"AUTH":
            m = l.split()[1].upper() if len(l.split()) > 1 else b""
            if m == b"LOGIN":
                send(b"334 VXNlcm5hbWU6\r\n"); line()
                send(b"334 UGFzc3dvcmQ6\r\n"); line()
            elif len(l.split()) < 3:
                send(b"334 \r\n"); line()
            send(b"235 2.7.0 ok\r\n")
        elif v == b"MAIL": send(a.mail_reply.encode() + b"\r\n")
        elif v == b"RCPT": send(b"250 2.1.5 ok\r\n")
        elif v == b"DATA":
            send(b"354 go\r\n")
            while line() not in (b".\r\n", b".\n"): pass
            send(b"250 2.0.0 queued\r\n")
        elif v == b"QUIT": send(b"221 2.0.0 bye\r\n"); break
        else: send(b"500 5.5.1 what\r\n")
except (EOFError, OSError, ssl.SSLError) as e:
    ev("EOF", str(e).encode())
c.close()
EOF

# fs ARGS... - start the fake server (one connection); sets FS.
fs() {
	local i
	rm -f "$TMP/fs.port" "$TMP/fs.log"
	timeout "$FS_LIMIT" python3 "$TMP/fs.py" --port-file "$TMP/fs.port" \
	    --log "$TMP/fs.log" "$@" 2>"$TMP/fs.err" &
	FSPID=$!
	PIDS+=("$FSPID")
	for ((i = 0; i < 100; i++)); do
		[ -s "$TMP/fs.port" ] && break
		sleep 0.1
	done
	[ -s "$TMP/fs.port" ] || fail "fake server did not start: $(cat "$TMP/fs.err")"
	FS=127.0.0.1:$(cat "$TMP/fs.port")
}
# fs_done - wait for the fake server to finish its transcript.
fs_done() {
	wait "$FSPID" 2>/dev/null
	[ -s "$TMP/fs.log" ] || fail "fake server left no transcript"
}
FSTLS=(--cert "$SRC/fixtures/tls/server.pem" --key "$SRC/fixtures/tls/server.key")

printf 'Subject: t\r\n\r\n.dot line\r\nbody\r\n' >"$TMP/m1"
printf 'Subject: 8bit\r\n\r\ncaf\xc3\xa9\r\n' >"$TMP/m8"
printf '%s\nsecond line ignored\n' "$PASS" >"$TMP/pw"
printf 'wrong-password\n' >"$TMP/badpw"

# --help and --fault list.
"$REF" send --help >"$TMP/help" || fail "send --help failed"
for f in --tls --ca --insecure --tls-name --auth-user --auth-password \
    --auth-password-file --auth-clear --fault; do
	grep -q -- "$f" "$TMP/help" || fail "--help lacks $f"
done
"$REF" send --fault list >"$TMP/faults" || fail "--fault list failed"
for f in tls-pipeline-after-starttls tls-act-on-injected tls-downgrade \
    tls-keep-ehlo auth-in-clear no-dot-stuffing bare-lf \
    pipeline-without-extension data-before-354 no-quit ignore-size \
    8bit-without-8bitmime no-helo-fallback mail-after-5xx \
    no-wait-greeting starttls-twice; do
	grep -q "^$f	." "$TMP/faults" || fail "--fault list lacks $f"
done
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --fault nope "$TMP/m1"
err_has 'no fault "nope"'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --tls maybe "$TMP/m1"
err_has 'expected none, opportunistic, require or implicit'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --auth-user "$USER" "$TMP/m1"
err_has 'needs --auth-password'
send 64 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" \
    --auth-user "$USER" --auth-password-file "$TMP/missing" "$TMP/m1"
send 66 --server 127.0.0.1:25 --from "$FROM" --to "$ALICE" --ca "$TMP/missing" \
    "$TMP/m1"

# smtpref serve with STARTTLS and AUTH.
mapfile -t TLSARGS < <(ref_tls_args "$SRC")
start tls --listen 127.0.0.1:0 --maildir "$TMP/tls.md" "${TLSARGS[@]}"
S=127.0.0.1:$PORT
send 0 -v --server "$S" --from "$FROM" --to "$ALICE" --tls require --ca "$CA" \
    --auth-user "$USER" --auth-password-file "$TMP/pw" "$TMP/m1"
err_has 'data="STARTTLS\r\n"'
err_has 'verified=1'
err_has 'AUTH PLAIN <credentials>'
err_has 'ev=authenticated mech=PLAIN'
err_has 'ev=accepted'
err_lacks "$PASS"
[ "$(ls "$TMP/tls.md/new" | wc -l)" -eq 1 ] || fail "not delivered over TLS"
# opportunistic (the default) uses STARTTLS too, without checking.
send 0 -v --server "$S" --from "$FROM" --to "$ALICE" "$TMP/m1"
err_has 'data="STARTTLS\r\n"'
err_has 'verified=0'
# Wrong password: 69, nothing stored.
send 69 --server "$S" --from "$FROM" --to "$ALICE" --ca "$CA" \
    --auth-user "$USER" --auth-password-file "$TMP/badpw" "$TMP/m1"
err_has 'authentication failed'
[ "$(ls "$TMP/tls.md/new" | wc -l)" -eq 2 ] || fail "stored after 535"
# Credentials with --tls none: not sent (69).
send 69 -v --server "$S" --from "$FROM" --to "$ALICE" --tls none \
    --auth-user "$USER" --auth-password "$PASS" "$TMP/m1"
err_has 'not TLS: credentials not sent'
err_lacks 'AUTH'
# Untrusted certificate under require (system store): 75, no MAIL.
send 75 -v --server "$S" --from "$FROM" --to "$ALICE" --tls require "$TMP/m1"
err_has 'TLS handshake failed'
err_lacks 'MAIL FROM'
# ... accepted with --insecure; --tls-name must match the certificate.
send 0 --server "$S" --from "$FROM" --to "$ALICE" --tls require --insecure "$TMP/m1"
send 75 --server "$S" --from "$FROM" --to "$ALICE" --tls require --ca "$CA" \
    --tls-name wrong.example "$TMP/m1"
send 0 --server "$S" --from "$FROM" --to "$ALICE" --tls require --ca "$CA" \
    --tls-name localhost "$TMP/m1"

# Implicit TLS (RFC 8314).
start implicit --listen 127.0.0.1:0 --maildir "$TMP/imp.md" --implicit-tls \
    "${TLSARGS[@]}"
send 0 -v --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --tls implicit --ca "$CA" --auth-user "$USER" --auth-password "$PASS" \
    "$TMP/m1"
err_lacks 'STARTTLS'
err_has 'ev=authenticated'
[ "$(ls "$TMP/imp.md/new" | wc -l)" -eq 1 ] || fail "not delivered (implicit)"

# --tls require against a server without TLS: 69, no MAIL; opportunistic
# goes on in clear.
start clear --listen 127.0.0.1:0 --maildir "$TMP/clear.md"
send 69 -v --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" \
    --tls require --ca "$CA" "$TMP/m1"
err_has 'STARTTLS not offered'
err_lacks 'MAIL FROM'
err_has 'data="QUIT\r\n"'
send 0 --server "127.0.0.1:$PORT" --from "$FROM" --to "$ALICE" "$TMP/m1"
# Credentials and no AUTH offered (inside TLS): 69, none sent.
fs "${FSTLS[@]}"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --auth-user "$USER" --auth-password "$PASS" "$TMP/m1"
err_has 'server does not offer AUTH'
fs_done
fs_lacks "'AUTH"

# 454 to STARTTLS: require 75 and no MAIL; opportunistic goes on in clear.
fs "${FSTLS[@]}" --starttls-reply "454 4.7.0 TLS not available"
send 75 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require "$TMP/m1"
fs_done
fs_lacks "MAIL FROM"
fs_has "QUIT"
fs "${FSTLS[@]}" --starttls-reply "454 4.7.0 TLS not available"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
fs_has "MAIL FROM"
# fault tls-downgrade: the same under require goes on in clear.
fs "${FSTLS[@]}" --starttls-reply "454 4.7.0 TLS not available"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --fault tls-downgrade "$TMP/m1"
fs_done
fs_has "MAIL FROM"
fs ; send 0 --server "$FS" --from "$FROM" --to "$ALICE" --tls require \
    --fault tls-downgrade "$TMP/m1"
fs_done
fs_has "MAIL FROM"

# STARTTLS alone vs fault tls-pipeline-after-starttls (EHLO behind it,
# read before the 220 and dropped by the server: "X").
fs "${FSTLS[@]}" --drain-before STARTTLS
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require "$TMP/m1"
fs_done
fs_lacks "X "
fs_has "C b'STARTTLS\\r\\n'"
fs "${FSTLS[@]}" --drain-before STARTTLS
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --fault tls-pipeline-after-starttls "$TMP/m1"
fs_done
fs_has "C b'STARTTLS\\r\\nEHLO "

# Response injection (NO STARTTLS): the plaintext after the 220 claims
# AUTH; the real post-TLS EHLO has none. Dropped: no AUTH (69). With
# tls-act-on-injected the injected 250 is taken as the EHLO reply,
# AUTH PLAIN is sent inside TLS, and the client is out of step (76: the
# real EHLO reply answers AUTH).
INJ='250-fs.example\r\n250 AUTH PLAIN\r\n'
fs "${FSTLS[@]}" --inject "$INJ"
send 69 -v --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --auth-user "$USER" --auth-password "$PASS" "$TMP/m1"
err_has 'ev=injected'
err_has 'server does not offer AUTH'
fs_done
fs_lacks "'AUTH"
fs "${FSTLS[@]}" --inject "$INJ"
send 76 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --auth-user "$USER" --auth-password "$PASS" --fault tls-act-on-injected \
    "$TMP/m1"
fs_done
fs_has "C b'AUTH PLAIN "

# EHLO again after TLS, with the new keywords only (pre-TLS SIZE=, none
# after) vs tls-keep-ehlo.
fs "${FSTLS[@]}" --ehlo "PIPELINING,SIZE 100000" --ehlo-tls "PIPELINING"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require "$TMP/m1"
fs_done
[ "$(grep -c "C b'EHLO" "$TMP/fs.log")" -eq 2 ] || fail "no second EHLO"
fs_lacks "SIZE="
fs "${FSTLS[@]}" --ehlo "PIPELINING,SIZE 100000" --ehlo-tls "PIPELINING"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --fault tls-keep-ehlo "$TMP/m1"
fs_done
[ "$(grep -c "C b'EHLO" "$TMP/fs.log")" -eq 1 ] || fail "EHLO after TLS"
fs_has "SIZE="

# STARTTLS offered again inside TLS: ignored, vs starttls-twice.
fs "${FSTLS[@]}" --ehlo-tls "PIPELINING,STARTTLS"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require "$TMP/m1"
fs_done
[ "$(grep -c "C b.STARTTLS" "$TMP/fs.log")" -eq 1 ] || fail "STARTTLS twice"
fs "${FSTLS[@]}" --ehlo-tls "PIPELINING,STARTTLS"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --ca "$CA" --tls require \
    --fault starttls-twice "$TMP/m1"
fs_done
[ "$(grep -c "C b'STARTTLS" "$TMP/fs.log")" -eq 2 ] || fail "no second STARTTLS"

# AUTH in clear: refused by default, sent with the fault (or --auth-clear);
# LOGIN when PLAIN is not offered.
fs --ehlo "AUTH PLAIN"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" \
    --auth-user "$USER" --auth-password "$PASS" "$TMP/m1"
fs_done
fs_lacks "'AUTH"
fs --ehlo "AUTH PLAIN"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" \
    --auth-user "$USER" --auth-password "$PASS" --fault auth-in-clear "$TMP/m1"
fs_done
fs_has "C b'AUTH PLAIN AHNtdHBjaGVjawB0ZXN0LW9ubHktcGFzc3dvcmQ=\\r\\n'"
fs --ehlo "AUTH LOGIN"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --auth-clear \
    --auth-user "$USER" --auth-password "$PASS" "$TMP/m1"
fs_done
fs_has "C b'AUTH LOGIN\\r\\n'"
fs_has "C b'c210cGNoZWNr\\r\\n'"
fs_has "C b'dGVzdC1vbmx5LXBhc3N3b3Jk\\r\\n'"

# no-dot-stuffing and bare-lf.
fs ; send 0 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
fs_has '\r\n..dot line\r\n'
fs_has "C b'EHLO "
fs ; send 0 --server "$FS" --from "$FROM" --to "$ALICE" --fault no-dot-stuffing "$TMP/m1"
fs_done
fs_has '\r\n.dot line\r\n'
fs_lacks '..dot'
fs ; send 0 --server "$FS" --from "$FROM" --to "$ALICE" --fault bare-lf "$TMP/m1"
fs_done
grep '^C ' "$TMP/fs.log" | grep -qF '\r' && fail "a CR from the client"
fs_has "C b'QUIT\\n'"
fs_has '\n..dot line\nbody\n.\n'

# pipeline-without-extension: the server offers no PIPELINING and waits
# before answering MAIL; the RCPT arrives before that reply only with the
# fault.
fs --ehlo "8BITMIME" --drain-before MAIL
send 0 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
(fs_before "RCPT TO" "250 2.1.0") 2>/dev/null && fail "RCPT before the MAIL reply"
fs --ehlo "8BITMIME" --drain-before MAIL
send 0 --server "$FS" --from "$FROM" --to "$ALICE" \
    --fault pipeline-without-extension "$TMP/m1"
fs_done
fs_before "RCPT TO" "250 2.1.0"

# data-before-354: the content arrives before the 354 is sent.
fs --drain-before DATA
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --pipelining never "$TMP/m1"
fs_done
(fs_before "Subject: t" "354 go") 2>/dev/null && fail "content before the 354"
fs --drain-before DATA
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --pipelining never \
    --fault data-before-354 "$TMP/m1"
fs_done
fs_before "Subject: t" "354 go"

# no-quit.
fs ; send 0 --server "$FS" --from "$FROM" --to "$ALICE" --fault no-quit "$TMP/m1"
fs_done
fs_lacks "QUIT"

# ignore-size: SIZE 10 is too small; the fault sends anyway, no SIZE=.
fs --ehlo "SIZE 10"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
fs_lacks "MAIL FROM"
fs --ehlo "SIZE 10"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --fault ignore-size "$TMP/m1"
fs_done
fs_has "MAIL FROM:<$FROM>\\r\\n"
fs_has "Subject: t"

# 8bit-without-8bitmime: no 8BITMIME; 8-bit content refused (69) vs sent.
fs --ehlo "PIPELINING"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m8"
fs_done
fs_lacks "MAIL FROM"
fs --ehlo "PIPELINING"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" \
    --fault 8bit-without-8bitmime "$TMP/m8"
fs_done
fs_has "BODY=8BITMIME"
fs_has 'caf\xc3\xa9'

# no-helo-fallback: 502 to EHLO.
fs --ehlo-reply "502 5.5.1 no EHLO"
send 0 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
fs_has "C b'HELO "
fs --ehlo-reply "502 5.5.1 no EHLO"
send 76 --server "$FS" --from "$FROM" --to "$ALICE" --fault no-helo-fallback "$TMP/m1"
fs_done
fs_lacks "HELO"

# mail-after-5xx.
fs --ehlo "" --mail-reply "550 5.7.1 no"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
fs_lacks "RCPT"
fs --ehlo "" --mail-reply "550 5.7.1 no"
send 69 --server "$FS" --from "$FROM" --to "$ALICE" --fault mail-after-5xx "$TMP/m1"
fs_done
fs_has "RCPT TO"

# no-wait-greeting: the server waits before its 220.
fs --drain-before GREETING
send 0 --server "$FS" --from "$FROM" --to "$ALICE" "$TMP/m1"
fs_done
(fs_before "EHLO" "220 fs") 2>/dev/null && fail "EHLO before the 220"
fs --drain-before GREETING
send 0 --server "$FS" --from "$FROM" --to "$ALICE" --fault no-wait-greeting "$TMP/m1"
fs_done
fs_before "EHLO" "220 fs"

echo "smtpref_send_tls: ok ($NCHECKS sends)"
exit 0
