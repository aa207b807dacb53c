#!/usr/bin/env python3
"""Soak: churn viewers through On Air for N minutes and watch its memory.

    bench/soak.py                     # 30 minutes (the issue's note)
    bench/soak.py --minutes 5 --browser-every 0

On Air serves the RTSP test camera (tests/fixtures/onair-rtsp-fixture),
headless, on 127.0.0.1. Meanwhile:
- MJPEG viewers come and go: each reads a few frames and leaves, some
  with a reset, some before the response headers;
- WebRTC viewers come and go (bench/onair-bench-whep, a few at a time,
  each for a few seconds);
- a headless Chromium loads the page now and then (WebRTC, then MJPEG);
- the camera fails now and then (the fixture is stopped for a while and
  comes back on the same port).
Every --sample seconds it reads the server's /proc: RSS, private memory
(smaps_rollup), descriptors and threads. At the end it prints the samples
and, for each, the least-squares slope per minute after the first minute
(start-up, the encoders' first allocations) as one JSON line. It is a
measurement, not a test: nothing is asserted.

Needs a build (meson setup _build && ninja -C _build); the browser needs
node and npm ci --prefix bench.
"""
import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def proc_sample(pid):
    status = open(f'/proc/{pid}/status').read()
    rss = int(next(l for l in status.splitlines() if l.startswith('VmRSS:')).split()[1])
    threads = int(next(l for l in status.splitlines() if l.startswith('Threads:')).split()[1])
    private = 0
    for line in open(f'/proc/{pid}/smaps_rollup'):
        if line.startswith(('Private_Clean:', 'Private_Dirty:')):
            private += int(line.split()[1])
    fds = len(os.listdir(f'/proc/{pid}/fd'))
    return {'rss_kb': rss, 'private_kb': private, 'fds': fds, 'threads': threads}


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    var = sum((p[0] - mx) ** 2 for p in points)
    if var == 0:
        return 0.0
    return 60 * sum((p[0] - mx) * (p[1] - my) for p in points) / var


class Soak:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.stop = threading.Event()
        self.counts = {'mjpeg': 0, 'mjpeg_reset': 0, 'whep_rounds': 0, 'browser': 0, 'camera_failures': 0}
        self.lock = threading.Lock()

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    # the camera --------------------------------------------------------
    def start_camera(self):
        exe = os.path.join(self.build, 'tests', 'onair-rtsp-fixture')
        self.camera = subprocess.Popen([exe, str(self.camera_port)], stdout=subprocess.PIPE, text=True)
        return self.camera.stdout.readline().strip()

    def camera_loop(self):
        while not self.stop.wait(self.args.camera_fail_every):
            self.camera.terminate()
            self.camera.wait()
            self.count('camera_failures')
            if self.stop.wait(self.args.camera_down):
                return
            self.start_camera()

    # viewers -----------------------------------------------------------
    def mjpeg_loop(self):
        path = f'/stream.mjpg?token={self.token}'
        while not self.stop.is_set():
            try:
                s = socket.create_connection(('127.0.0.1', self.port), timeout=10)
                s.sendall(f'GET {path} HTTP/1.1\r\nHost: x\r\n\r\n'.encode())
                how = random.random()
                if how < 0.2:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\0\0\0\0\0\0\0')
                    self.count('mjpeg_reset')
                else:
                    got = 0
                    until = time.monotonic() + random.uniform(0.5, 3)
                    while time.monotonic() < until and got < 4 << 20:
                        data = s.recv(65536)
                        if not data:
                            break
                        got += len(data)
                    self.count('mjpeg')
                s.close()
            except OSError:
                pass
            self.stop.wait(random.uniform(0.05, 0.5))

    def whep_loop(self):
        exe = os.path.join(self.build, 'bench', 'onair-bench-whep')
        url = f'http://127.0.0.1:{self.port}/?token={self.token}'
        while not self.stop.is_set():
            n = random.randint(1, self.args.whep)
            subprocess.run([exe, url, str(n), str(random.randint(2, 6)), '--connect-timeout', '10'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.count('whep_rounds')
            self.stop.wait(random.uniform(0.5, 2))

    def browser_loop(self):
        node = shutil.which('node')
        script = os.path.join(HERE, 'chromium-latency.mjs')
        url = f'http://127.0.0.1:{self.port}/?token={self.token}'
        modes = ['webrtc', 'mjpeg']
        while not self.stop.wait(self.args.browser_every):
            subprocess.run([node, script, '--url', url, '--mode', modes[self.counts['browser'] % 2],
                            '--seconds', '5'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.count('browser')

    # the run -----------------------------------------------------------
    def run(self):
        self.camera_port = free_port()
        rtsp = self.start_camera()
        onair = os.path.join(self.build, 'src', 'onair')
        self.server = subprocess.Popen([onair, '--headless', '--source', rtsp, '--port', '0',
                                        '--bind', '127.0.0.1', '--max-viewers', '0'],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = urllib.parse.urlparse(self.server.stdout.readline().strip())
        self.port = url.port
        self.token = urllib.parse.parse_qs(url.query)['token'][0]
        time.sleep(3)

        loops = [self.mjpeg_loop] * self.args.mjpeg + [self.whep_loop, self.camera_loop]
        if self.args.browser_every > 0 and shutil.which('node'):
            loops.append(self.browser_loop)
        threads = [threading.Thread(target=f, daemon=True) for f in loops]
        for t in threads:
            t.start()

        samples = []
        start = time.monotonic()
        end = start + self.args.minutes * 60
        try:
            while time.monotonic() < end:
                s = proc_sample(self.server.pid)
                s['t'] = round(time.monotonic() - start, 1)
                samples.append(s)
                print(json.dumps(s), flush=True)
                time.sleep(self.args.sample)
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=30)
            time.sleep(5)
            idle = proc_sample(self.server.pid)
            self.server.terminate()
            self.server.wait()
            self.camera.terminate()
            self.camera.wait()

        steady = [s for s in samples if s['t'] >= 60] or samples
        result = {
            'minutes': self.args.minutes,
            'churn': self.counts,
            'first': samples[0] if samples else None,
            'last': samples[-1] if samples else None,
            'idle_after': idle,
            'slope_per_minute_after_1min': {
                k: round(slope_per_minute([(s['t'], s[k]) for s in steady]), 2)
                for k in ('rss_kb', 'private_kb', 'fds', 'threads')
            },
        }
        print(json.dumps(result))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--minutes', type=float, default=30)
    p.add_argument('--build', default=os.path.join(TOP, '_build'))
    p.add_argument('--sample', type=float, default=10, help='seconds between samples')
    p.add_argument('--mjpeg', type=int, default=3, help='MJPEG churn loops')
    p.add_argument('--whep', type=int, default=4, help='most WebRTC viewers at once')
    p.add_argument('--browser-every', type=float, default=60, help='seconds; 0: no browser')
    p.add_argument('--camera-fail-every', type=float, default=120, help='seconds')
    p.add_argument('--camera-down', type=float, default=8, help='seconds')
    Soak(p.parse_args()).run()


if __name__ == '__main__':
    sys.exit(main())
