#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""smtpref_tls.py MODE PORT ARGS... - STARTTLS (RFC 3207) checks against
`smtpref serve`, driven by smtpref_tls.sh. Every read has a deadline.

  main PORT CAFILE MAILDIR   a server with --cert/--key (and --maildir)
  nocert PORT                a server without a certificate
  hstimeout PORT             --timeout-command 1s: a stalled handshake
  fault NAME PORT CAFILE     a server with --fault NAME: its check fails
Exit 0 when every check passed, 1 otherwise."""
import os
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
READ_TIMEOUT = 10.0
QUIET_WAIT = 1.0
USER = "alice@smtpref.test"


def fail(msg):
    print("FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


class Client:
    """One SMTP connection; plain, then TLS after starttls()."""

    def __init__(self, port, cafile=None):
        self.s = socket.create_connection((HOST, port), timeout=READ_TIMEOUT)
        self.s.settimeout(READ_TIMEOUT)
        self.buf = b""
        self.cafile = cafile
        self.expect(220, "greeting", enh=False)

    def send(self, data):
        self.s.sendall(data.encode() if isinstance(data, str) else data)

    def line(self):
        deadline = time.monotonic() + READ_TIMEOUT
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply line within %.1fs" %
                                   READ_TIMEOUT)
            self.s.settimeout(left)
            d = self.s.recv(4096)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln.decode("latin-1")

    def reply(self):
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if len(ln) < 4 or ln[3] != "-":
                return int(ln[:3]), lines

    def expect(self, want, what, enh=True):
        try:
            code, lines = self.reply()
        except (TimeoutError, EOFError, OSError) as e:
            fail("%s: wanted %d, got %s" % (what, want, e))
        if code != want:
            fail("%s: wanted %d, got %r" % (what, want, lines))
        if enh and want != 354 and not lines[-1][4:5].isdigit():
            fail("%s: no enhanced status code in %r" % (what, lines))
        return lines

    def cmd(self, text, want, what=None, enh=True):
        self.send(text + "\r\n")
        return self.expect(want, what or text, enh)

    def ehlo(self, what="EHLO"):
        return [ln[4:].upper() for ln in
                self.cmd("EHLO client.test", 250, what, enh=False)]

    def handshake(self, what="handshake"):
        if self.buf:
            fail("%s: unread bytes before the handshake: %r" %
                 (what, self.buf))
        ctx = ssl.create_default_context(cafile=self.cafile)
        try:
            self.s.settimeout(READ_TIMEOUT)
            self.s = ctx.wrap_socket(self.s, server_hostname="localhost")
        except (ssl.SSLError, OSError) as e:
            fail("%s: %s" % (what, e))

    def starttls(self, what="STARTTLS"):
        self.cmd("STARTTLS", 220, what)
        self.handshake(what + " handshake")

    def quiet(self, what, secs=QUIET_WAIT):
        """Nothing may arrive for secs."""
        if self.buf:
            fail("%s: got %r" % (what, self.buf))
        self.s.settimeout(secs)
        try:
            d = self.s.recv(4096)
        except socket.timeout:
            self.s.settimeout(READ_TIMEOUT)
            return
        fail("%s: got %r" % (what, d) if d else "%s: connection closed" %
             what)

    def eof(self, what, secs=READ_TIMEOUT):
        """The server closes within secs, sending nothing more."""
        self.s.settimeout(secs)
        try:
            d = self.s.recv(4096)
        except socket.timeout:
            fail("%s: still open after %.1fs" % (what, secs))
        except (ssl.SSLError, ConnectionResetError):
            return
        if d:
            fail("%s: got %r instead of a close" % (what, d))

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def message(c, what):
    c.cmd("MAIL FROM:<sender@client.test>", 250, what + " MAIL")
    c.cmd("RCPT TO:<%s>" % USER, 250, what + " RCPT")
    c.cmd("DATA", 354, what + " DATA", enh=False)
    c.send("Subject: tls\r\n\r\nover TLS\r\n.\r\n")
    c.expect(250, what + " end of data")


def main_checks(port, cafile, maildir):
    # Offered before TLS; bad uses refused.
    c = Client(port, cafile)
    if "STARTTLS" not in c.ehlo():
        fail("STARTTLS not advertised with --cert")
    c.cmd("STARTTLS x", 501, "STARTTLS with a parameter")
    c.cmd("MAIL FROM:<sender@client.test>", 250, "MAIL")
    c.cmd("STARTTLS", 503, "STARTTLS inside a transaction")
    c.cmd("RSET", 250)
    # The handshake, then the initial state (RFC 3207 4.2).
    c.starttls()
    c.cmd("MAIL FROM:<sender@client.test>", 503, "MAIL before EHLO in TLS")
    kws = c.ehlo("EHLO in TLS")
    if "STARTTLS" in kws:
        fail("STARTTLS advertised inside TLS: %r" % kws)
    c.cmd("STARTTLS", 503, "STARTTLS inside TLS")
    before = set(os.listdir(os.path.join(maildir, "new")))
    message(c, "TLS message")
    new = set(os.listdir(os.path.join(maildir, "new"))) - before
    if len(new) != 1:
        fail("one new message in the maildir, got %r" % sorted(new))
    with open(os.path.join(maildir, "new", new.pop()), "rb") as f:
        head = f.read(2048).decode("latin-1")
    if " with ESMTPS id " not in head:
        fail("Received line lacks ESMTPS: %r" % head[:300])
    c.cmd("QUIT", 221)
    c.eof("close after QUIT")
    c.close()

    # STARTTLS before EHLO; two messages on one TLS connection.
    c = Client(port, cafile)
    c.starttls("STARTTLS before EHLO")
    c.ehlo()
    message(c, "first")
    message(c, "second")
    # A pipelined group with a large body in one write: many TLS records,
    # more than the input buffer holds, so decrypted data waits inside
    # OpenSSL while the socket is quiet.
    body = ("x" * 70 + "\r\n") * 4000
    c.send("MAIL FROM:<sender@client.test>\r\nRCPT TO:<%s>\r\nDATA\r\n"
           % USER + "Subject: big\r\n\r\n" + body + ".\r\nNOOP\r\n")
    c.expect(250, "pipelined MAIL")
    c.expect(250, "pipelined RCPT")
    c.expect(354, "pipelined DATA", enh=False)
    c.expect(250, "end of a large message")
    c.expect(250, "NOOP behind the message")
    c.cmd("QUIT", 221)
    c.close()

    # Injection (CVE-2011-0411): what came behind STARTTLS is dropped.
    c = Client(port, cafile)
    c.ehlo()
    c.send("STARTTLS\r\nNOOP\r\n")
    c.expect(220, "STARTTLS pipelined with NOOP")
    c.handshake()
    c.quiet("NOOP sent in clear behind STARTTLS must be discarded")
    c.ehlo("EHLO after the discarded NOOP")
    c.cmd("NOOP", 250, "NOOP in TLS")
    c.close()

    # Clear text where the handshake should be: the session is closed.
    c = Client(port, cafile)
    c.cmd("STARTTLS", 220)
    c.send("EHLO client.test\r\n")
    c.eof("clear text instead of a ClientHello")
    c.close()

    # The server lives on.
    c = Client(port, cafile)
    c.cmd("QUIT", 221)
    c.close()


def nocert_checks(port):
    c = Client(port)
    if "STARTTLS" in c.ehlo():
        fail("STARTTLS advertised without --cert")
    c.cmd("STARTTLS", 454, "STARTTLS without a certificate")
    c.cmd("NOOP", 250, "NOOP after 454")
    c.cmd("QUIT", 221)
    c.close()


def hstimeout_checks(port):
    c = Client(port)
    c.cmd("STARTTLS", 220)
    # No ClientHello: closed after --timeout-command, without a clear 421.
    c.eof("stalled handshake", secs=5)
    c.close()


def fault_checks(name, port, cafile):
    c = Client(port, cafile)
    c.ehlo()
    if name == "tls-keeps-buffer":
        c.send("STARTTLS\r\nNOOP\r\n")
        c.expect(220, "STARTTLS pipelined with NOOP")
        c.handshake()
        c.expect(250, "the NOOP from clear text runs in TLS (the fault)")
    elif name == "tls-keeps-state":
        c.starttls()
        c.cmd("MAIL FROM:<sender@client.test>", 250,
              "MAIL without a new EHLO (the fault)")
    elif name == "starttls-twice-ok":
        c.starttls()
        c.ehlo()
        c.cmd("STARTTLS", 220, "a second STARTTLS (the fault)")
        c.eof("close after the second 220")
    elif name == "starttls-param-ok":
        c.cmd("STARTTLS x", 220, "STARTTLS with a parameter (the fault)")
        c.handshake()
        c.ehlo()
    else:
        fail("unknown fault %s" % name)
    c.close()


def main(argv):
    if len(argv) < 3:
        fail(__doc__)
    mode = argv[1]
    if mode == "main" and len(argv) == 5:
        main_checks(int(argv[2]), argv[3], argv[4])
    elif mode == "nocert" and len(argv) == 3:
        nocert_checks(int(argv[2]))
    elif mode == "hstimeout" and len(argv) == 3:
        hstimeout_checks(int(argv[2]))
    elif mode == "fault" and len(argv) == 5:
        fault_checks(argv[2], int(argv[3]), argv[4])
    else:
        fail(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
