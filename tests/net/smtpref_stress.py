# SPDX-License-Identifier: ISC
"""smtpref_stress.py - abuse `smtpref serve` while timing normal sessions.

Run by smtpref_stress.sh: python3 smtpref_stress.py PORT TIMEOUT_CMD_S
against a server started with --timeout-command TIMEOUT_CMD_S. All at once:
  (a) IDLE_CONNS idle connections, kept open (a closed one must have got
      the greeting, then "421 4.4.2" from the timeout, then EOF; it is
      reopened so the count stays up),
  (b) a client sending LONG_LINE octets without a newline: exactly one
      500 once the line ends, then the session works (or is closed),
  (c) NUL octets in commands (500) and in DATA (554),
  (d) drip clients sending one octet a second: 421 4.4.2 and a close
      within the command timeout, never a hang,
  (e) ABRUPT clients vanishing mid-DATA and mid-command (FIN and RST).
Meanwhile NORMAL_RUNS plain sessions (EHLO, MAIL, RCPT, DATA, QUIT) must
each finish within NORMAL_MAX_S. Every socket read has a deadline and
every loop is bounded; exit 0 when all holds, 1 with FAIL lines otherwise.
"""
import errno
import re
import selectors
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
IDLE_CONNS = 1000
LONG_LINE = 1024 * 1024
ABRUPT = 50
NORMAL_RUNS = 6
NORMAL_MAX_S = 2.0
READ_TIMEOUT = 10.0     # any one reply, abuse clients
RUN_MAX_S = 45.0        # the whole abuse phase, hard stop
RCPT = "alice@smtpref.test"
GREETING = re.compile(rb"^220 [^\r\n]*\r\n")
TIMEOUT_421 = re.compile(rb"^421 4\.4\.2 [^\r\n]*\r\n")

lock = threading.Lock()
failures = []
stats = {}


def fail(msg):
    with lock:
        failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr, flush=True)


def bump(key, n=1):
    with lock:
        stats[key] = stats.get(key, 0) + n


class Conn:
    """A blocking SMTP client whose every read has a deadline."""

    def __init__(self, port, timeout=READ_TIMEOUT):
        self.timeout = timeout
        self.s = socket.create_connection((HOST, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def line(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply line; pending %r" %
                                   self.buf[:80])
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("closed; pending %r" % self.buf[:80])
            self.buf += chunk
        i = self.buf.index(b"\n") + 1
        ln, self.buf = self.buf[:i], self.buf[i:]
        return ln

    def reply(self, timeout=None):
        """The code of one whole (possibly multiline) reply."""
        while True:
            ln = self.line(timeout)
            if len(ln) < 4 or not ln[:3].isdigit():
                raise ValueError("bad reply line %r" % ln[:80])
            if ln[3:4] != b"-":
                return int(ln[:3])

    def cmd(self, data, want, what):
        if data is not None:
            self.s.sendall(data)
        code = self.reply()
        if code != want:
            raise ValueError("%s: got %d, wanted %d" % (what, code, want))

    def eof(self, timeout=None):
        """True when the server closes with nothing more to say."""
        self.s.settimeout(timeout or self.timeout)
        try:
            return self.s.recv(1) == b"" and self.buf == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


def transaction(c, tag):
    """EHLO, MAIL, RCPT, DATA: the content is the caller's."""
    c.cmd(b"EHLO client.example\r\n", 250, tag + " EHLO")
    c.cmd(b"MAIL FROM:<bob@example.org>\r\n", 250, tag + " MAIL")
    c.cmd(("RCPT TO:<%s>\r\n" % RCPT).encode(), 250, tag + " RCPT")
    c.cmd(b"DATA\r\n", 354, tag + " DATA")


def normal_session(port):
    """One plain session; returns its duration in seconds."""
    t0 = time.monotonic()
    c = Conn(port, timeout=NORMAL_MAX_S + 1)
    try:
        c.cmd(None, 220, "normal greeting")
        transaction(c, "normal")
        c.cmd(b"Subject: stress\r\n\r\nhello\r\n.\r\n", 250,
              "normal end of data")
        c.cmd(b"QUIT\r\n", 221, "normal QUIT")
        if not c.eof():
            raise ValueError("normal: no close after QUIT")
    finally:
        c.close()
    return time.monotonic() - t0


class Idle:
    """(a) IDLE_CONNS silent sessions on one selector thread."""

    def __init__(self, port):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.open = 0
        self.ready = threading.Event()

    def connect(self):
        s = socket.create_connection((HOST, self.port), timeout=5)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, [b""])
        self.open += 1

    def check(self, buf, closed):
        """Greeting, then at most the timeout 421 (and only then EOF)."""
        m = GREETING.match(buf)
        if m is None:
            return not closed and b"\n" not in buf
        rest = buf[m.end():]
        if TIMEOUT_421.fullmatch(rest) is not None:
            return True
        if closed:
            return False
        return b"\n" not in rest and b"421 4.4.2 "[:len(rest)] == rest[:10]

    def on_read(self, key):
        s, st = key.fileobj, key.data
        try:
            chunk = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            fail("idle: connection reset by smtpref")
            chunk = b""
        st[0] += chunk
        if chunk:
            if len(st[0]) > 4096:
                fail("idle: unexpected output %r" % st[0][:80])
            return
        self.sel.unregister(s)
        s.close()
        self.open -= 1
        if self.check(st[0], True):
            bump("idle_timeout_closed")
        else:
            fail("idle: closed without the timeout 421: %r" % st[0][:160])

    def run(self, stop):
        try:
            for _ in range(IDLE_CONNS):
                self.connect()
        except OSError as e:
            fail("idle: opened only %d connections: %s" % (self.open, e))
        bump("idle_opened", self.open)
        self.ready.set()
        while not stop.is_set():
            for key, _ in self.sel.select(0.2):
                self.on_read(key)
            while self.open < IDLE_CONNS and not stop.is_set():
                try:
                    self.connect()
                    bump("idle_reopened")
                except OSError as e:
                    fail("idle: reconnect: %s" % e)
                    break
        for key, _ in self.sel.select(0):
            self.on_read(key)
        still = 0
        for key in list(self.sel.get_map().values()):
            if not self.check(key.data[0], False):
                fail("idle: open session has %r" % key.data[0][:160])
            still += 1
            key.fileobj.close()
        self.sel.close()
        bump("idle_open_at_end", still)


def long_line(port, stop):
    """(b) 1 MiB without a newline: one 500 when it ends, then usable."""
    for _ in range(20):
        if stop.is_set():
            break
        c = Conn(port)
        step = "greeting"
        try:
            c.cmd(None, 220, "long greeting")
            c.cmd(b"EHLO long.example\r\n", 250, "long EHLO")
            step = "sending"
            c.s.settimeout(READ_TIMEOUT)
            c.s.sendall(b"X" * LONG_LINE)
            c.s.sendall(b"\r\n")
            step = "500"
            c.cmd(None, 500, "long line")
            step = "after"
            c.cmd(b"NOOP\r\n", 250, "NOOP after the long line")
            c.cmd(b"QUIT\r\n", 221, "long QUIT")
        except (EOFError, ConnectionResetError) as e:
            if step != "after":
                fail("long line: closed at %s: %s" % (step, e))
                return
            bump("long_closed")     # closed after its one 500: allowed
        except (OSError, ValueError) as e:
            fail("long line: at %s: %s" % (step, e))
            return
        finally:
            c.close()
        bump("long_done")


def nul_client(port, stop):
    """(c) NUL in commands (500) and in content (554)."""
    n = 0
    while not stop.is_set() and n < 200:
        c = Conn(port)
        try:
            c.cmd(None, 220, "nul greeting")
            c.cmd(b"NO\x00OP\r\n", 500, "NUL in NOOP")
            c.cmd(b"EHLO nul\x00.example\r\n", 500, "NUL in EHLO")
            transaction(c, "nul")
            c.cmd(b"Subject: a\x00b\r\n\r\nbo\x00dy\r\n.\r\n", 554,
                  "NUL in content")
            c.cmd(b"\x00\x00\x00\r\n", 500, "NULs alone")
            c.cmd(b"QUIT\r\n", 221, "nul QUIT")
            n += 1
        except (OSError, ValueError, EOFError) as e:
            fail("nul: %s" % e)
            return
        finally:
            c.close()
        bump("nul_done")
        stop.wait(0.05)


def drip(port, stop, timeout_cmd):
    """(d) one octet a second: 421 4.4.2 and a close, in time."""
    limit = timeout_cmd + 2.5
    while not stop.is_set():
        c = Conn(port)
        try:
            c.cmd(None, 220, "drip greeting")
            t0 = time.monotonic()
            got = b""
            for ch in b"EHLO drip.example.org.and.on.and.on\r\n":
                c.s.sendall(bytes([ch]))
                c.s.settimeout(1.0)
                try:
                    got = c.s.recv(4096)
                except socket.timeout:
                    got = b""
                except ConnectionResetError:
                    got = b"RST"
                if got or time.monotonic() - t0 > limit:
                    break
            waited = time.monotonic() - t0
            if TIMEOUT_421.match(got) is None:
                fail("drip: after %.1fs got %r, wanted 421 4.4.2" %
                     (waited, got[:80]))
                return
            if waited > limit:
                fail("drip: 421 only after %.1fs" % waited)
            if not c.eof(3):
                fail("drip: no close after 421")
            bump("drip_421")
        except (OSError, ValueError, EOFError) as e:
            if isinstance(e, BrokenPipeError) or \
                    getattr(e, "errno", 0) == errno.EPIPE:
                fail("drip: closed without 421")
            else:
                fail("drip: %s" % e)
            return
        finally:
            c.close()


def vanish(c, rst):
    if rst:
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       struct.pack("ii", 1, 0))
    c.close()


def abrupt(port, stop):
    """(e) ABRUPT disconnects, mid-DATA and mid-command, FIN and RST."""
    for i in range(ABRUPT):
        if stop.is_set():
            fail("abrupt: stopped after %d" % i)
            return
        c = Conn(port)
        try:
            c.cmd(None, 220, "abrupt greeting")
            if i % 2 == 0:
                transaction(c, "abrupt")
                c.s.sendall(b"Subject: cut\r\n\r\n" + b"y" * 5000)
            else:
                c.cmd(b"EHLO cut.example\r\n", 250, "abrupt EHLO")
                c.s.sendall(b"MAIL FROM:<half@exa")
            vanish(c, rst=(i // 2) % 2 == 0)
            bump("abrupt_done")
        except (OSError, ValueError, EOFError) as e:
            fail("abrupt %d: %s" % (i, e))
            c.close()
            return
        stop.wait(0.02)


def main():
    port = int(sys.argv[1])
    timeout_cmd = float(sys.argv[2])
    t_start = time.monotonic()
    stop = threading.Event()
    idle = Idle(port)
    ti = threading.Thread(target=idle.run, args=(stop,), daemon=True)
    ti.start()
    if not idle.ready.wait(20):
        fail("idle connections not open within 20s")
        return 1
    abuse = [
        threading.Thread(target=long_line, args=(port, stop), daemon=True),
        threading.Thread(target=nul_client, args=(port, stop), daemon=True),
        threading.Thread(target=drip, args=(port, stop, timeout_cmd),
                         daemon=True),
        threading.Thread(target=drip, args=(port, stop, timeout_cmd),
                         daemon=True),
        threading.Thread(target=abrupt, args=(port, stop), daemon=True),
    ]
    for t in abuse:
        t.start()
    time.sleep(0.5)
    times = []
    for i in range(NORMAL_RUNS):
        if time.monotonic() - t_start > RUN_MAX_S:
            fail("out of time after %d normal sessions" % i)
            break
        try:
            d = normal_session(port)
        except (OSError, ValueError, EOFError) as e:
            fail("normal session %d: %s" % (i, e))
            d = None
        if d is not None:
            times.append(d)
            if d > NORMAL_MAX_S:
                fail("normal session %d took %.2fs" % (i, d))
        time.sleep(1.0)
    # Let each drip client see its 421 at least once.
    end = time.monotonic() + timeout_cmd + 4
    while stats.get("drip_421", 0) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    stop.set()
    for t in abuse + [ti]:
        t.join(READ_TIMEOUT + 5)
        if t.is_alive():
            fail("thread %s hangs" % t.name)
    try:
        d = normal_session(port)
        times.append(d)
    except (OSError, ValueError, EOFError) as e:
        fail("final session: %s" % e)
    for key, want in (("idle_opened", IDLE_CONNS), ("nul_done", 1),
                      ("long_done", 1), ("drip_421", 2),
                      ("abrupt_done", ABRUPT)):
        if stats.get(key, 0) < want:
            fail("%s: %d, wanted at least %d" %
                 (key, stats.get(key, 0), want))
    if stats.get("idle_open_at_end", 0) + stats.get(
            "idle_timeout_closed", 0) < IDLE_CONNS:
        fail("idle connections lost: %r" % stats)
    print("smtpref_stress: normal sessions %s s; %s; %.1f s" % (
        " ".join("%.3f" % t for t in times),
        " ".join("%s=%d" % kv for kv in sorted(stats.items())),
        time.monotonic() - t_start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
