#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""smtpref_tls.py MODE PORT ARGS... - STARTTLS (RFC 3207), implicit TLS
(RFC 8314) and AUTH (RFC 4954, 4616) checks against `smtpref serve`,
driven by smtpref_tls.sh and smtpref_auth.sh. Every read has a deadline.

  main PORT CAFILE MAILDIR   a server with --cert/--key (and --maildir)
  nocert PORT                a server without a certificate
  hstimeout PORT             --timeout-command 1s: a stalled handshake
  fault NAME PORT CAFILE     a server with --fault NAME: its check fails
  auth PORT CAFILE           --cert/--key and --auth-users (the fixtures)
  authclear PORT             --auth-users, --auth-clear yes, no certificate
  noauth PORT                no --auth-users: AUTH is 502
  implicit PORT CAFILE       --implicit-tls with --auth-users
The AUTH account is AUTH_USER/AUTH_PASS (fixtures/smtpref-auth.users).
Exit 0 when every check passed, 1 otherwise."""
import base64
import os
import smtplib
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
READ_TIMEOUT = 10.0
QUIET_WAIT = 1.0
USER = "alice@smtpref.test"
AUTH_USER = "smtpcheck"
AUTH_PASS = "test-only-password"


def fail(msg):
    print("FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


class Client:
    """One SMTP connection; plain, then TLS after starttls()."""

    def __init__(self, port, cafile=None, implicit=False):
        self.s = socket.create_connection((HOST, port), timeout=READ_TIMEOUT)
        self.s.settimeout(READ_TIMEOUT)
        self.port = port
        self.buf = b""
        self.cafile = cafile
        if implicit:
            self.handshake("implicit TLS handshake")
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

    def handshake(self, what="handshake", ctx=None):
        """TLS on the socket; ctx defaults to verifying against cafile."""
        if self.buf:
            fail("%s: unread bytes before the handshake: %r" %
                 (what, self.buf))
        if ctx is None:
            ctx = ssl.create_default_context(cafile=self.cafile)
        try:
            self.s.settimeout(READ_TIMEOUT)
            self.s = ctx.wrap_socket(self.s, server_hostname="localhost")
        except (ssl.SSLError, OSError) as e:
            fail("%s: %s" % (what, e))

    def try_handshake(self, ctx):
        """TLS on the socket: None, or the ssl.SSLError it raised."""
        try:
            self.s.settimeout(READ_TIMEOUT)
            self.s = ctx.wrap_socket(self.s, server_hostname="localhost")
        except ssl.SSLError as e:
            return e
        return None

    def exact(self, want, what):
        """The next reply is exactly the one line want."""
        try:
            ln = self.line()
        except (TimeoutError, EOFError, OSError) as e:
            fail("%s: wanted %r, got %s" % (what, want, e))
        if ln != want:
            fail("%s: wanted %r, got %r" % (what, want, ln))

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
    elif name == "starttls-plaintext-after-220":
        c.send("STARTTLS\r\n")
        c.exact("220 2.0.0 Ready to start TLS", "STARTTLS")
        c.exact("250 injected", "clear text after the 220 (the fault)")
    elif name == "starttls-advertised-after-tls":
        c.starttls()
        if "STARTTLS" not in c.ehlo():
            fail("STARTTLS not listed inside TLS (the fault)")
        c.cmd("STARTTLS", 503, "STARTTLS inside TLS is still refused")
    elif name == "starttls-keyword-param":
        kws = c.ehlo()
        if "STARTTLS NOW" not in kws or "STARTTLS" in kws:
            fail("wanted \"STARTTLS NOW\" in EHLO (the fault): %r" % kws)
        c.starttls("STARTTLS still works")
    elif name.startswith("tls-cert-"):
        cert_fault_checks(c, name)
    else:
        fail("unknown fault %s" % name)
    c.close()


def verify_ctx(cafile, check_hostname=True):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = check_hostname
    return ctx


def noverify_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def cert_fault_checks(c, name):
    """A minted certificate, wrong in the one way name says: verification
    against the fixtures' CA fails with that reason (or, expiring, passes
    with notAfter ~10 days away)."""
    want = {"tls-cert-expired": 10,     # X509_V_ERR_CERT_HAS_EXPIRED
            "tls-cert-wronghost": 62,   # X509_V_ERR_HOSTNAME_MISMATCH
            "tls-cert-selfsigned": 18,  # DEPTH_ZERO_SELF_SIGNED_CERT
            "tls-cert-expiring": None}[name]
    c.cmd("STARTTLS", 220)
    err = c.try_handshake(verify_ctx(c.cafile))
    if want is None:
        if err is not None:
            fail("%s: handshake failed: %s" % (name, err))
        left = ssl.cert_time_to_seconds(c.s.getpeercert()["notAfter"]) - \
            time.time()
        if not 9 * 86400 < left < 11 * 86400:
            fail("%s: notAfter in %.1f days, wanted 10" % (name,
                                                          left / 86400))
        c.ehlo("EHLO over the expiring certificate")
        c.close()
        return
    code = getattr(err, "verify_code", None)
    if code != want:
        fail("%s: wanted verify error %d, got %r" % (name, want, err))
    c.close()
    # The one property alone: the rest verifies.
    c = Client(c.port, c.cafile)
    c.cmd("STARTTLS", 220)
    if name == "tls-cert-wronghost":
        c.handshake("CA-signed, only the host is wrong",
                    verify_ctx(c.cafile, check_hostname=False))
        names = [v for k, v in c.s.getpeercert()["subjectAltName"]]
        if names != ["wrong.invalid"]:
            fail("%s: SAN %r" % (name, names))
    elif name == "tls-cert-selfsigned":
        c.handshake("self-signed, unverified", noverify_ctx())
        der = c.s.getpeercert(binary_form=True)
        c.close()
        c = Client(c.port)
        c.cmd("STARTTLS", 220)
        ctx = ssl.create_default_context(
            cadata=ssl.DER_cert_to_PEM_cert(der))
        ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
        c.handshake("the self-signed certificate as its own anchor, for "
                    "localhost", ctx)
    else:
        c.handshake("expired, unverified", noverify_ctx())
    c.ehlo("EHLO over the minted certificate")
    c.close()


def b64(data):
    return base64.b64encode(data.encode() if isinstance(data, str)
                            else data).decode()


def plain(authcid=AUTH_USER, passwd=AUTH_PASS, authzid=""):
    return b64("%s\0%s\0%s" % (authzid, authcid, passwd))


OK_235 = "235 2.7.0 Authentication successful"
BAD_535 = "535 5.7.8 Authentication credentials invalid"


def tls_client(port, cafile, ehlo=True):
    """Connected, STARTTLS done, EHLO sent."""
    c = Client(port, cafile)
    c.starttls()
    if ehlo:
        kws = c.ehlo("EHLO in TLS")
        if "AUTH PLAIN LOGIN" not in kws:
            fail("AUTH PLAIN LOGIN not offered in TLS: %r" % kws)
    return c


def auth_cmd(c, line, want, what):
    c.send(line + "\r\n")
    c.exact(want, what)


def auth_checks(port, cafile):
    # In clear: not offered, 538; before EHLO: 503.
    c = Client(port, cafile)
    c.cmd("AUTH PLAIN " + plain(), 503, "AUTH before EHLO")
    kws = c.ehlo()
    if any(k.startswith("AUTH") for k in kws):
        fail("AUTH offered before TLS: %r" % kws)
    auth_cmd(c, "AUTH PLAIN " + plain(), "538 5.7.11 Encryption required "
             "for requested authentication mechanism", "AUTH in clear")
    c.cmd("AUTH LOGIN", 538, "AUTH LOGIN in clear")
    # After STARTTLS, before the new EHLO: 503.
    c.starttls()
    c.cmd("AUTH PLAIN " + plain(), 503, "AUTH before EHLO in TLS")
    c.ehlo()
    c.cmd("AUTH CRAM-MD5", 504, "unknown mechanism")
    c.cmd("AUTH", 501, "AUTH without a mechanism")
    c.cmd("AUTH PLAIN a b", 501, "AUTH with two responses")
    # PLAIN without an initial response: "334 " exactly.
    auth_cmd(c, "AUTH PLAIN", "334 ", "empty challenge")
    auth_cmd(c, plain(), OK_235, "PLAIN response")
    c.cmd("AUTH PLAIN " + plain(), 503, "AUTH after AUTH")
    c.cmd("AUTH LOGIN", 503, "AUTH LOGIN after AUTH")
    # MAIL FROM's AUTH= (RFC 4954 5).
    c.cmd("MAIL FROM:<sender@client.test> AUTH=<>", 250, "AUTH=<>")
    c.cmd("RSET", 250)
    c.cmd("MAIL FROM:<sender@client.test> AUTH=s+2Bx@client.test", 250,
          "AUTH=xtext")
    c.cmd("RSET", 250)
    for bad in ("s+2bx", "s+2", "a=b", "", "s+ZZ"):
        c.cmd("MAIL FROM:<sender@client.test> AUTH=" + bad, 501,
              "AUTH=%s (bad xtext)" % bad)
    c.cmd("MAIL FROM:<sender@client.test> AUTH=<> AUTH=<>", 501,
          "AUTH= twice")
    message(c, "message after AUTH")
    c.cmd("QUIT", 221)
    c.close()

    # PLAIN initial responses: failures, then success on one connection.
    c = tls_client(port, cafile)
    for what, ir in (("wrong password", plain(passwd="nope")),
                     ("unknown user", plain(authcid="nobody")),
                     ("user name case", plain(authcid="SMTPCHECK")),
                     ("\"=\": empty", "="),
                     ("one NUL", b64("smtpcheck\0test-only-password")),
                     ("no NUL", b64("smtpcheck")),
                     ("three NULs", b64("\0smtpcheck\0test-only-password\0")),
                     ("empty authcid", plain(authcid="")),
                     ("empty password", plain(passwd="")),
                     ("another authzid", plain(authzid="root")),
                     ("~1 KiB response", plain(authcid="u" * 1000))):
        auth_cmd(c, "AUTH PLAIN " + ir, BAD_535, "PLAIN, " + what)
    for what, ir in (("not base64", "!!!!"), ("length 3", "YWJ"),
                     ("'=' inside", "YW=j"), ("'*' initial", "*")):
        c.send("AUTH PLAIN %s\r\n" % ir)
        ln = c.line()
        if not ln.startswith("501 5.5.2 "):
            fail("PLAIN, %s: wanted 501 5.5.2, got %r" % (what, ln))
    auth_cmd(c, "AUTH PLAIN " + plain(authzid=AUTH_USER), OK_235,
             "PLAIN with authzid = authcid")
    c.close()

    # Responses to 334: cancel, bad base64, line length, pipelining.
    c = tls_client(port, cafile)
    auth_cmd(c, "AUTH PLAIN", "334 ", "PLAIN")
    auth_cmd(c, "*", "501 5.0.0 Authentication cancelled", "cancel")
    for what, resp in (("length 5", "AAAAA"), ("space inside", "AA AA"),
                       ("'=' inside", "A=AA"), ("a trailing space",
                                                plain() + " ")):
        auth_cmd(c, "AUTH PLAIN", "334 ", "PLAIN")
        c.send(resp + "\r\n")
        ln = c.line()
        if not ln.startswith("501 5.5.2 "):
            fail("response %s: wanted 501 5.5.2, got %r" % (what, ln))
    c.cmd("NOOP", 250, "NOOP after the failures")
    # Just inside REF_AUTH_LINE_MAX (12288 with CRLF): decoded, so 535.
    auth_cmd(c, "AUTH PLAIN", "334 ", "PLAIN")
    auth_cmd(c, "QUFB" * 3071, BAD_535, "a 12286-octet response")
    # Over it: 500 5.5.6, and the session goes on.
    auth_cmd(c, "AUTH PLAIN", "334 ", "PLAIN")
    auth_cmd(c, "A" * 13000, "500 5.5.6 Authentication Exchange line is "
             "too long", "a 13000-octet response")
    c.cmd("NOOP", 250, "NOOP after the over-long response")
    c.send("AUTH PLAIN " + "A" * 13000 + "\r\n")
    c.expect(500, "an over-long AUTH command line")
    c.cmd("NOOP", 250, "NOOP after the over-long AUTH line")
    # Pipelined behind AUTH, the next line is the response, not a command.
    c.send("AUTH PLAIN\r\nNOOP\r\n")
    c.exact("334 ", "pipelined AUTH PLAIN")
    c.exact(BAD_535, "NOOP taken as the SASL response")
    # In a transaction: 503, the transaction goes on.
    c.cmd("MAIL FROM:<sender@client.test>", 250)
    c.cmd("AUTH PLAIN " + plain(), 503, "AUTH in a transaction")
    c.cmd("RCPT TO:<%s>" % USER, 250, "RCPT after the refused AUTH")
    c.cmd("RSET", 250)
    # LOGIN, with and without an initial response.
    auth_cmd(c, "AUTH LOGIN", "334 VXNlcm5hbWU6", "LOGIN")
    auth_cmd(c, b64(AUTH_USER), "334 UGFzc3dvcmQ6", "LOGIN user name")
    auth_cmd(c, b64("nope"), BAD_535, "LOGIN wrong password")
    auth_cmd(c, "AUTH LOGIN " + b64(AUTH_USER), "334 UGFzc3dvcmQ6",
             "LOGIN with the user name as initial response")
    auth_cmd(c, "*", "501 5.0.0 Authentication cancelled", "LOGIN cancel")
    auth_cmd(c, "AUTH LOGIN", "334 VXNlcm5hbWU6", "LOGIN")
    auth_cmd(c, b64(AUTH_USER), "334 UGFzc3dvcmQ6", "LOGIN user name")
    auth_cmd(c, b64(AUTH_PASS), OK_235, "LOGIN password")
    c.cmd("QUIT", 221)
    c.close()

    # A real client: smtplib's starttls() and login() (it picks PLAIN).
    try:
        with smtplib.SMTP(HOST, port, timeout=READ_TIMEOUT) as smtp:
            smtp.starttls(context=ssl.create_default_context(cafile=cafile))
            code, _ = smtp.login(AUTH_USER, AUTH_PASS)
            if code != 235:
                fail("smtplib login: %d" % code)
    except (smtplib.SMTPException, OSError) as e:
        fail("smtplib login: %s" % e)


def authclear_checks(port):
    c = Client(port)
    if "AUTH PLAIN LOGIN" not in c.ehlo():
        fail("--auth-clear yes: AUTH not offered in clear")
    auth_cmd(c, "AUTH PLAIN " + plain(), OK_235, "AUTH in clear")
    c.cmd("QUIT", 221)
    c.close()


def noauth_checks(port):
    c = Client(port)
    if any(k.startswith("AUTH") for k in c.ehlo()):
        fail("AUTH offered without --auth-users")
    c.cmd("AUTH PLAIN " + plain(), 502, "AUTH without --auth-users")
    c.cmd("MAIL FROM:<sender@client.test> AUTH=<>", 555,
          "AUTH= when AUTH is not offered")
    c.cmd("QUIT", 221)
    c.close()


def implicit_checks(port, cafile):
    # TLS first, then the 220 inside it.
    c = Client(port, cafile, implicit=True)
    kws = c.ehlo()
    if "STARTTLS" in kws:
        fail("STARTTLS offered with implicit TLS: %r" % kws)
    if "AUTH PLAIN LOGIN" not in kws:
        fail("AUTH not offered with implicit TLS: %r" % kws)
    c.cmd("STARTTLS", 503, "STARTTLS inside implicit TLS")
    auth_cmd(c, "AUTH PLAIN " + plain(), OK_235, "AUTH in implicit TLS")
    message(c, "message over implicit TLS")
    c.cmd("QUIT", 221)
    c.close()
    # A clear-text client gets no greeting.
    c = socket.create_connection((HOST, port), timeout=READ_TIMEOUT)
    c.settimeout(QUIET_WAIT)
    try:
        d = c.recv(4096)
        fail("clear text on the implicit TLS port got %r" % d)
    except socket.timeout:
        pass
    c.close()


def auth_fault_checks(name, port, cafile):
    if name == "auth-in-clear":
        c = Client(port, cafile)
        if "AUTH PLAIN LOGIN" not in c.ehlo():
            fail("AUTH not offered in clear (the fault)")
        auth_cmd(c, "AUTH PLAIN " + plain(), OK_235,
                 "AUTH accepted in clear (the fault)")
        c.close()
        return
    c = tls_client(port, cafile)
    if name == "auth-any-password":
        auth_cmd(c, "AUTH PLAIN " + plain(authcid="nobody"), BAD_535,
                 "unknown user still fails")
        auth_cmd(c, "AUTH PLAIN " + plain(passwd="wrong"), OK_235,
                 "a wrong password accepted (the fault)")
    elif name == "auth-cancel-535":
        auth_cmd(c, "AUTH PLAIN", "334 ", "PLAIN")
        auth_cmd(c, "*", BAD_535, "cancel answered 535 (the fault)")
    elif name == "auth-bad-base64-535":
        auth_cmd(c, "AUTH PLAIN !!!!", BAD_535,
                 "bad base64 answered 535 (the fault)")
    elif name == "auth-twice-ok":
        auth_cmd(c, "AUTH PLAIN " + plain(), OK_235, "first AUTH")
        auth_cmd(c, "AUTH PLAIN " + plain(), OK_235,
                 "second AUTH accepted (the fault)")
    elif name == "auth-in-transaction-ok":
        c.cmd("MAIL FROM:<sender@client.test>", 250)
        auth_cmd(c, "AUTH PLAIN " + plain(), OK_235,
                 "AUTH inside a transaction (the fault)")
        c.cmd("RCPT TO:<%s>" % USER, 250, "the transaction goes on")
    elif name == "auth-challenge-text":
        auth_cmd(c, "AUTH PLAIN", "334 Go ahead",
                 "text in the empty challenge (the fault)")
        auth_cmd(c, plain(), OK_235, "the response still works")
    elif name == "auth-param-refused":
        c.cmd("MAIL FROM:<sender@client.test> AUTH=<>", 555,
              "AUTH=<> refused (the fault)")
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
        if argv[2].startswith("auth-"):
            auth_fault_checks(argv[2], int(argv[3]), argv[4])
        else:
            fault_checks(argv[2], int(argv[3]), argv[4])
    elif mode == "auth" and len(argv) == 4:
        auth_checks(int(argv[2]), argv[3])
    elif mode == "authclear" and len(argv) == 3:
        authclear_checks(int(argv[2]))
    elif mode == "noauth" and len(argv) == 3:
        noauth_checks(int(argv[2]))
    elif mode == "implicit" and len(argv) == 4:
        implicit_checks(int(argv[2]), argv[3])
    else:
        fail(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
