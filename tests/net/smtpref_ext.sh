#!/bin/bash
# SPDX-License-Identifier: ISC
#
# smtpref_ext.sh BUILD_DIR SOURCE_DIR - the ESMTP extensions of `smtpref
# serve` end to end: CHUNKING/BDAT and BINARYMIME (RFC 3030), DSN
# parameters (RFC 3461), SMTPUTF8 (RFC 6531), BODY= (RFC 6152), the
# --8bitmime/--smtputf8/--chunking/--dsn settings, the command and data
# timeouts, and every fault profile of these areas (each shown to change
# what a client sees). Servers listen on 127.0.0.1 port 0; the dialogues
# are raw sockets in python3 (written to TMP). Every wait is bounded;
# everything is cleaned up on exit.
set -u

BUILD=${1:?usage: smtpref_ext.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: smtpref_ext.sh BUILD_DIR SOURCE_DIR}
REF=${SMTPREF_BIN:-$BUILD/smtpref}
WAIT_START=100		# tenths of a second for the port file
WAIT_EXIT=50		# tenths of a second for exit after SIGTERM
FAULTS="pipelining-reorder enh-missing-rcpt bdat-miscount bdat-dot-ends
    data-after-bdat-ok bdat-no-reply-per-chunk binarymime-data-ok
    size-end-ignored body-unknown-ok smtputf8-no-param-ok smtputf8-refused
    dsn-bad-notify-ok dsn-refused idle-drop idle-short data-timeout-short"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpref_ext.XXXXXX") || exit 1
PIDS=()

. "$(dirname "$0")/../lib/smtpref.sh"
trap cleanup EXIT

[ -x "$REF" ] || fail "$REF not built"
command -v python3 >/dev/null || fail "python3 not found"

# Settings and --help.
for f in --8bitmime --smtputf8 --chunking --dsn; do
	"$REF" serve --help | grep -q -- "$f yes|no" || fail "--help lacks $f"
	usage_error "smtpref: $f: ${f#--}: expected yes or no*" \
	    --listen 127.0.0.1:0 "$f" maybe
done
"$REF" serve --help | grep -q "no DSN is ever sent" ||
    fail "--help does not say that no DSN is sent"
"$REF" serve --fault list >"$TMP/faults" || fail "--fault list"
for f in $FAULTS; do
	grep -q "^$f	[^	]*\$" "$TMP/faults" ||
	    fail "--fault list lacks $f (or names a need)"
done
usage_error 'smtpref: --user: user "*": expected LOCAL@DOMAIN' \
    --listen 127.0.0.1:0 --user "$(printf 'bad\xc3@smtpref.test')"

cat >"$TMP/ext.py" <<'PYEOF'
import os, socket, sys, time

READ_TIMEOUT = 10
checks = failures = 0


def ok(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL: %s" % what)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, b):
        self.s.sendall(b)

    def line(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply line within %.1fs" % timeout)
            self.s.settimeout(left)
            d = self.s.recv(65536)
            if not d:
                raise EOFError("closed; held %r" % self.buf)
            self.buf += d
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def reply(self, timeout=READ_TIMEOUT):
        lines = []
        while True:
            ln = self.line(timeout)
            lines.append(ln)
            if len(ln) < 4 or ln[3:4] != b"-":
                return int(ln[:3]), lines

    def expect(self, want, what, text=None, timeout=READ_TIMEOUT):
        code, lines = self.reply(timeout)
        ok(code == want, "%s: got %r, wanted %d" % (what, lines, want))
        ok(all(c < 0x80 for ln in lines for c in ln),
           "%s: non-ASCII in reply %r" % (what, lines))
        if text is not None:
            ok(lines[-1][4:] == text, "%s: text %r, wanted %r" %
               (what, lines[-1][4:], text))
        return code, lines

    def cmd(self, line, want, what, text=None):
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.send(line + b"\r\n")
        return self.expect(want, what, text)

    def ehlo(self):
        return self.cmd("EHLO client.smtpcheck.test", 250, "EHLO")

    def tx(self, mail="MAIL FROM:<a@client.test>",
           rcpt="RCPT TO:<alice@smtpref.test>"):
        self.cmd(mail, 250, "MAIL (%s)" % mail)
        self.cmd(rcpt, 250, "RCPT (%s)" % rcpt)

    def quiet(self, secs, what):
        """Nothing arrives for secs seconds."""
        self.s.settimeout(secs)
        try:
            d = self.s.recv(65536)
            ok(False, "%s: got %r" % (what, self.buf + d))
        except socket.timeout:
            pass
        ok(self.buf == b"", "%s: held %r" % (what, self.buf))
        self.s.settimeout(READ_TIMEOUT)

    def eof(self, what, timeout=5):
        self.s.settimeout(timeout)
        try:
            d = self.s.recv(65536)
            ok(d == b"", "%s: wanted a close, got %r" % (what, d))
        except (socket.timeout, ConnectionResetError) as e:
            ok(isinstance(e, ConnectionResetError), "%s: no close" % what)

    def close(self):
        self.s.close()


def keywords(lines):
    return [ln[4:] for ln in lines[1:]]


def new_messages(md, before):
    d = os.path.join(md, "new")
    return [os.path.join(d, n) for n in sorted(os.listdir(d))
            if n not in before]


def maildir_has(md, before, payload, what, utf8=False):
    """One new message; after its Received: header, exactly payload."""
    new = new_messages(md, before)
    ok(len(new) == 1, "%s: %d new messages, wanted 1" % (what, len(new)))
    if len(new) != 1:
        return
    data = open(new[0], "rb").read()
    ok(data.startswith(b"Received: "), "%s: no Received: %r" %
       (what, data[:40]))
    hdr_end = data.find(b"\r\n", data.find(b";\r\n\t") + 4) + 2
    ok(data[hdr_end:] == payload, "%s: stored %r, wanted %r" %
       (what, data[hdr_end:][:200], payload[:200]))
    if utf8:
        ok(b" with UTF8SMTP id " in data[:hdr_end],
           "%s: Received lacks UTF8SMTP: %r" % (what, data[:hdr_end]))


def main_checks(port, md):
    listing = lambda: set(os.listdir(os.path.join(md, "new")))
    c = Conn(port)
    code, lines = c.ehlo()
    kws = keywords(lines)
    for kw in (b"8BITMIME", b"SMTPUTF8", b"CHUNKING", b"BINARYMIME",
               b"DSN"):
        ok(kw in kws, "EHLO lacks %r: %r" % (kw, lines))

    # BDAT: binary chunks stored byte for byte, CRLF.CRLF and ".." raw.
    before = listing()
    c.tx()
    c1 = b"\x00\xff\r\rbare\n.."
    c2 = b"line\r\n.\r\n..dots\r\nQUIT\r\n\x80 end"
    c.send(b"BDAT %d\r\n" % len(c1) + c1)
    c.expect(250, "BDAT chunk 1", b"2.0.0 %d octets received" % len(c1))
    c.send(b"BDAT %d LAST\r\n" % len(c2) + c2)
    code, lines = c.expect(250, "BDAT LAST")
    ok(lines[0].startswith(b"250 2.0.0 Ok: queued as "), "LAST text %r" %
       lines)
    maildir_has(md, before, c1 + c2, "BDAT message")

    # BDAT 0 LAST: an empty message; BDAT 0 in the middle.
    before = listing()
    c.tx()
    c.cmd("BDAT 0", 250, "BDAT 0", b"2.0.0 0 octets received")
    c.cmd("BDAT 0 LAST", 250, "BDAT 0 LAST")
    maildir_has(md, before, b"", "BDAT 0 LAST message")
    c.close()

    # The chunk reply only after the last octet.
    c = Conn(port)
    c.ehlo()
    c.tx()
    c.send(b"BDAT 10 last\r\n12345")
    c.quiet(1.0, "BDAT reply before the chunk's end")
    c.send(b"67890")
    c.expect(250, "BDAT 10 last (case-insensitive LAST)")

    # DATA after BDAT: 503; BDAT after LAST: 503, its octets consumed.
    c.tx()
    c.send(b"BDAT 5\r\nhello")
    c.expect(250, "BDAT 5")
    c.cmd("DATA", 503, "DATA after BDAT", b"5.5.1 Error: DATA after BDAT")
    c.send(b"BDAT 3 LAST\r\nabc")
    c.expect(250, "BDAT LAST after the refused DATA")
    c.send(b"BDAT 5\r\nNOOP\n")
    c.expect(503, "BDAT after LAST", b"5.5.1 Error: need MAIL command")
    c.cmd("NOOP", 250, "NOOP after BDAT after LAST")

    # BDAT before RCPT / MAIL: the chunk is read and thrown away.
    c.cmd("MAIL FROM:<a@client.test>", 250, "MAIL")
    junk = b"RSET\r\nNOOP\r\nHELP\r\nQUIT\r\nRSET\r\nNOOP\r\n"
    c.send(b"BDAT %d\r\n" % len(junk) + junk)
    c.expect(503, "BDAT before RCPT", b"5.5.1 Error: need RCPT command")
    c.cmd("RSET", 250, "in step after the refused chunk")
    c.send(b"BDAT %d LAST\r\n" % len(junk) + junk)
    c.expect(503, "BDAT before MAIL", b"5.5.1 Error: need MAIL command")
    c.cmd("NOOP", 250, "in step after the refused LAST chunk")
    # Pipelined chunks behind a failed one: all read, all refused.
    c.send(b"BDAT 10\r\n0123456789BDAT 10 LAST\r\n0123456789NOOP\r\n")
    c.expect(503, "pipelined failed chunk 1")
    c.expect(503, "pipelined failed chunk 2")
    c.expect(250, "NOOP behind the failed chunks")
    c.close()

    c = Conn(port)
    c.send(b"BDAT 6\r\nNOOP\r\nNOOP\r\n")
    c.expect(503, "BDAT before EHLO", b"5.5.1 Error: send HELO/EHLO first")
    c.expect(250, "NOOP after the chunk")
    c.ehlo()

    # Syntax errors: 501, no chunk read (its size is unknown).
    for bad in ("BDAT", "BDAT abc", "BDAT -1", "BDAT 10 FIRST",
                "BDAT 10 LAST x", "BDAT 1x", "BDAT 10  LAST",
                "BDAT 123456789012345678901"):
        c.cmd(bad, 501, bad, b"5.5.4 Syntax: BDAT size [LAST]")
    c.cmd("NOOP", 250, "NOOP after the BDAT syntax errors")

    # Pipelined BDATs: one reply each, in order.
    before = listing()
    c.send(b"MAIL FROM:<a@client.test>\r\nRCPT TO:<bob@smtpref.test>\r\n"
           b"BDAT 4\r\nabcdBDAT 3\r\nefgBDAT 2 LAST\r\nhiNOOP\r\n")
    c.expect(250, "pipelined MAIL", b"2.1.0 Sender ok")
    c.expect(250, "pipelined RCPT", b"2.1.5 Recipient ok")
    c.expect(250, "pipelined BDAT 4", b"2.0.0 4 octets received")
    c.expect(250, "pipelined BDAT 3", b"2.0.0 3 octets received")
    code, lines = c.expect(250, "pipelined BDAT LAST")
    ok(b"queued as" in lines[0], "pipelined LAST text %r" % lines)
    c.expect(250, "pipelined NOOP", b"2.0.0 Ok")
    maildir_has(md, before, b"abcdefghi", "pipelined BDAT message")

    # The chunk size was wrong: the leftovers are a bad command.
    c.tx()
    c.send(b"BDAT 5 LAST\r\n12345\x01\x02junkjunk\r\n")
    c.expect(250, "BDAT 5 LAST")
    c.expect(500, "leftover octets as a command")
    c.cmd("NOOP", 250, "NOOP after the leftovers")

    # RSET after a partial BDAT: nothing kept; a new message works.
    before = listing()
    c.tx()
    c.send(b"BDAT 5\r\nfirst")
    c.expect(250, "partial BDAT")
    c.cmd("RSET", 250, "RSET after partial BDAT")
    c.tx()
    c.send(b"BDAT 6 LAST\r\nsecond")
    c.expect(250, "BDAT after RSET")
    maildir_has(md, before, b"second", "only the second message")

    # Over SIZE (65536): chunks taken, 552 at LAST, still in step.
    c.tx()
    big = b"x" * 40000
    c.send(b"BDAT 40000\r\n" + big)
    c.expect(250, "BDAT under SIZE so far")
    c.send(b"BDAT 40000 LAST\r\n" + big)
    c.expect(552, "BDAT over SIZE at LAST",
             b"5.3.4 Message size exceeds fixed maximum message size")
    c.cmd("NOOP", 250, "NOOP after 552")
    # ... and DATA over SIZE without SIZE=: 552 too.
    c.tx()
    c.cmd("DATA", 354, "DATA")
    c.send((b"y" * 998 + b"\r\n") * 70 + b".\r\n")
    c.expect(552, "DATA over SIZE")

    # BINARYMIME: DATA refused (503 5.6.1), BDAT taken.
    c.tx(mail="MAIL FROM:<a@client.test> BODY=BINARYMIME")
    c.cmd("DATA", 503, "BINARYMIME then DATA",
          b"5.6.1 Error: BODY=BINARYMIME needs BDAT, not DATA")
    c.send(b"BDAT 3 LAST\r\n\x00\x01\x02")
    c.expect(250, "BINARYMIME then BDAT")

    # BODY (RFC 6152).
    for v in ("7BIT", "8BITMIME", "8bitmime", "binarymime"):
        c.cmd("MAIL FROM:<a@client.test> BODY=" + v, 250, "BODY=" + v)
        c.cmd("RSET", 250, "RSET")
    for v in ("BODY=9BIT", "BODY=BOGUS", "BODY", "BODY=7BIT BODY=8BITMIME"):
        c.cmd("MAIL FROM:<a@client.test> " + v, 501, v,
              b"5.5.4 Bad BODY parameter")

    # DSN: valid parameters change nothing.
    for p in ("RET=HDRS ENVID=QQ314159", "RET=FULL", "ret=full",
              "ENVID=a+2Bb", "ENVID=" + "e" * 100):
        c.cmd("MAIL FROM:<a@client.test> " + p, 250, "MAIL " + p[:30])
        c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<a@client.test>", 250, "MAIL")
    orcpt = "rfc822;" + "o" * (500 - 7 - len("@smtpref.test")) + \
        "@smtpref.test"
    for p in ("NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;alice@smtpref.test",
              "NOTIFY=never", "NOTIFY=Failure", "NOTIFY=delay,success",
              "ORCPT=rfc822;alice+40x@smtpref.test",
              "ORCPT=" + orcpt):
        c.cmd("RCPT TO:<alice@smtpref.test> " + p, 250, "RCPT " + p[:40])
    c.cmd("RSET", 250, "RSET")
    for p in ("RET=XYZ", "RET", "RET=FULL RET=HDRS", "ENVID=a ENVID=b",
              "ENVID=a+ZZb", "ENVID=a+2bb", "ENVID=a=b", "ENVID=a+2",
              "ENVID=" + "e" * 101):
        c.cmd("MAIL FROM:<a@client.test> " + p, 501, "MAIL " + p[:30])
    c.cmd("MAIL FROM:<a@client.test>", 250, "MAIL")
    for p in ("NOTIFY=NEVER,SUCCESS", "NOTIFY=BOGUS", "NOTIFY=",
              "NOTIFY=SUCCESS,", "NOTIFY=SUCCESS NOTIFY=FAILURE",
              "ORCPT=alice@smtpref.test", "ORCPT=;alice@smtpref.test",
              "ORCPT=rfc822;a+zz@smtpref.test",
              "ORCPT=rfc822;a ORCPT=rfc822;b", "ORCPT=" + orcpt + "o"):
        c.cmd("RCPT TO:<alice@smtpref.test> " + p, 501, "RCPT " + p[:40])
    c.close()

    # SMTPUTF8.
    c = Conn(port)
    c.ehlo()
    before = listing()
    c.cmd("MAIL FROM:<δοκιμή@client.test> SMTPUTF8", 250, "UTF-8 MAIL")
    c.cmd("RCPT TO:<jösé@smtpref.test>", 250, "UTF-8 user RCPT")
    c.cmd("RCPT TO:<JÖSÉ@smtpref.test>", 550, "no Unicode case folding")
    c.cmd("RCPT TO:<用户@smtpref.test>", 550, "unknown UTF-8 user")
    c.cmd("RCPT TO:<alice@smtpref.test>", 250, "ASCII user in a UTF-8 tx")
    c.cmd("DATA", 354, "UTF-8 DATA")
    c.send("Subject: héllo\r\n\r\nbody\r\n.\r\n".encode("utf-8"))
    c.expect(250, "UTF-8 message")
    new = new_messages(md, before)
    ok(len(new) == 1 and b" with UTF8SMTP id " in open(new[0], "rb").read(),
       "Received: with UTF8SMTP")
    c.cmd("MAIL FROM:<ü@client.test>", 553, "UTF-8 MAIL without SMTPUTF8",
          b"5.6.7 Non-ASCII sender address needs SMTPUTF8")
    c.cmd("MAIL FROM:<a@client.test>", 250, "ASCII MAIL")
    c.cmd("RCPT TO:<jösé@smtpref.test>", 553, "UTF-8 RCPT without SMTPUTF8",
          b"5.6.7 Non-ASCII recipient address needs SMTPUTF8")
    c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<a@client.test> SMTPUTF8=yes", 501, "SMTPUTF8=yes",
          b"5.5.4 Bad SMTPUTF8 parameter")
    c.cmd("MAIL FROM:<a@client.test> SMTPUTF8 SMTPUTF8", 501,
          "SMTPUTF8 twice")
    c.cmd(b"MAIL FROM:<\xc0\x80x@client.test> SMTPUTF8", 501,
          "overlong UTF-8", b"5.1.7 Bad sender address syntax: "
          b"invalid UTF-8")
    c.cmd(b"MAIL FROM:<\x80@client.test> SMTPUTF8", 501, "lone continuation")
    c.cmd(b"MAIL FROM:<a@\xed\xa0\x80.test> SMTPUTF8", 501, "surrogate")
    c.cmd(b"MAIL FROM:<a@client.test> SMTPUTF8 X=\xc3\xbc", 501,
          "UTF-8 in a parameter value")
    c.cmd("MAIL FROM:<a@bücher.test> SMTPUTF8", 250, "UTF-8 domain")
    c.cmd(b"RCPT TO:<\xe7\x94\xa8\xff@smtpref.test>", 501,
          "invalid UTF-8 RCPT", b"5.1.3 Bad recipient address syntax: "
          b"invalid UTF-8")
    c.cmd("RCPT TO:<alice@smtpref.test>", 250, "RCPT (enhanced code)",
          b"2.1.5 Recipient ok")
    c.cmd("QUIT", 221, "QUIT")
    c.close()


def noext_checks(port):
    c = Conn(port)
    code, lines = c.ehlo()
    kws = keywords(lines)
    for kw in (b"8BITMIME", b"SMTPUTF8", b"CHUNKING", b"BINARYMIME",
               b"DSN"):
        ok(kw not in kws, "EHLO offers %r: %r" % (kw, lines))
    for p in ("BODY=8BITMIME", "BODY=7BIT", "SMTPUTF8", "RET=HDRS",
              "ENVID=x"):
        c.cmd("MAIL FROM:<a@client.test> " + p, 555, "unoffered " + p,
              b"5.5.4 Unsupported MAIL/RCPT parameter")
    c.cmd("MAIL FROM:<ü@client.test>", 553, "UTF-8 MAIL, no SMTPUTF8")
    c.cmd("MAIL FROM:<a@client.test>", 250, "MAIL")
    for p in ("NOTIFY=NEVER", "ORCPT=rfc822;alice@smtpref.test"):
        c.cmd("RCPT TO:<alice@smtpref.test> " + p, 555, "unoffered " + p)
    c.cmd("RCPT TO:<alice@smtpref.test>", 250, "RCPT")
    c.cmd("BDAT 0 LAST", 502, "BDAT without CHUNKING")
    # 8-bit content without 8BITMIME: accepted (RFC 6152 leaves it).
    c.cmd("DATA", 354, "DATA")
    c.send(b"Subject: caf\xc3\xa9\r\n\r\n\xff\xfe\r\n.\r\n")
    c.expect(250, "8-bit content without 8BITMIME")
    c.close()


def nobits_checks(port):
    # 8BITMIME off, CHUNKING on: BODY=BINARYMIME only; SMTPUTF8 goes
    # with 8BITMIME (RFC 6531 3.1(8)).
    c = Conn(port)
    code, lines = c.ehlo()
    kws = keywords(lines)
    ok(b"SMTPUTF8" not in kws and b"8BITMIME" not in kws and
       b"CHUNKING" in kws, "--8bitmime no: keywords %r" % kws)
    c.cmd("MAIL FROM:<a@client.test> BODY=8BITMIME", 501,
          "BODY=8BITMIME without 8BITMIME")
    c.cmd("MAIL FROM:<a@client.test> BODY=BINARYMIME", 250,
          "BODY=BINARYMIME with CHUNKING")
    c.close()


def timeout_checks(port):
    # Idle: 421 4.4.2, then the close.
    c = Conn(port)
    t0 = time.monotonic()
    c.expect(421, "idle timeout",
             b"4.4.2 smtpref.test Error: timeout exceeded", timeout=5)
    ok(time.monotonic() - t0 < 4, "idle 421 late")
    c.eof("close after the idle 421")
    c.close()
    # A drip of octets inside one command line: still 421.
    c = Conn(port)
    t0 = time.monotonic()
    try:
        for ch in b"EHLO drip.example":
            c.send(bytes([ch]))
            time.sleep(0.25)
    except OSError:
        pass
    c.expect(421, "drip inside a command line", timeout=5)
    ok(time.monotonic() - t0 < 5, "drip 421 late")
    c.close()
    # Inside a BDAT chunk: the data timeout.
    c = Conn(port)
    c.ehlo()
    c.tx()
    c.send(b"BDAT 10\r\nabc")
    c.expect(421, "timeout inside a BDAT chunk", timeout=5)
    c.eof("close after the BDAT 421")
    c.close()


def fault_checks(name, port):
    c = Conn(port)
    c.ehlo()
    if name == "pipelining-reorder":
        c.send(b"NOOP\r\nRSET\r\nVRFY x\r\nNOOP\r\n")
        got = [c.reply()[0] for _ in range(4)]
        ok(got == [250, 252, 250, 250], "%s: codes %r" % (name, got))
    elif name == "enh-missing-rcpt":
        c.cmd("MAIL FROM:<a@client.test>", 250, name, b"2.1.0 Sender ok")
        c.cmd("RCPT TO:<alice@smtpref.test>", 250, name, b"Recipient ok")
    elif name == "bdat-miscount":
        c.tx()
        c.send(b"BDAT 5 LAST\r\nhelloNOOP\r\n")
        c.expect(250, name + ": BDAT")
        c.expect(500, name + ": the 5th octet garbles the next line")
    elif name == "bdat-dot-ends":
        c.tx()
        chunk = b"a\r\n.\r\nNOOP\r\n"
        c.send(b"BDAT %d LAST\r\n" % len(chunk) + chunk)
        c.expect(250, name + ": message ends at CRLF.CRLF")
        c.expect(250, name + ": the chunk's NOOP ran", b"2.0.0 Ok")
    elif name == "data-after-bdat-ok":
        c.tx()
        c.send(b"BDAT 5\r\nhello")
        c.expect(250, name + ": BDAT")
        c.cmd("DATA", 354, name + ": DATA after BDAT")
        c.cmd(".", 250, name + ": end of data")
    elif name == "bdat-no-reply-per-chunk":
        c.tx()
        c.send(b"BDAT 3\r\nabcBDAT 3 LAST\r\ndefNOOP\r\n")
        code, lines = c.expect(250, name + ": first reply is LAST's")
        ok(b"queued as" in lines[0], "%s: %r" % (name, lines))
        c.expect(250, name + ": NOOP", b"2.0.0 Ok")
    elif name == "binarymime-data-ok":
        c.tx(mail="MAIL FROM:<a@client.test> BODY=BINARYMIME")
        c.cmd("DATA", 354, name)
        c.cmd(".", 250, name + ": end of data")
    elif name == "size-end-ignored":
        c.tx()
        c.send(b"BDAT 70000 LAST\r\n" + b"z" * 70000)
        c.expect(250, name + ": BDAT over SIZE taken")
        c.tx()
        c.cmd("DATA", 354, name + ": DATA")
        c.send((b"y" * 998 + b"\r\n") * 70 + b".\r\n")
        c.expect(250, name + ": DATA over SIZE taken")
        c.tx(mail="MAIL FROM:<a@client.test> SIZE=100")
        c.send(b"BDAT 70000 LAST\r\n" + b"z" * 70000)
        c.expect(552, name + ": still 552 after SIZE=")
    elif name == "body-unknown-ok":
        c.cmd("MAIL FROM:<a@client.test> BODY=BOGUS", 250, name)
    elif name == "smtputf8-no-param-ok":
        c.cmd("MAIL FROM:<ü@client.test>", 250, name)
        c.cmd("RCPT TO:<jösé@smtpref.test>", 250, name + " RCPT")
    elif name == "smtputf8-refused":
        c.cmd("MAIL FROM:<ü@client.test> SMTPUTF8", 553, name,
              b"5.6.7 Non-ASCII sender address not permitted")
        c.cmd("MAIL FROM:<a@client.test> SMTPUTF8", 250, name + " ASCII")
        c.cmd("RCPT TO:<jösé@smtpref.test>", 553, name + " RCPT")
    elif name == "dsn-bad-notify-ok":
        c.cmd("MAIL FROM:<a@client.test>", 250, "MAIL")
        for p in ("NOTIFY=NEVER,SUCCESS", "NOTIFY=BOGUS"):
            c.cmd("RCPT TO:<alice@smtpref.test> " + p, 250, name + " " + p)
    elif name == "dsn-refused":
        c.cmd("MAIL FROM:<a@client.test> RET=HDRS", 250, name + " RET")
        for p in ("NOTIFY=SUCCESS", "ORCPT=rfc822;alice@smtpref.test"):
            c.cmd("RCPT TO:<alice@smtpref.test> " + p, 555, name + " " + p)
    elif name == "idle-drop":
        t0 = time.monotonic()
        c.eof(name + ": silent close", timeout=5)
        ok(c.buf == b"", "%s: sent %r" % (name, c.buf))
        ok(time.monotonic() - t0 < 3, name + ": late")
    elif name == "idle-short":
        t0 = time.monotonic()
        c.expect(421, name, timeout=6)
        ok(time.monotonic() - t0 < 5, name + ": late")
    elif name == "data-timeout-short":
        c.tx()
        c.cmd("DATA", 354, "DATA")
        c.send(b"Subject: x\r\n")
        t0 = time.monotonic()
        c.expect(421, name, timeout=6)
        ok(time.monotonic() - t0 < 5, name + ": late")
    else:
        ok(False, "no check for fault %s" % name)
    c.close()


def main():
    mode = sys.argv[1]
    try:
        if mode == "main":
            main_checks(int(sys.argv[2]), sys.argv[3])
        elif mode == "noext":
            noext_checks(int(sys.argv[2]))
        elif mode == "nobits":
            nobits_checks(int(sys.argv[2]))
        elif mode == "timeout":
            timeout_checks(int(sys.argv[2]))
        elif mode == "fault":
            mode = "fault " + sys.argv[2]
            fault_checks(sys.argv[2], int(sys.argv[3]))
    except Exception as e:  # a crash of the test is a failure too
        import traceback
        traceback.print_exc()
        ok(False, "%s: %s: %s" % (mode, type(e).__name__, e))
    print("%s: %d checks, %d failures" % (mode, checks, failures))
    sys.exit(1 if failures else 0)


main()
PYEOF

start main --listen 127.0.0.1:0 --maildir "$TMP/md" --max-message-size 65536 \
    --max-errors 1000
MAINPID=$LASTPID
timeout 120 python3 "$TMP/ext.py" main "$PORT" "$TMP/md" ||
    fail "extension checks failed"
stop "$MAINPID"

start noext --listen 127.0.0.1:0 --sink --8bitmime no --smtputf8 no \
    --chunking no --dsn no
timeout 60 python3 "$TMP/ext.py" noext "$PORT" || fail "noext checks failed"
stop "$LASTPID"

start nobits --listen 127.0.0.1:0 --sink --8bitmime no
timeout 60 python3 "$TMP/ext.py" nobits "$PORT" || fail "nobits checks failed"
stop "$LASTPID"

start timeout --listen 127.0.0.1:0 --sink --timeout-command 1s \
    --timeout-data 1s
timeout 60 python3 "$TMP/ext.py" timeout "$PORT" ||
    fail "timeout checks failed"
stop "$LASTPID"

for f in $FAULTS; do
	start "f-$f" --listen 127.0.0.1:0 --sink --max-message-size 65536 \
	    --fault "$f"
	timeout 60 python3 "$TMP/ext.py" fault "$f" "$PORT" ||
	    fail "fault $f: checks failed"
	stop "$LASTPID"
done
# The same checks against a server without the fault must fail: each
# fault check sees the fault, not something else.
start plain --listen 127.0.0.1:0 --sink --max-message-size 65536
for f in $FAULTS; do
	timeout 60 python3 "$TMP/ext.py" fault "$f" "$PORT" >"$TMP/plain.out" \
	    2>&1 && fail "fault $f: its checks pass without the fault"
done
stop "$LASTPID"
echo "smtpref_ext: all checks passed"
