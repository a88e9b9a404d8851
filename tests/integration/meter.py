#!/usr/bin/env python3
"""meter.py -- the DNS world's traffic meter: what the servers received, counted from outside.

caascan's promises about quantities (--auth-qps, --qps, --resolver-inflight) are checked from a
packet capture on the world's loopback interface (tcpdump), never from caascan's own counters.
Standard library only; reads classic pcap files (microsecond or nanosecond time stamps) of the
link types Ethernet (tcpdump -i lo), Linux cooked (v1, v2), raw IP and BSD loopback.

  meter.py start PCAP              start tcpdump -i lo on DNS traffic (port 53) into PCAP;
                                   returns once tcpdump listens (pid in PCAP.pid)
  meter.py stop PCAP               stop it; fails if the kernel dropped a packet
  meter.py tsv PCAP                every DNS message: time, src, sport, dst, dport, transport,
                                   q|r, id, qname, qtype, edns (1 when it has an OPT record, else
                                   0) (tab-separated, one line each)
  meter.py rates PCAP [--from A] [--open]
                                   queries (UDP and TCP together) from A (default 127.0.0.1, where
                                   caascan's queries come from in the world) in the busiest sliding
                                   one-second window: one line "ADDRESS COUNT" per destination,
                                   busiest first, then "ALL COUNT" over every destination
  meter.py outstanding PCAP [--from A] [--to ADDR,...]
                                   peak number of queries from A to each destination that were
                                   seen and not yet answered (matched by transport, client port,
                                   ID and server): one line "ADDRESS PEAK QUERIES ANSWERED"

A window is closed, [t, t + 1 s], as in the token bucket's promise (at most burst + rate * T
queries in any T seconds); with --open it is half open, [t, t + 1 s). A query over TCP counts from
the SYN of its connection: that is when the server sees it begin (and when the scanner spent its
token); its octets follow a round trip later, or later still when the scanner's loop is busy. The
tsv command prints that time too. A message over TCP is counted when its last octet is captured
(streams are put together per connection from the sequence numbers).
"""
import os
import signal
import struct
import subprocess
import sys
import time

DNS_PORT = 53
# Before it stops the capture, stop sends one datagram here and waits until tcpdump has written it:
# tcpdump hands packets over in order, in blocks (at most 1 s late), and SIGINT drops what it has
# not handed over yet. (--immediate-mode would hand them over at once, but with one ring slot of
# the snapshot length per packet, so the kernel drops packets under load.)
MARKER_ADDR = "127.0.0.254"


def die(msg):
    print(f"meter.py: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------------
# capture
# ---------------------------------------------------------------------------------------------

def cmd_start(pcap):
    errlog = pcap + ".log"
    with open(errlog, "wb") as err:
        proc = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-U", "-B", "32768", "-s", "0", "-Z", "root",
             "--time-stamp-precision=nano", "-w", pcap, "port", str(DNS_PORT)],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    with open(pcap + ".pid", "w") as f:
        f.write(str(proc.pid))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die(f"tcpdump exited with status {proc.returncode}: {open(errlog).read().strip()}")
        if "listening on" in open(errlog, errors="replace").read():
            return 0
        time.sleep(0.02)
    die("tcpdump did not start listening within 10 s")


def cmd_stop(pcap):
    try:
        pid = int(open(pcap + ".pid").read())
    except (OSError, ValueError):
        die(f"{pcap}.pid: no capture running")
    import socket
    marker = b"caascan-meter-marker-" + os.urandom(8).hex().encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        deadline = time.monotonic() + 10
        while True:
            sock.sendto(marker, (MARKER_ADDR, DNS_PORT))
            time.sleep(0.1)
            with open(pcap, "rb") as f:
                if marker in f.read():
                    break
            if time.monotonic() > deadline:
                die("tcpdump did not write the end marker within 10 s: the capture is incomplete")
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break  # exited, not yet reaped by whoever adopted it
        except (OSError, IndexError):
            break
        # tcpdump is our child only in the process that started it; reap it when it is ours.
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        except ChildProcessError:
            pass
        time.sleep(0.02)
    else:
        die(f"tcpdump (pid {pid}) did not stop")
    os.unlink(pcap + ".pid")
    log = open(pcap + ".log", errors="replace").read()
    for line in log.splitlines():
        words = line.split()
        if "dropped by kernel" in line and words and words[0] != "0":
            die(f"the capture is incomplete: {line.strip()}")
        if "dropped by interface" in line and words and words[0] != "0":
            die(f"the capture is incomplete: {line.strip()}")
    if "packets captured" not in log:
        die(f"tcpdump did not report its counts: {log.strip()}")
    return 0


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def read_pcap(path):
    """Yields (time in seconds, link type, frame bytes) for every record of a classic pcap."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            die(f"{path}: not a pcap file (too short)")
        magic = head[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            endian = ">"
        else:
            die(f"{path}: not a classic pcap file (magic {magic.hex()})")
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        linktype = struct.unpack(endian + "I", head[20:24])[0] & 0x0FFFFFFF
        div = 1e9 if nano else 1e6
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if not h:
                return
            if len(h) < 16:
                die(f"{path}: truncated record header")
            sec, frac, incl, _orig = rec.unpack(h)
            data = f.read(incl)
            if len(data) < incl:
                die(f"{path}: truncated record")
            yield sec + frac / div, linktype, data


def ip_payload(linktype, frame):
    """Returns (ethertype-like family, IP packet) or None."""
    if linktype == 1:  # Ethernet
        if len(frame) < 14:
            return None
        etype = struct.unpack(">H", frame[12:14])[0]
        off = 14
        while etype == 0x8100 and len(frame) >= off + 4:
            etype = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        return etype, frame[off:]
    if linktype == 113:  # Linux cooked v1
        return (struct.unpack(">H", frame[14:16])[0], frame[16:]) if len(frame) >= 16 else None
    if linktype == 276:  # Linux cooked v2
        return (struct.unpack(">H", frame[0:2])[0], frame[20:]) if len(frame) >= 20 else None
    if linktype in (101, 12, 14):  # raw IP
        if not frame:
            return None
        return (0x0800 if frame[0] >> 4 == 4 else 0x86DD), frame
    if linktype == 0:  # BSD loopback
        if len(frame) < 4:
            return None
        fam = struct.unpack("<I", frame[:4])[0]
        return (0x0800 if fam == 2 else 0x86DD), frame[4:]
    die(f"unsupported link type {linktype}")


def ntoa4(b):
    return ".".join(str(x) for x in b)


def ntoa6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(bytes(b)))


def transport(family, pkt):
    """Returns (proto, src, dst, l4 bytes) for an unfragmented IPv4/IPv6 TCP or UDP packet."""
    if family == 0x0800 and len(pkt) >= 20:
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack(">H", pkt[2:4])[0]
        proto = pkt[9]
        frag = struct.unpack(">H", pkt[6:8])[0]
        if frag & 0x3FFF:
            return None  # fragments: a DNS query never is one in the world
        return proto, ntoa4(pkt[12:16]), ntoa4(pkt[16:20]), pkt[ihl:total]
    if family == 0x86DD and len(pkt) >= 40:
        plen = struct.unpack(">H", pkt[4:6])[0]
        return pkt[6], ntoa6(pkt[8:24]), ntoa6(pkt[24:40]), pkt[40:40 + plen]
    return None


def qname_qtype(msg):
    """Question name and type of a DNS message (names of the question are never compressed)."""
    if len(msg) < 12 or struct.unpack(">H", msg[4:6])[0] < 1:
        return "", 0
    labels, i = [], 12
    while i < len(msg):
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            return ".".join(labels), 0
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 2 > len(msg):
        return ".".join(labels), 0
    return (".".join(labels) or ".") + ".", struct.unpack(">H", msg[i:i + 2])[0]


def skip_name(msg, i):
    """The offset after the (possibly compressed) name at i, None past the end."""
    while i < len(msg):
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += 1 + n
    return None


def has_opt(msg):
    """True when the message's additional section has an OPT record (EDNS)."""
    qd, an, ns, ar = struct.unpack(">HHHH", msg[4:12])
    i = 12
    for _ in range(qd):
        i = skip_name(msg, i)
        if i is None:
            return False
        i += 4
    for k in range(an + ns + ar):
        i = skip_name(msg, i)
        if i is None or i + 10 > len(msg):
            return False
        if k >= an + ns and struct.unpack(">H", msg[i:i + 2])[0] == 41:
            return True
        i += 10 + struct.unpack(">H", msg[i + 8:i + 10])[0]
    return False


def messages(path):
    """Every DNS message to or from port 53, in capture order:
    (time, src, sport, dst, dport, 'udp'|'tcp', is_response, id, qname, qtype, has_opt)."""
    streams = {}  # (src, sport, dst, dport) -> [next seq, bytes, time of the SYN or None]
    for ts, lt, frame in read_pcap(path):
        r = ip_payload(lt, frame)
        if not r:
            continue
        t = transport(*r)
        if not t:
            continue
        proto, src, dst, l4 = t
        if dst == MARKER_ADDR:
            continue
        if proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack(">HH", l4[:4])
            if DNS_PORT not in (sport, dport):
                continue
            msg = l4[8:]
            if len(msg) < 12:
                continue
            qn, qt = qname_qtype(msg)
            yield (ts, src, sport, dst, dport, "udp", bool(msg[2] & 0x80),
                   struct.unpack(">H", msg[:2])[0], qn, qt, has_opt(msg))
        elif proto == 6 and len(l4) >= 20:
            sport, dport, seq = struct.unpack(">HHI", l4[:8])
            if DNS_PORT not in (sport, dport):
                continue
            flags = l4[13]
            data = l4[(l4[12] >> 4) * 4:]
            key = (src, sport, dst, dport)
            if flags & 0x02:  # SYN: a new stream, data starts at seq + 1
                streams[key] = [(seq + 1) & 0xFFFFFFFF, b"", ts if not flags & 0x10 else None]
                continue
            st = streams.get(key)
            if st is None or not data:
                continue
            # Keep only octets not seen before (loopback does not reorder; retransmits overlap).
            skip = (st[0] - seq) & 0xFFFFFFFF
            if skip >= 0x80000000:  # a gap: should not happen on loopback
                die(f"TCP stream {key}: {(-skip) & 0xFFFFFFFF} octets missing from the capture")
            if skip >= len(data):
                continue
            data = data[skip:]
            st[0] = (st[0] + len(data)) & 0xFFFFFFFF
            st[1] += data
            buf = st[1]
            while len(buf) >= 2:
                n = struct.unpack(">H", buf[:2])[0]
                if len(buf) < 2 + n:
                    break
                msg, buf = buf[2:2 + n], buf[2 + n:]
                # The first message a client sends on a connection counts from the SYN.
                mts = st[2] if st[2] is not None else ts
                st[2] = None
                if len(msg) >= 12:
                    qn, qt = qname_qtype(msg)
                    yield (mts, src, sport, dst, dport, "tcp", bool(msg[2] & 0x80),
                           struct.unpack(">H", msg[:2])[0], qn, qt, has_opt(msg))
            st[1] = buf


# ---------------------------------------------------------------------------------------------
# queries
# ---------------------------------------------------------------------------------------------

def busiest_window(times, width=1.0, closed=True):
    """The largest number of times in any window [t, t + width] (closed) or [t, t + width)."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while j < len(times) and (times[j] <= t + width if closed else times[j] < t + width):
            j += 1
        best = max(best, j - i)
    return best


def option(args, name, default):
    if name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            die(f"{name} needs a value")
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def cmd_tsv(pcap, args):
    for m in messages(pcap):
        print("%.9f\t%s\t%d\t%s\t%d\t%s\t%s\t%d\t%s\t%d\t%d" %
              (m[0], m[1], m[2], m[3], m[4], m[5], "r" if m[6] else "q", m[7], m[8], m[9], m[10]))


def cmd_rates(pcap, args):
    src = option(args, "--from", "127.0.0.1")
    closed = "--open" not in args
    if not closed:
        args.remove("--open")
    per_dest, every = {}, []
    for m in messages(pcap):
        if m[6] or m[1] != src or m[4] != DNS_PORT:
            continue
        per_dest.setdefault(m[3], []).append(m[0])
        every.append(m[0])
    rows = sorted(((busiest_window(ts, closed=closed), d) for d, ts in per_dest.items()),
                  reverse=True)
    for n, d in rows:
        print(d, n)
    print("ALL", busiest_window(every, closed=closed))


def cmd_outstanding(pcap, args):
    src = option(args, "--from", "127.0.0.1")
    to = option(args, "--to", "")
    only = set(to.split(",")) if to else None
    open_q, peak, cur, sent, answered = set(), {}, {}, {}, {}
    for m in messages(pcap):
        ts, a, ap, b, bp, tr, resp, qid = m[:8]
        if not resp and a == src and bp == DNS_PORT:
            server, key = b, (tr, ap, qid, b)
            if only is not None and server not in only:
                continue
            sent[server] = sent.get(server, 0) + 1
            if key in open_q:
                continue  # the same query again (same port and ID): still one outstanding
            open_q.add(key)
            cur[server] = cur.get(server, 0) + 1
            peak[server] = max(peak.get(server, 0), cur[server])
        elif resp and b == src and ap == DNS_PORT:
            key = (tr, bp, qid, a)
            if key in open_q:
                open_q.remove(key)
                cur[a] -= 1
                answered[a] = answered.get(a, 0) + 1
    for server in sorted(peak, key=lambda s: (-peak[s], s)):
        print(server, peak[server], sent[server], answered.get(server, 0))


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if len(argv) < 3 else sys.stdout)
        return 2 if len(argv) < 3 else 0
    cmd, pcap, args = argv[1], argv[2], argv[3:]
    if cmd == "start":
        return cmd_start(pcap)
    if cmd == "stop":
        return cmd_stop(pcap)
    if not os.path.exists(pcap):
        die(f"{pcap}: no such file")
    if cmd == "tsv":
        cmd_tsv(pcap, args)
    elif cmd == "rates":
        cmd_rates(pcap, args)
    elif cmd == "outstanding":
        cmd_outstanding(pcap, args)
    else:
        die(f"unknown command {cmd} (start, stop, tsv, rates, outstanding)")
    if args:
        die(f"unknown argument {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
