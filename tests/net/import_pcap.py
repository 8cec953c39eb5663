#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""import_pcap.py - captures for tests/net/import_roundtrip.sh, written
with struct alone (classic pcap, Ethernet, IPv4, TCP; checksums left 0).

  session HOST PORT OUT.pcap OUT.sent   a real SMTP session with smtpref
      (EHLO; MAIL, RCPT, DATA pipelined in one write; the message; QUIT),
      recorded in the order the bytes went, each write in two segments
      and the first reply segment sent twice (a retransmission); the
      client's bytes go to OUT.sent
  http OUT.pcap                         only an HTTP flow: no SMTP
  two OUT.pcap                          two SMTP flows
"""
import socket
import struct
import sys
import time


class Pcap:
    def __init__(self):
        self.out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
        self.t = 1700000000.0

    def tcp(self, src, dst, seq, flags, data=b''):
        (sip, sport), (dip, dport) = src, dst
        tcp = struct.pack('>HHIIBBHHH', sport, dport, seq & 0xffffffff, 0,
                          5 << 4, flags, 65535, 0, 0) + data
        ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000,
                         64, 6, 0, socket.inet_aton(sip),
                         socket.inet_aton(dip)) + tcp
        frame = b'\x02' * 12 + b'\x08\x00' + ip
        self.t += 0.001
        sec = int(self.t)
        self.out.append(struct.pack('<IIII', sec, int((self.t - sec) * 1e6),
                                    len(frame), len(frame)) + frame)

    def save(self, path):
        with open(path, 'wb') as f:
            f.write(b''.join(self.out))


SYN, FIN, ACK = 0x02, 0x01, 0x10


class Flow:
    """One TCP connection in a Pcap; seqs advance as data goes."""

    def __init__(self, pcap, cport, sport=25):
        self.p = pcap
        self.c, self.s = ('10.0.0.1', cport), ('10.0.0.2', sport)
        self.cseq, self.sseq = 1000, 9000
        self.p.tcp(self.c, self.s, self.cseq, SYN)
        self.p.tcp(self.s, self.c, self.sseq, SYN | ACK)
        self.cseq += 1
        self.sseq += 1
        self.p.tcp(self.c, self.s, self.cseq, ACK)

    def send(self, from_client, data, split=False, dup=False):
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        seq = self.cseq if from_client else self.sseq
        parts = [data[:len(data) // 2], data[len(data) // 2:]] \
            if split and len(data) > 1 else [data]
        at = seq
        for part in parts:
            self.p.tcp(src, dst, at, ACK, part)
            if dup:
                self.p.tcp(src, dst, at, ACK, part)
            at += len(part)
        if from_client:
            self.cseq = at
        else:
            self.sseq = at

    def fin(self, from_client):
        if from_client:
            self.p.tcp(self.c, self.s, self.cseq, FIN | ACK)
            self.cseq += 1
        else:
            self.p.tcp(self.s, self.c, self.sseq, FIN | ACK)
            self.sseq += 1


def read_replies(sock, n):
    """n whole replies (a reply ends at a line whose 4th octet is SP)."""
    buf, got = b'', 0
    while got < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
        got = sum(1 for line in buf.split(b'\r\n')[:-1]
                  if len(line) >= 4 and line[3:4] == b' ')
    return buf


def session(host, port, out, sent_path):
    p = Pcap()
    f = Flow(p, 40001)
    sock = socket.create_connection((host, int(port)), timeout=10)
    sent = b''

    def write(data, replies):
        nonlocal sent
        sock.sendall(data)
        sent += data
        f.send(True, data, split=True)
        f.send(False, read_replies(sock, replies), dup=True)

    f.send(False, read_replies(sock, 1))
    write(b'EHLO import.test\r\n', 1)
    write(b'MAIL FROM:<sender@client.smtpcheck.test>\r\n'
          b'RCPT TO:<alice@smtpref.test>\r\nDATA\r\n', 3)
    write(b'Subject: round trip\r\n\r\n$1 {x}\r\n' + b'=' * 40 +
          b'\r\n.\r\n', 1)
    write(b'QUIT\r\n', 1)
    sock.close()
    f.fin(False)
    f.fin(True)
    p.save(out)
    with open(sent_path, 'wb') as fp:
        fp.write(sent)


def http(out):
    p = Pcap()
    f = Flow(p, 40002, 80)
    f.send(True, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    f.send(False, b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    f.fin(True)
    p.save(out)


def two(out):
    p = Pcap()
    for port in (40003, 40004):
        f = Flow(p, port)
        f.send(False, b'220 mx.test ESMTP\r\n')
        f.send(True, b'QUIT\r\n')
        f.send(False, b'221 bye\r\n')
    p.save(out)


if __name__ == '__main__':
    {'session': session, 'http': http, 'two': two}[sys.argv[1]](*sys.argv[2:])
