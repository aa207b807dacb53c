#!/usr/bin/env python3
# test-bench-wire.py: bench/wire.py reads what a round's capture says:
# whole frames sent to the watchers, and the DTLS handshakes that never
# ended and whose turn it was. Captures are written here, packet by
# packet, in the pcap format tcpdump writes on lo.
#
# Usage: test-bench-wire.py SOURCE_ROOT
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(sys.argv[1], 'bench'))
import wire  # noqa: E402

failures = []


def check(name, got, want):
    if got != want:
        failures.append(f'{name}: got {got!r}, want {want!r}')


def udp_frame(src, dst, payload):
    """An Ethernet + IPv4 + UDP frame from 127.0.0.1 to itself."""
    udp = struct.pack('>HHHH', src, dst, 8 + len(payload), 0) + payload
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return b'\0' * 12 + b'\x08\x00' + ip + udp


def write_pcap(path, packets):
    """packets: (time_s, src_port, dst_port, payload), cut to 64 bytes as
    tcpdump -s 64 does."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 64, 1))
        for t, src, dst, payload in packets:
            frame = udp_frame(src, dst, payload)
            kept = frame[:64]
            f.write(struct.pack('<IIII', int(t), int(round((t % 1) * 1e6)), len(kept), len(frame)))
            f.write(kept)


def rtp(seq, marker, ts=0, ssrc=0x1234, pt=96):
    return struct.pack('>BBHII', 0x80, (0x80 if marker else 0) | pt, seq & 0xffff, ts, ssrc) + b'\0' * 40


def dtls(content_type=22, handshake=1):
    # record: type, version DTLS 1.2, epoch, sequence, length; then the handshake type
    return struct.pack('>BHH6sH', content_type, 0xfefd, 0, b'\0' * 6, 60) + bytes([handshake]) + b'\0' * 30


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'round.pcap')
        packets = []
        # A finished join: On Air (port 5000) says hello, the client (6000)
        # answers, then 120 packets of video leave On Air.
        packets.append((100.0, 5000, 6000, dtls(22, 1)))
        packets.append((100.1, 6000, 5000, dtls(22, 2)))
        packets += [(100.2 + i * 0.01, 5000, 6000, rtp(i, i % 4 == 3)) for i in range(120)]
        # Unfinished, On Air waiting: its hello resent three times, no answer.
        packets += [(100.0 + k, 5001, 6001, dtls(22, 1)) for k in (0, 1, 3)]
        # Unfinished, the client waiting: On Air said hello, the client
        # answered with its flight and never heard back.
        packets.append((100.0, 5002, 6002, dtls(22, 1)))
        packets.append((100.1, 6002, 5002, dtls(22, 2)))
        # Not DTLS at all (STUN): not a handshake.
        packets.append((100.0, 5003, 6003, b'\x00\x01\x00\x00\x21\x12\xa4\x42' + b'\0' * 12))
        packets.sort()
        write_pcap(path, packets)
        check('handshakes', wire.handshakes(path),
              {'handshakes': 3, 'unfinished': 2, 'unfinished_waiting_on_peer': 1})

        # Whole frames: a watcher whose flow began before the joins gets a
        # frame every 1/30 s for 3 s, but from 1.0 s to 1.5 s nothing, and the
        # frame after that gap came with a packet missing (not whole).
        path = os.path.join(tmp, 'watch.pcap')
        packets = []
        seq = 0
        for i in range(90):
            t = 10.0 + i / 30
            if 11.0 <= t < 11.5:
                continue
            for k in range(3):
                if not (11.5 <= t < 11.52 and k == 1):
                    packets.append((t + k * 0.001, 7000, 8000, rtp(seq, k == 2, ts=i * 3000)))
                seq += 1
        write_pcap(path, packets)
        got = wire.summarize(path, watchers_before=10.5, start=10.0, end=13.0)
        check('watchers seen', got['watchers_seen'], 1)
        # The window from 11.0 s holds only the whole frames from 11.53 s
        # (the one at 11.50 lost a packet) to 11.97 s: 14 of them.
        check('sent worst second', got['sent_worst_second'], 14)
        check('longest gap ms', round(got['sent_longest_gap_ms']), 567)
        # A flow that began after the joins is a joiner, not a watcher.
        check('no watcher', wire.summarize(path, watchers_before=9.0, start=10.0, end=13.0), None)

    value = wire.udp_receive_buffer_errors()
    if value is not None and value < 0:
        failures.append(f'udp_receive_buffer_errors: {value}')

    for failure in failures:
        print('FAIL:', failure)
    print('ok' if not failures else f'{len(failures)} failed')
    return 1 if failures else 0


sys.exit(main())
