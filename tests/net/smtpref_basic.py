# SPDX-License-Identifier: ISC
"""smtpref_basic.py - drive `smtpref serve` over TCP and check exact codes.

Run by smtpref_basic.sh: python3 smtpref_basic.py MODE PORT [MAILDIR]
MODE "main": the fault-free server (max message size 70000, maildir).
MODE "fault": a server with --fault smuggle-lf,no-555,lf-terminator,vrfy-502
and --timeout-command 1s, to show the checks can fail.
Every read has a deadline; any mismatch exits 1 with a clear message.
"""
import os
import re
import socket
import sys
import time

READ_TIMEOUT = 5.0      # one reply
QUIET_WAIT = 1.0        # "no reply within" windows
HOST = "127.0.0.1"

failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, file=sys.stderr)


def ok(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)
    return cond


ENH = re.compile(rb"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3} ")


class Conn:
    """One SMTP session with a bounded reply reader."""

    def __init__(self, port, greet=True, host=HOST, family=socket.AF_INET):
        self.s = socket.socket(family, socket.SOCK_STREAM)
        self.s.settimeout(READ_TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.connect((host, port))
        self.buf = b""
        self.greeting = None
        self.ehlo_done = False
        if greet:
            self.greeting = self.reply()

    def send(self, data):
        self.s.sendall(data)

    def line(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply line within %.1fs" % timeout)
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.buf += chunk
        i = self.buf.index(b"\n") + 1
        ln, self.buf = self.buf[:i], self.buf[i:]
        if not ln.endswith(b"\r\n"):
            fail("reply line without CRLF: %r" % ln)
        return ln[:-2]

    def reply(self, timeout=READ_TIMEOUT):
        """(code, [lines]) of one whole reply."""
        lines = []
        while True:
            ln = self.line(timeout)
            lines.append(ln)
            if not re.match(rb"^\d\d\d[ -]", ln + b" "):
                fail("malformed reply line %r" % ln)
                return (0, lines)
            if ln[3:4] != b"-":
                break
        code = int(lines[0][:3])
        for ln in lines:
            if int(ln[:3]) != code:
                fail("mixed codes in %r" % lines)
            if any(c >= 0x7f or (c < 0x20 and c != 9) for c in ln):
                fail("reply carries unsafe octets: %r" % ln)
        return (code, lines)

    def cmd(self, text, want, what=None, enh=True):
        """Send one command line, check the reply code (and enh code)."""
        if isinstance(text, str):
            text = text.encode()
        self.send(text + b"\r\n")
        return self.expect(want, what or text[:60], enh)

    def expect(self, want, what, enh=True, timeout=READ_TIMEOUT):
        try:
            code, lines = self.reply(timeout)
        except (TimeoutError, EOFError, OSError) as e:
            fail("%s: wanted %s, got %s" % (what, want, e))
            return (0, [])
        wants = want if isinstance(want, (list, tuple)) else [want]
        ok(code in wants, "%s: wanted %s, got %r" % (what, want, lines))
        if enh and code not in (220, 354):
            for ln in lines:
                ok(ENH.match(ln) is not None,
                   "%s: no enhanced status code in %r" % (what, ln))
        return (code, lines)

    def quiet(self, what, secs=QUIET_WAIT):
        """Nothing arrives within secs."""
        self.s.settimeout(secs)
        try:
            chunk = self.s.recv(65536)
            if chunk:
                self.buf += chunk
                fail("%s: unexpected reply %r" % (what, self.buf))
                self.buf = b""
            else:
                fail("%s: unexpected close" % what)
        except socket.timeout:
            pass
        self.s.settimeout(READ_TIMEOUT)

    def eof(self, what, secs=READ_TIMEOUT):
        self.s.settimeout(secs)
        try:
            data = self.s.recv(65536)
            ok(data == b"", "%s: wanted EOF, got %r" % (what, data))
        except socket.timeout:
            fail("%s: no EOF within %.0fs" % (what, secs))
        except ConnectionResetError:
            pass

    def ehlo(self):
        return self.cmd("EHLO client.smtpcheck.test", 250, "EHLO", enh=False)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def main_checks(port, maildir):
    # Greeting, EHLO keywords.
    c = Conn(port)
    ok(c.greeting[0] == 220 and
       c.greeting[1][0].startswith(b"220 smtpref.test"),
       "greeting: %r" % (c.greeting,))
    code, lines = c.ehlo()
    kws = [ln[4:] for ln in lines[1:]]
    for kw in (b"PIPELINING", b"SIZE 70000", b"8BITMIME",
               b"ENHANCEDSTATUSCODES"):
        ok(kw in kws, "EHLO lacks %r: %r" % (kw, lines))
    ok(lines[0].startswith(b"250-smtpref.test"), "EHLO first line")
    c.cmd("EHLO", 501, "EHLO without argument")
    c.cmd("EHLO bad_name.example", 501, "EHLO with '_'")
    c.cmd("EHLO [127.0.0.1]", 250, "EHLO address literal", enh=False)
    c.cmd("EHLO [IPv6:::1]", 250, "EHLO IPv6 literal", enh=False)
    c.close()

    # HELO: single line, no keywords; enhanced codes after HELO.
    c = Conn(port)
    code, lines = c.cmd("HELO client.smtpcheck.test", 250, "HELO", enh=False)
    ok(len(lines) == 1, "HELO reply is one line: %r" % lines)
    c.cmd("XYZZY foo", 500, "unknown after HELO")
    c.close()

    # Sequencing before EHLO.
    c = Conn(port)
    c.cmd("MAIL FROM:<a@client.test>", 503, "MAIL before EHLO")
    c.cmd("NOOP", 250, "NOOP before EHLO")
    c.cmd("RSET", 250, "RSET before EHLO")
    c.cmd("VRFY postmaster", 252, "VRFY before EHLO")
    c.cmd("HELP", 214, "HELP before EHLO")
    c.ehlo()
    c.cmd("RCPT TO:<alice@smtpref.test>", 503, "RCPT before MAIL")
    c.cmd("DATA", 503, "DATA before MAIL")
    c.cmd("MAIL FROM:<<x>>", 501, "MAIL bad path")
    c.cmd("MAIL FROM:", 501, "MAIL empty path")
    c.cmd("MAIL <a@client.test>", 501, "MAIL without FROM:")
    c.cmd("MAILFROM:<a@client.test>", 500, "verb run into argument")
    c.cmd("RCPT TO:<alice@smtpref.test>", 503, "RCPT after refused MAIL")
    c.cmd("MAIL FROM:<a@client.test> XHARNESS=1", 555, "unknown MAIL param")
    c.cmd("MAIL FROM:<a@client.test> SIZE=70001", 552, "SIZE over limit")
    c.cmd("MAIL FROM:<a@client.test> SIZE=99999999999999999999", 552,
          "SIZE 20 digits")
    c.cmd("MAIL FROM:<a@client.test> SIZE=1e6", 501, "SIZE not digits")
    c.cmd("MAIL FROM:<a@client.test> SIZE=10 SIZE=20", 501, "SIZE twice")
    c.cmd("MAIL FROM:<a@client.test> BODY=9BIT", 501, "BODY=9BIT")
    c.cmd("MAIL FROM:<\xc3\xbc@client.test>".encode("latin-1"), 553,
          "8-bit sender without SMTPUTF8")
    c.close()

    # A transaction surviving errors (a new session: max_errors is 20).
    c = Conn(port)
    c.ehlo()
    c.cmd("MAIL FROM:<a@client.test> body=8bitmime SIZE=1000", 250,
          "MAIL with BODY and SIZE")
    c.cmd("MAIL FROM:<b@client.test>", 503, "nested MAIL")
    c.cmd("DATA", 503, "DATA before RCPT")
    c.cmd("RCPT TO:<>", 501, "empty forward path")
    c.cmd("RCPT TO:<alice@smtpref.test> XHARNESS=1", 555, "unknown RCPT param")
    c.cmd("RCPT TO:<nosuchuser-4f1c9a@smtpref.test>", 550, "unknown user")
    c.cmd("RCPT TO:<victim@relay-target.invalid>", 550, "relay denied")
    c.cmd("RCPT TO:<@smtpref.test:b@relay-target.invalid>", 550,
          "relay via source route")
    c.cmd("RCPT TO:<b@[192.0.2.1]>", 550, "relay via literal")
    c.cmd("RCPT TO:<postmaster@bad_label.smtpref.test>", 501, "'_' label")
    c.cmd("RCPT TO:<u@[300.1.1.1]>", 501, "bad IPv4 literal")
    c.cmd("RCPT TO:<Postmaster>", 250, "bare Postmaster")
    c.cmd("RCPT TO:<pOsTmAsTeR@SMTPREF.TEST>", 250, "postmaster any case")
    c.cmd("RCPT TO:<@relay.invalid:postmaster@smtpref.test>", 250,
          "source route stripped")
    c.cmd("NOOP hello world", 250, "NOOP with parameters")
    c.cmd("VRFY", 501, "VRFY without argument")
    c.cmd("EXPN postmaster", 502, "EXPN")
    c.cmd("TURN", 502, "TURN")
    c.cmd("DATA x", 501, "DATA with argument")
    c.cmd("DATA", 354, "DATA after surviving errors")
    c.send(b"Subject: t\r\n\r\nx\r\n.\r\n")
    c.expect(250, "end of data")
    c.cmd("RSET x", 501, "RSET with argument")
    c.cmd("QUIT now", 501, "QUIT with argument")
    c.cmd("QUIT", 221, "QUIT")
    c.eof("close after QUIT")
    c.close()

    # Repeated EHLO and RSET reset the transaction; lower-case verbs.
    c = Conn(port)
    c.cmd("ehlo client.smtpcheck.test", 250, "lower-case ehlo", enh=False)
    c.cmd("mail from:<a@client.test>", 250, "lower-case mail")
    c.cmd("Rcpt To:<alice@smtpref.test>", 250, "mixed-case rcpt")
    c.ehlo()
    c.cmd("DATA", 503, "DATA after repeated EHLO")
    c.cmd("MAIL FROM:<>", 250, "null sender")
    c.cmd("RCPT TO:<bob@smtpref.test>", 250, "bob")
    c.cmd("RSET", 250, "RSET in transaction")
    c.cmd("DATA", 503, "DATA after RSET")
    c.cmd("MAIL FROM:<@a.example,@b.example:u@client.test>", 250,
          "source route in MAIL")
    c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<u@[127.0.0.1]>", 250, "address literal sender")
    c.cmd("RSET", 250, "RSET")
    c.cmd('MAIL FROM:<"john q"@client.test>', 250, "quoted local part")
    c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<%s@client.test>" % ("x" * 64), 250, "64-octet local")
    c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<%s@client.test>" % ("x" * 65), 553, "65-octet local")
    labels = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 60])
    c.cmd("MAIL FROM:<u@%s>" % labels, 250, "256-octet path")
    c.cmd("RSET", 250, "RSET")
    c.cmd("MAIL FROM:<uu@%s>" % labels, 501, "257-octet path")
    c.cmd("quit", 221, "lower-case quit")
    c.close()

    # Line limits and line ends.
    c = Conn(port)
    c.ehlo()
    c.cmd("NOOP " + "a" * 505, 250, "512-octet line")
    c.cmd("NOOP " + "a" * 506, 500, "513-octet line")
    c.cmd("NOOP " + "a" * 4000, 500, "4000-octet line")
    c.cmd("NOOP", 250, "NOOP after long line")
    for n in (507, 995, 2043, 4091, 8187, 65531):
        c.send(b"NOOP " + b"a" * n + b"RSET\r\n")
        c.expect(500, "long line with RSET at %d" % (n + 5))
        c.cmd("HELP", 214, "sync after %d-octet line" % (n + 9))
    c.send(b"NOOP\n")
    c.quiet("bare LF is not a terminator")
    c.send(b"\r\n")
    c.expect(500, "bare-LF line ended by CRLF")
    c.cmd(b"NOOP\rNOOP", 500, "bare CR inside a line")
    c.cmd("HELP", 214, "one reply for the bare-CR line")
    c.cmd(b"NOOP\x00XYZ", 500, "NUL in command")
    c.cmd(b"MAIL FROM:<a\x00@client.test>", 500, "NUL in MAIL")
    c.send(b"QUI")
    c.quiet("no reply before CRLF")
    c.send(b"T\r\n")
    c.expect(221, "split QUIT")
    c.close()

    # A 1 MiB line without CRLF: one 500 once it ends, session usable.
    c = Conn(port)
    c.send(b"a" * (1 << 20))
    c.send(b"\r\nNOOP\r\n")
    c.expect(500, "1 MiB line")
    c.expect(250, "NOOP after 1 MiB line")
    c.close()

    # Pipelined group, dot stuffing, maildir delivery.
    c = Conn(port)
    c.ehlo()
    c.send(b"RSET\r\nMAIL FROM:<sender@client.smtpcheck.test>\r\n"
           b"RCPT TO:<alice@smtpref.test>\r\n"
           b"RCPT TO:<nosuchuser-4f1c9a@smtpref.test>\r\n"
           b"DATA\r\n")
    for want, what in ((250, "pipelined RSET"), (250, "pipelined MAIL"),
                       (250, "pipelined RCPT"), (550, "pipelined bad RCPT"),
                       (354, "pipelined DATA")):
        c.expect(want, what)
    body = (b"Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n"
            b"QUIT\r\nRSET\r\nMAIL FROM:<x@y>\r\n" + b"x" * 998 + b"\r\n")
    c.send(body + b".\r\nMAIL FROM:<a@client.test>\r\n"
           b"RCPT TO:<bob@smtpref.test>\r\nDATA\r\n")
    code, lines = c.expect(250, "end of data in a group")
    m = re.search(rb"queued as (\w+)", lines[0]) if lines else None
    c.expect(250, "MAIL after content in one write")
    c.expect(250, "RCPT after content in one write")
    c.expect(354, "DATA after content in one write")
    c.send(b"second\r\n.\r\n")
    c.expect(250, "second message")
    if ok(m is not None, "queue id in 250: %r" % lines):
        qid = m.group(1).decode()
        names = [f for f in os.listdir(os.path.join(maildir, "new"))
                 if "." + qid + "." in f]
        if ok(len(names) == 1, "maildir new/ has message %s" % qid):
            data = open(os.path.join(maildir, "new", names[0]), "rb").read()
            ok(data.startswith(b"Received: from client.smtpcheck.test "
                               b"([127.0.0.1])"),
               "Received header: %r" % data[:120])
            ok(b"for <alice@smtpref.test>" in data and b"id " + m.group(1)
               in data, "Received names rcpt and id: %r" % data[:200])
            ok(b"\r\n.leading dot\r\n..two dots\r\n" in data,
               "dots unstuffed in maildir: %r" % data)
            ok(data.endswith(b"x" * 998 + b"\r\n"), "message ends intact")
    ok(os.listdir(os.path.join(maildir, "tmp")) == [], "tmp/ is empty")
    c.close()

    # SMTP smuggling: no variant ends data; one reply after the real end.
    variants = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r.\r\n", b"\r\n.\n",
                b"\r\n.\r", b"\r.\n", b"\n.\r", b"\r\n\x00.\r\n",
                b"\r\n.\x00\r\n"]
    c = Conn(port)
    c.ehlo()
    for v in variants:
        c.cmd("MAIL FROM:<a@client.test>", 250, "smuggle MAIL")
        c.cmd("RCPT TO:<alice@smtpref.test>", 250, "smuggle RCPT")
        c.cmd("DATA", 354, "smuggle DATA")
        c.send(b"Subject: s\r\n\r\nline" + v +
               b"MAIL FROM:<smug@client.test>\r\nRCPT TO:<alice@smtpref.test>"
               b"\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n")
        c.quiet("smuggling %r: reply before the real end" % v, 0.5)
        c.send(b"\r\n.\r\n")
        c.expect(554, "smuggling %r: one refusal at the real end" % v)
        c.cmd("HELP", 214, "smuggling %r: nothing smuggled ran" % v)
    c.close()

    # Content limits: long text line, size, one reply each, framing holds.
    c = Conn(port)
    c.ehlo()
    for what, body, want in (
            ("1000-octet line", b"x" * 998 + b"\r\n." + b"y" * 997 + b"\r\n",
             250),
            ("1001-octet line", b"x" * 999 + b"\r\n", 552),
            ("5000-octet line", b"x" * 5000 + b"\r\n", 552),
            ("over SIZE", (b"z" * 78 + b"\r\n") * 1000, 552),
            ("bare LF inside", b"a\nb\r\n", 554)):
        c.cmd("MAIL FROM:<a@client.test>", 250, what + ": MAIL")
        c.cmd("RCPT TO:<alice@smtpref.test>", 250, what + ": RCPT")
        c.cmd("DATA", 354, what + ": DATA")
        c.send(body + b".\r\n")
        c.expect(want, what)
        c.cmd("RCPT TO:<alice@smtpref.test>", 503, what + ": buffers clear")
    c.close()

    # 100 recipients, then the limit (1000) gives 452 and keeps the rest.
    c = Conn(port)
    c.ehlo()
    c.send(b"MAIL FROM:<a@client.test>\r\n" +
           b"RCPT TO:<alice@smtpref.test>\r\n" * 1001 + b"DATA\r\n")
    c.expect(250, "MAIL before flood")
    for i in range(1000):
        code, _ = c.expect(250, "RCPT %d" % (i + 1))
        if code != 250:
            break
    c.expect(452, "RCPT 1001 over the limit")
    c.expect(354, "DATA keeps accepted recipients")
    c.send(b".\r\n")
    c.expect(250, "empty message to 1000 recipients")
    c.close()

    # Input pipelined behind QUIT, then a close: no crash.
    c = Conn(port)
    c.send(b"QUIT\r\nNOOP\r\nNOOP\r\n" + b"x" * 3000)
    c.close()
    c = Conn(port, greet=False)
    c.send(b"EHLO early.talker.test\r\n")
    c.expect(220, "greeting to an early talker")
    c.expect(250, "early EHLO processed", enh=False)
    # Half-close: replies still arrive.
    c.send(b"NOOP\r\nQUIT\r\n")
    c.s.shutdown(socket.SHUT_WR)
    c.expect(250, "NOOP before half-close")
    c.expect(221, "QUIT before half-close")
    c.close()

    # Concurrency: B is greeted while A idles.
    a = Conn(port)
    b = Conn(port)
    ok(b.greeting[0] == 220, "second concurrent session greeted")
    b.cmd("QUIT", 221, "B QUIT")
    a.cmd("NOOP", 250, "A still served")
    a.close()
    b.close()

    # Too many errors: 421 and close.
    c = Conn(port)
    for i in range(19):
        c.cmd("XYZZY", 500, "error %d" % (i + 1))
    c.send(b"XYZZY\r\n")
    c.expect(500, "error 20")
    c.expect(421, "421 after 20 errors")
    c.eof("close after 421")
    c.close()


def fault_checks(port):
    # The fault server: each check here passes on the fault-free server
    # only with the opposite result.
    c = Conn(port)
    c.ehlo()
    c.cmd("MAIL FROM:<a@client.test> XHARNESS=1", 250, "fault no-555")
    c.cmd("RCPT TO:<alice@smtpref.test>", 250, "fault RCPT")
    c.cmd("DATA", 354, "fault DATA")
    c.send(b"line\n.\nNOOP\r\n")
    c.expect(554, "fault smuggle-lf ends data at LF.LF")
    c.expect(250, "fault smuggle-lf: smuggled NOOP ran")
    c.send(b"NOOP\n")
    c.expect(250, "fault lf-terminator")
    c.cmd("VRFY postmaster", 502, "fault vrfy-502")
    # Idle past --timeout-command 1s: 421 4.4.2 then close.
    c.expect(421, "timeout", timeout=5)
    c.eof("close after timeout")
    c.close()


def ipv6_checks(port):
    c = Conn(port, host="::1", family=socket.AF_INET6)
    ok(c.greeting[0] == 220, "IPv6 greeting")
    c.cmd("QUIT", 221, "IPv6 QUIT")
    c.close()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    try:
        if mode == "main":
            main_checks(port, sys.argv[3])
        elif mode == "fault":
            fault_checks(port)
        elif mode == "ipv6":
            ipv6_checks(port)
    except Exception as e:  # a crash of the test is a failure too
        fail("%s: %s: %s" % (mode, type(e).__name__, e))
    print("%s: %d checks, %d failures" % (mode, checks, failures))
    sys.exit(1 if failures else 0)


main()
