"""What left On Air, read off the loopback interface.

A viewer's own count of its frames a second mixes what the server sent
with how soon the viewer's process got to read it; on a machine where a
hundred client webrtcbins share the cores with the server, a starved client
reads late. tcpdump's time stamps are the kernel's, taken as each packet
passes the interface, so frames counted here are frames On Air had sent.

Capture: tcpdump on lo, the first 64 bytes of each UDP packet (enough for
the Ethernet, IPv4, UDP and RTP headers; SRTP leaves the RTP header in the
clear). Each flow (source port → destination port) carrying RTP is a
viewer's; its video is the SSRC with the most packets (not RTX, not sound).
A frame ends at a packet with the marker bit; it is *whole* if the sequence
numbers ran on without a gap since the previous frame's last packet.
"""

import os
import shutil
import signal
import struct
import subprocess


class Capture:
    """tcpdump on lo for as long as the object lives (stop() ends it)."""

    def __init__(self, path):
        self.path = path
        self.proc = None
        if shutil.which('tcpdump') is None or os.geteuid() != 0:
            return
        self.proc = subprocess.Popen(['tcpdump', '-i', 'lo', '-n', '-s', '64', '-B', '16384', '-w', path, 'udp'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def available(self):
        return self.proc is not None

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_packets(path):
    """Yields (time_s, src_port, dst_port, rtp_header_bytes) of each UDP
    packet over IPv4 in a pcap file from tcpdump on lo."""
    with open(path, 'rb') as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack('<I', head[:4])[0]
        endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
        nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
        linktype = struct.unpack(endian + 'I', head[20:24])[0]
        link_len = {1: 14, 113: 16, 276: 20}.get(linktype, 14)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _orig = struct.unpack(endian + 'IIII', rec)
            data = f.read(incl)
            t = sec + frac / (1e9 if nano else 1e6)
            ip = data[link_len:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 0x0f) * 4
            udp = ip[ihl:]
            if len(udp) < 8 + 12:
                continue
            src, dst = struct.unpack('>HH', udp[:4])
            yield t, src, dst, udp[8:20]


def video_flows(path):
    """{(src, dst): [(time_s, seq, marker), ...]} of each flow's video."""
    flows = {}
    for t, src, dst, rtp in read_packets(path):
        if rtp[0] >> 6 != 2 or 192 <= rtp[1] <= 223:  # not RTP, or RTCP
            continue
        ssrc = struct.unpack('>I', rtp[8:12])[0]
        seq = struct.unpack('>H', rtp[2:4])[0]
        flows.setdefault((src, dst), {}).setdefault(ssrc, []).append((t, seq, rtp[1] & 0x80 != 0))
    out = {}
    for key, by_ssrc in flows.items():
        packets = max(by_ssrc.values(), key=len)
        if len(packets) >= 100:
            out[key] = packets
    return out


def whole_frames(packets):
    """The times whole frames finished leaving."""
    times = []
    last = None
    gap = True  # the first frame's start is unknown
    for t, seq, marker in packets:
        if last is not None and seq != (last + 1) & 0xffff:
            gap = True
        last = seq
        if marker:
            if not gap:
                times.append(t)
            gap = False
    return times


def summarize(path, watchers_before, start, end):
    """The flows that carried video before `watchers_before` (unix s) are
    the watchers; over [start, end): their slowest whole frames a second
    (worst one-second window, sliding by 0.1 s) and the longest time
    between two whole frames any of them was sent. None where no
    watcher's flow was seen."""
    worst = None
    longest = 0.0
    n = 0
    for packets in video_flows(path).values():
        if packets[0][0] >= watchers_before:
            continue
        times = [t for t in whole_frames(packets) if start <= t < end]
        if len(times) < 2:
            continue
        n += 1
        longest = max(longest, max(b - a for a, b in zip(times, times[1:])))
        lo = 0
        w = start
        while w + 1.0 <= end:
            while lo < len(times) and times[lo] < w:
                lo += 1
            hi = lo
            while hi < len(times) and times[hi] < w + 1.0:
                hi += 1
            worst = hi - lo if worst is None else min(worst, hi - lo)
            w += 0.1
    if n == 0:
        return None
    return {'watchers_seen': n, 'sent_worst_second': worst, 'sent_longest_gap_ms': longest * 1000}


def handshakes(path):
    """The DTLS handshakes of a round, read off the capture. On Air answers
    with a=setup:active (webrtcbin's default), so in each viewer's flow it is
    the side that sends the ClientHello, and the side that sends video once
    the handshake is done. A flow that began a handshake and carried next
    to no video from On Air (under 100 packets: a join that got a picture
    sends that many in a third of a second) is an unfinished join; its
    last DTLS datagram tells whose turn it
    was: On Air's side sent last (it was resending its flight to a peer that
    never answered), or the peer's (On Air never answered)."""
    flows = {}
    for t, src, dst, head in read_packets(path):
        flows.setdefault((min(src, dst), max(src, dst)), []).append((src, head))
    begun = unfinished = waiting_on_peer = 0
    for packets in flows.values():
        dtls = [src for src, head in packets if 20 <= head[0] <= 63 and head[1] == 0xfe]
        if not dtls:
            continue
        begun += 1
        onair = dtls[0]  # the ClientHello's sender
        video = sum(1 for src, head in packets
                    if src == onair and head[0] >> 6 == 2 and 96 <= (head[1] & 0x7f) <= 127)
        if video >= 100:
            continue
        unfinished += 1
        if dtls[-1] == onair:
            waiting_on_peer += 1
    return {'handshakes': begun, 'unfinished': unfinished, 'unfinished_waiting_on_peer': waiting_on_peer}


def udp_receive_buffer_errors():
    """The kernel's count of UDP datagrams dropped because the receiving
    socket's buffer was full (any socket on this machine; /proc/net/snmp)."""
    try:
        with open('/proc/net/snmp') as f:
            lines = [line.split() for line in f if line.startswith('Udp:')]
        names, values = lines[0], lines[1]
        return int(values[names.index('RcvbufErrors')])
    except (OSError, IndexError, ValueError):
        return None
