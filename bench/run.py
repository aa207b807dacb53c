#!/usr/bin/python3
"""On Air benchmark: what a broadcast costs, beside the tutorial it replaces.

    bench/run.py            # full: MJPEG 1/10/50/100, WebRTC 1/10/25/50 viewers
    bench/run.py --quick    # CI: 1 and 5 viewers, 5-s windows

Runs headless On Air at 1280x720@30 on 127.0.0.1 for two sources, the test
pattern (transcoded path) and an H.264 RTSP camera (pass-through path), and
measures from separate client processes: per-viewer fps, the server's CPU and
RSS, glass-to-glass latency, Chromium's first frame. Then the Flask + OpenCV
tutorial on the same RTSP camera. Writes results.json, results.md and
results.png to bench/results/ (or --out) and prints the table.

See bench/README.md for the method.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import argparse
import datetime
import json
import math
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import wire

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CLK_TCK = os.sysconf('SC_CLK_TCK')
PAGE_SIZE = os.sysconf('SC_PAGE_SIZE')

# The RTSP camera: the test fixture's own picture and stamp, encoded as one
# slice per frame (threads=1), as a camera's hardware encoder does. With
# x264's sliced threads the fixture's stream decodes with the stamp row
# replaced by the test pattern in P-frames (only when served through
# gst-rtsp-server; the same encoder settings decode cleanly in-process), so
# latency could not be read from it.
FIXTURE_LAUNCH = (
    '( videotestsrc is-live=true pattern=smpte horizontal-speed=4 '
    '! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 '
    '! identity name=stamp '
    '! x264enc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max=30 bitrate=2500 '
    '! video/x-h264,profile=constrained-baseline '
    '! rtph264pay name=pay0 pt=96 config-interval=-1 )')

FULL = {
    'mjpeg_counts': [1, 10, 50, 100],
    'webrtc_counts': [1, 10, 25, 50],
    'tutorial_counts': [1, 10],
    'window': 10.0,
    'warmup': 3.0,
    'idle': 5.0,
    'chromium_seconds': 10.0,
    'chromium_loads': 5,
    'chromium_modes': {'test': ['webrtc', 'mjpeg'], 'rtsp': ['webrtc', 'mjpeg']},
}
QUICK = {
    'mjpeg_counts': [1, 5],
    'webrtc_counts': [1, 5],
    'tutorial_counts': [1],
    'window': 5.0,
    'warmup': 2.0,
    'idle': 2.0,
    'chromium_seconds': 4.0,
    'chromium_loads': 3,
    'chromium_modes': {'rtsp': ['webrtc']},
}

TARGETS = {
    'mjpeg_fps_min': 29.0,
    'mjpeg_marginal_cpu': 0.2,
    'mjpeg_latency_p50': 50.0,
    'webrtc_fps_min': 29.0,
    'webrtc_marginal_cpu': 0.35,
    'chromium_latency_p50': {'rtsp': 40.0, 'test': 60.0},
    'first_frame_ms': 300.0,
    'mjpeg_rss_per_viewer_mb': 2.0,
    'webrtc_rss_per_viewer_mb': 8.0,
}


def log(*args):
    print('[bench]', *args, file=sys.stderr, flush=True)


class BenchError(Exception):
    """The benchmark itself could not go on."""


# --------------------------------------------------------------------------
# /proc

def proc_cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_mb(pid, field):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def proc_rss_mb(pid):
    return proc_status_mb(pid, 'VmRSS')


def proc_anon_mb(pid):
    """Private memory: RSS less the mapped files (libraries and plugins,
    which stay mapped once loaded) and shared memory."""
    return proc_status_mb(pid, 'RssAnon')


def proc_threads(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return 0


def system_ticks():
    with open('/proc/stat') as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts[:8]) - idle, sum(parts[:8])


def loadavg():
    with open('/proc/loadavg') as f:
        return f.read().strip()


class CpuMeter:
    """CPU of one process (in % of one core) and of the machine over a window."""

    def __init__(self, pid):
        self.pid = pid
        self.t0 = time.monotonic()
        self.c0 = proc_cpu_seconds(pid)
        self.s0 = system_ticks()

    def stop(self):
        t1 = time.monotonic()
        c1 = proc_cpu_seconds(self.pid)
        s1 = system_ticks()
        span = t1 - self.t0
        busy = s1[0] - self.s0[0]
        total = s1[1] - self.s0[1]
        return {
            'cpu_percent': 100.0 * (c1 - self.c0) / span,
            'machine_busy_percent': 100.0 * os.cpu_count() * busy / total if total else float('nan'),
            'span_s': span,
        }


# --------------------------------------------------------------------------
# processes

class Child:
    """A child process whose stdout lines arrive on a queue."""

    def __init__(self, name, argv, log_dir, env=None, stdin=False):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.lines = queue.Queue()
        self.log_path = os.path.join(log_dir, name + '.log')
        self.log = open(self.log_path, 'ab')
        self.log.write(('$ ' + ' '.join(self.argv) + '\n').encode())
        self.log.flush()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     env=env, start_new_session=True)
        self.pid = self.proc.pid
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors='replace').rstrip('\n'))
        self.lines.put(None)

    def next_line(self, timeout, on_tick=None):
        """The next stdout line, or None at EOF. on_tick runs every 0.5 s."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f'{self.name}: no output within {timeout:.0f} s (see {self.log_path})')
            try:
                return self.lines.get(timeout=min(0.5, left))
            except queue.Empty:
                if on_tick:
                    on_tick()

    def next_event(self, event, timeout, on_tick=None):
        while True:
            line = self.next_line(timeout, on_tick)
            if line is None:
                code = self.proc.wait()
                raise BenchError(f'{self.name}: exited with status {code} before "{event}" (see {self.log_path})')
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if data.get('event') == event:
                return data

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def wait(self, timeout):
        """Exit status, or None when it had to be killed."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def stop(self, timeout=10):
        """SIGTERM; returns (exit status, stopped in time)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, True
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout), True
        except subprocess.TimeoutExpired:
            self.kill()
            return self.proc.returncode, False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def alive(self):
        return self.proc.poll() is None


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def wait_until(predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (OSError, ValueError):
            pass
        time.sleep(interval)
    return False


# --------------------------------------------------------------------------
# the bench

def pct(values, p):
    values = sorted(v for v in values if v is not None and not math.isnan(v))
    if not values:
        return None
    rank = max(1, min(len(values), math.ceil(p / 100 * len(values))))
    return values[rank - 1]


def fnum(v, digits=1):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '–'
    return f'{v:.{digits}f}'


class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = dict(QUICK if args.quick else FULL)
        if args.window:
            self.cfg['window'] = args.window
        self.out = os.path.abspath(args.out)
        self.logs = os.path.join(self.out, 'logs')
        os.makedirs(self.logs, exist_ok=True)
        for name in os.listdir(self.logs):
            os.unlink(os.path.join(self.logs, name))
        self.failures = []   # the bench or On Air broke: exit status 1
        self.results = {
            'meta': {},
            'sources': {},
            'tutorial': None,
        }
        self.fixture = None
        self.rtsp_url = None
        self.chromium = None

    def fail(self, what):
        log('FAILURE:', what)
        self.failures.append(what)

    # ---------------- setup

    def resolve_programs(self):
        a = self.args
        given = [a.onair, a.fixture, a.mjpeg_client, a.whep_client, a.camera_client, a.plain, a.floor]
        if not all(given):
            build = os.path.abspath(a.build_dir or os.path.join(TOP, '_build'))
            if not os.path.exists(os.path.join(build, 'build.ninja')):
                log(f'configuring {build}')
                subprocess.run(['meson', 'setup', build, TOP, '-Dbuildtype=debugoptimized'], check=True,
                               stdout=subprocess.DEVNULL)
            log(f'building {build}')
            subprocess.run(['ninja', '-C', build], check=True, stdout=subprocess.DEVNULL)
            a.onair = a.onair or os.path.join(build, 'src', 'onair')
            a.fixture = a.fixture or os.path.join(build, 'tests', 'onair-rtsp-fixture')
            a.mjpeg_client = a.mjpeg_client or os.path.join(build, 'bench', 'onair-bench-mjpeg')
            a.whep_client = a.whep_client or os.path.join(build, 'bench', 'onair-bench-whep')
            a.camera_client = a.camera_client or os.path.join(build, 'bench', 'onair-bench-camera')
            a.plain = a.plain or os.path.join(build, 'bench', 'onair-bench-plain')
            a.floor = a.floor or os.path.join(build, 'bench', 'onair-bench-floor')
        for path in (a.onair, a.fixture, a.mjpeg_client, a.whep_client, a.camera_client, a.plain, a.floor):
            if not os.access(path, os.X_OK):
                raise BenchError(f'{path} is not an executable')

    def resolve_chromium(self):
        a = self.args
        if a.no_chromium:
            return 'skipped (--no-chromium)'
        if not shutil.which('node'):
            return 'skipped: node is not installed'
        if not os.access(a.chromium, os.X_OK):
            return f'skipped: {a.chromium} is not installed'
        roots = [os.path.join(HERE, 'node_modules'), os.path.join(TOP, 'tests', 'e2e', 'node_modules')]
        if not any(os.path.isdir(os.path.join(r, 'playwright-core')) for r in roots):
            if a.no_install or not shutil.which('npm'):
                return 'skipped: playwright-core is not installed (npm ci --prefix bench)'
            log('installing playwright-core (npm ci --prefix bench)')
            r = subprocess.run(['npm', 'ci', '--prefix', HERE, '--no-audit', '--no-fund', '--loglevel=error'])
            if r.returncode != 0:
                return 'skipped: npm ci failed'
        self.chromium = [shutil.which('node'), os.path.join(HERE, 'chromium-latency.mjs')]
        return 'ok'

    def meta(self):
        gst = subprocess.run(['gst-inspect-1.0', '--version'], capture_output=True, text=True).stdout.split('\n')
        commit = subprocess.run(['git', '-C', TOP, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', TOP, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True).stdout.strip()
        buildtype = None
        intro = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(self.args.onair))),
                             'meson-info', 'intro-buildoptions.json')
        try:
            with open(intro) as f:
                buildtype = next(o['value'] for o in json.load(f) if o['name'] == 'buildtype')
        except (OSError, ValueError, StopIteration):
            pass
        self.results['meta'] = {
            'date': datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
            'mode': 'quick' if self.args.quick else 'full',
            'cores': os.cpu_count(),
            'cpu': _cpu_model(),
            'kernel': platform.release(),
            'loadavg_before': loadavg(),
            'gstreamer': gst[1].strip() if len(gst) > 1 else None,
            'commit': commit + (' (modified)' if dirty else ''),
            'onair_buildtype': buildtype,
            'window_s': self.cfg['window'],
            'warmup_s': self.cfg['warmup'],
            'resolution': '1280x720@30',
        }

    def start_fixture(self):
        env = dict(os.environ, RTSP_FIXTURE_LAUNCH=FIXTURE_LAUNCH)
        self.fixture = Child('rtsp-fixture', [self.args.fixture], self.logs, env=env)
        line = self.fixture.next_line(15)
        if not line or not line.startswith('rtsp://'):
            raise BenchError(f'the RTSP fixture printed {line!r}, not its URL')
        self.rtsp_url = line
        log('RTSP camera at', line)

    def run_json(self, name, argv, timeout):
        """Runs a program that prints one JSON line: (that object or {}, exit status, Child)."""
        c = Child(name, argv, self.logs)
        line = c.next_line(timeout)
        code = c.wait(10)
        try:
            r = json.loads(line or '')
        except ValueError:
            r = {}
        return r, code, c

    def measure_camera(self):
        """The camera's own latency, decoded without On Air: the floor under
        the pass-through path's figures."""
        r, code, c = self.run_json('camera-latency', [self.args.camera_client, self.rtsp_url, self.cfg['idle'] + 1],
                                   self.cfg['idle'] + 30)
        if code != 0 or not r.get('latency_ms', {}).get('samples'):
            self.fail(f'the RTSP camera alone: no readable time stamp (exit status {code}, see {c.log_path})')
        log(f'  camera alone (decoded without On Air): latency p50 {fnum(r.get("latency_ms", {}).get("p50"), 0)} ms')
        return r

    # ---------------- one step of N viewers

    def run_clients(self, kind, url, n, server_pid, status_url=None):
        """N viewers of one kind; measures the server over the window."""
        client = self.args.mjpeg_client if kind == 'mjpeg' else self.args.whep_client
        target = url + ('stream.mjpg' if kind == 'mjpeg' and not url.endswith('video_feed') else '')
        argv = [client, target, n, self.cfg['window'], '--warmup', self.cfg['warmup'], '--hold']
        name = f'{kind}-{n}-{len(os.listdir(self.logs))}'
        c = Child(name, argv, self.logs, stdin=True)
        rss = []
        step = {'viewers': n}

        def tick():
            try:
                rss.append(proc_rss_mb(server_pid))
            except OSError:
                pass

        try:
            connected = c.next_event('connected', 60 + n, tick)
            step['connected'] = connected
            c.next_event('window_start', self.cfg['warmup'] + 30, tick)
            meter = CpuMeter(server_pid)
            fixture = CpuMeter(self.fixture.pid) if self.fixture and self.fixture.alive() else None
            result = c.next_event('result', self.cfg['window'] + 60, tick)
            step.update(meter.stop())
            if fixture:
                step['camera_cpu_percent'] = fixture.stop()['cpu_percent']
            step['rss_mb'] = proc_rss_mb(server_pid)
            step['anon_mb'] = proc_anon_mb(server_pid)
            step['rss_max_mb'] = max(rss + [step['rss_mb']])
            step['threads'] = proc_threads(server_pid)
            if status_url:
                try:
                    status = http_json(status_url)
                    step['server_viewers'] = len(status['viewers'])
                    step['video_encoders'] = status['source'].get('video_encoders')
                    step['server_frames_dropped'] = sum(v.get('frames_dropped', 0) for v in status['viewers'])
                except (OSError, ValueError, KeyError) as e:
                    step['status_error'] = str(e)
        except BenchError:
            c.kill()
            raise
        finally:
            c.close_stdin()

        code = c.wait(30 + n)
        if code is None:
            self.fail(f'{name}: the client did not leave within {30 + n} s after its result (see {c.log_path})')
        elif code != 0:
            self.fail(f'{name}: the client exited with status {code} (see {c.log_path})')

        for key in ('fps', 'fps_min', 'fps_median', 'fps_max', 'open', 'failed', 'stalled', 'errors',
                    'latency_ms', 'client_cpu_percent', 'mbit_s', 'packets_per_s', 'bytes_per_s'):
            if key in result:
                step[key] = result[key]
        receiving = sum(1 for f in result.get('fps', []) if f > 0)
        step['receiving'] = receiving
        if receiving < n:
            self.fail(f'{kind} {n} viewers: {n - receiving} received no frame in the window '
                      f'({"; ".join(result.get("errors", [])[:3]) or "no error reported"})')
        lat = result.get('latency_ms')
        if kind == 'mjpeg' and lat is not None and lat.get('samples', 0) == 0:
            self.fail(f'{kind} {n} viewers: no frame carried a readable time stamp '
                      f'({lat.get("unreadable")} unreadable)')
        log(f'  {kind:6} {n:3} viewers: fps min {fnum(step.get("fps_min"))} median {fnum(step.get("fps_median"))}, '
            f'server CPU {fnum(step["cpu_percent"])} %, RSS {fnum(step["rss_mb"])} MB, '
            f'latency p50 {fnum((lat or {}).get("p50"), 0)} ms, machine busy {fnum(step["machine_busy_percent"], 0)} %')
        return step

    def wait_no_viewers(self, status_url, timeout=20):
        def empty():
            s = http_json(status_url)
            return len(s['viewers']) == 0
        return wait_until(empty, timeout)

    def wait_rss_settled(self, pid, seconds=2.0):
        time.sleep(seconds)
        return proc_rss_mb(pid), proc_anon_mb(pid)

    # ---------------- chromium

    def run_chromium(self, url, mode, status_url):
        argv = self.chromium + ['--url', url, '--mode', mode, '--seconds', self.cfg['chromium_seconds'],
                                '--loads', self.cfg['chromium_loads'],
                                '--chromium', self.args.chromium]
        c = Child(f'chromium-{mode}-{len(os.listdir(self.logs))}', argv, self.logs)
        line = None
        try:
            while True:
                line = c.next_line(self.cfg['chromium_seconds'] + 60 + 20 * self.cfg['chromium_loads'])
                if line is None or line.startswith('{'):
                    break
        except BenchError as e:
            c.kill()
            self.fail(str(e))
            return {'error': str(e)}
        code = c.wait(30)
        if line is None:
            self.fail(f'chromium {mode}: no result, exit status {code} (see {c.log_path})')
            return {'error': f'exit status {code}'}
        r = json.loads(line)
        if r.get('first_frame_ms') is None:
            self.fail(f'chromium {mode}: no frame shown ({r.get("error")}; page said “{r.get("status_text")}”)')
        elif (r.get('latency_ms') or {}).get('samples', 0) == 0:
            self.fail(f'chromium {mode}: no readable time stamp in {r.get("frames")} frames')
        if not self.wait_no_viewers(status_url):
            self.fail(f'chromium {mode}: the viewer was still listed 20 s after the page closed')
        log(f'  chromium {mode}: first frame {fnum(r.get("first_frame_ms"), 0)} ms after navigation start '
            f'({fnum(r.get("first_frame_after_load_ms"), 0)} ms after load; median of '
            f'{len(r.get("first_frame_after_load_samples_ms") or [])} loads '
            f'{fnum(r.get("first_frame_after_load_median_ms"), 0)}), fps {fnum(r.get("fps"))}, '
            f'latency p50 {fnum((r.get("latency_ms") or {}).get("p50"), 0)} ms')
        return r

    # ---------------- one On Air run per source

    def run_source(self, key, source):
        log(f'On Air, source {key} ({source})')
        res = {'source': source, 'mjpeg': [], 'webrtc': [], 'chromium': {}}
        argv = [self.args.onair, '--headless', '--source', source, '--port', '0', '--bind', '127.0.0.1',
                '--no-token', '--max-viewers', '0']
        env = dict(os.environ, GST_REGISTRY_UPDATE='no')
        server = Child(f'onair-{key}', argv, self.logs, env=env)
        try:
            url = server.next_line(20)
            if not url or not url.startswith('http://'):
                raise BenchError(f'onair printed {url!r}, not its URL')
            status_url = url + 'api/status'
            if not wait_until(lambda: http_json(status_url)['source']['state'] == 'live', 30):
                raise BenchError(f'onair: source {source} did not go live in 30 s')
            status = http_json(status_url)
            res['passthrough'] = status['source'].get('h264_passthrough')

            # Idle: headless, nobody watching.
            time.sleep(1.0)
            meter = CpuMeter(server.pid)
            time.sleep(self.cfg['idle'])
            res['idle'] = meter.stop()
            res['idle']['rss_mb'] = proc_rss_mb(server.pid)
            res['idle']['anon_mb'] = proc_anon_mb(server.pid)
            res['idle']['threads'] = proc_threads(server.pid)
            res['idle']['video_encoders'] = http_json(status_url)['source'].get('video_encoders')
            res['idle']['source_fps'] = http_json(status_url)['source'].get('fps')
            log(f'  idle: CPU {fnum(res["idle"]["cpu_percent"])} %, RSS {fnum(res["idle"]["rss_mb"])} MB, '
                f'encoders {res["idle"]["video_encoders"]}')

            # Chromium first, while no encoder runs: its first frame is a cold start.
            for mode in (self.cfg['chromium_modes'].get(key, []) if self.chromium else []):
                res['chromium'][mode] = self.run_chromium(url, mode, status_url)

            for kind in ('mjpeg', 'webrtc'):
                if not self.wait_no_viewers(status_url):
                    self.fail(f'{key}: viewers left over before the {kind} steps')
                res[kind + '_rss_before_mb'], res[kind + '_anon_before_mb'] = self.wait_rss_settled(server.pid, 1.0)
                for n in self.cfg[kind + '_counts']:
                    step = self.run_clients(kind, url, n, server.pid, status_url)
                    if not self.wait_no_viewers(status_url):
                        self.fail(f'{key} {kind} {n}: viewers still listed 20 s after they left')
                    step['rss_after_leave_mb'], step['anon_after_leave_mb'] = self.wait_rss_settled(server.pid)
                    res[kind].append(step)
                s = http_json(status_url)['source']
                res[kind + '_encoders_after'] = s.get('video_encoders')
                res[kind + '_rss_after_mb'], res[kind + '_anon_after_mb'] = self.wait_rss_settled(server.pid, 2.0)
        finally:
            code, in_time = server.stop(10)
            res['exit_status'] = code
            res['stopped_on_sigterm'] = in_time
            if not in_time:
                self.fail(f'onair ({key}) did not stop within 10 s of SIGTERM; killed (see {server.log_path})')
            elif code != 0:
                self.fail(f'onair ({key}) exited with status {code} on SIGTERM (see {server.log_path})')
        return res

    # ---------------- what a WebRTC viewer costs elsewhere

    def run_plain(self):
        """The textbook fan-out (gst-examples): a payloader and a webrtcbin
        per viewer behind a tee of the camera's H.264, same client."""
        log('Plain GStreamer fan-out (a payloader and a webrtcbin per viewer), source rtsp')
        env = dict(os.environ, GST_REGISTRY_UPDATE='no')
        server = Child('plain', [self.args.plain, self.rtsp_url], self.logs, env=env)
        res = {'source': self.rtsp_url, 'webrtc': []}
        try:
            url = server.next_line(20)
            if not url or not url.startswith('http://'):
                raise BenchError(f'onair-bench-plain printed {url!r}, not its URL')
            status_url = url + 'api/status'
            time.sleep(1.0)
            for n in self.cfg['webrtc_counts']:
                step = self.run_clients('webrtc', url, n, server.pid)
                if not wait_until(lambda: http_json(status_url)['webrtc_viewers'] == 0, 20):
                    self.fail(f'plain {n}: viewers still there 20 s after they left')
                res['webrtc'].append(step)
        finally:
            code, in_time = server.stop(10)
            res['exit_status'] = code
        return res

    def measure_floor(self):
        """SRTP and one UDP send per packet, alone: what no WebRTC server can
        share between viewers, at the packet rate and size the RTSP viewers
        received."""
        rtsp = self.results['sources'].get('rtsp') or {}
        top = (rtsp.get('webrtc') or [{}])[-1]
        rate, size = top.get('packets_per_s'), None
        if rate and top.get('bytes_per_s'):
            size = int(round(top['bytes_per_s'] / rate)) - 10  # less the SRTP tag: the RTP packet
        argv = [self.args.floor, '--viewers', top.get('viewers') or 20,
                '--seconds', self.cfg['window']]
        if rate:
            argv += ['--packets-per-s', f'{rate:.1f}', '--size', max(12, min(1500, size))]
        r, code, c = self.run_json('floor', argv, self.cfg['window'] + 60)
        if code != 0 or 'floor_us' not in r:
            self.fail(f'onair-bench-floor: no result (exit status {code}, see {c.log_path})')
            return None
        log(f'  floor: SRTP {fnum(r["srtp_us"])} µs + UDP send {fnum(r["udp_us"])} µs per packet = '
            f'{fnum(r["floor_percent_per_viewer"], 3)} % of a core per viewer at {fnum(r["packets_per_s"], 0)} packets/s')
        return r

    # ---------------- the tutorial

    def run_tutorial(self):
        log('Tutorial (Flask + OpenCV), source rtsp')
        port = free_port()
        argv = [self.args.python, os.path.join(HERE, 'tutorial', 'app.py'), '--source', self.rtsp_url,
                '--port', port]
        server = Child('tutorial', argv, self.logs)
        res = {'source': self.rtsp_url, 'mjpeg': []}
        try:
            def listening():
                with socket.create_connection(('127.0.0.1', port), timeout=1):
                    return True
            if not wait_until(listening, 30):
                raise BenchError(f'the tutorial did not listen on port {port} (see {server.log_path})')
            meter = CpuMeter(server.pid)
            time.sleep(self.cfg['idle'])
            res['idle'] = meter.stop()
            res['idle']['rss_mb'] = proc_rss_mb(server.pid)
            url = f'http://127.0.0.1:{port}/video_feed'
            for n in self.cfg['tutorial_counts']:
                step = self.run_clients('mjpeg', url, n, server.pid)
                # Its captures close when the generators notice the closed sockets.
                time.sleep(2)
                step['rss_after_leave_mb'] = proc_rss_mb(server.pid)
                res['mjpeg'].append(step)
        finally:
            code, in_time = server.stop(10)
            res['exit_status'] = code
        return res

    # ---------------- derived figures

    @staticmethod
    def marginal(steps, key='cpu_percent'):
        if len(steps) < 2:
            return None
        first, last = steps[0], steps[-1]
        if last['viewers'] == first['viewers']:
            return None
        return (last[key] - first[key]) / (last['viewers'] - first['viewers'])

    def derive(self):
        targets = []
        quick = self.args.quick

        def target(name, value, limit, better='lower', note=''):
            if value is None:
                met = None
            else:
                met = value <= limit if better == 'lower' else value >= limit
            targets.append({'target': name, 'value': value, 'limit': limit,
                            'better': better, 'met': met, 'note': note})

        for key, res in self.results['sources'].items():
            label = 'test pattern' if key == 'test' else 'RTSP H.264'
            d = res['derived'] = {}
            for kind in ('mjpeg', 'webrtc'):
                steps = res[kind]
                if not steps:
                    continue
                d[kind + '_marginal_cpu'] = self.marginal(steps)
                d[kind + '_rss_per_viewer_mb'] = self.marginal(steps, 'rss_mb')
                # Against before the first viewer: includes what the first use
                # keeps for good (plugins mapped, codec tables, allocator arenas).
                d[kind + '_rss_retained_mb'] = res[kind + '_rss_after_mb'] - res[kind + '_rss_before_mb']
                d[kind + '_anon_retained_idle_mb'] = res[kind + '_anon_after_mb'] - res[kind + '_anon_before_mb']
                # Against after the one-viewer step left: what more viewers
                # take and do not give back.
                warm = steps[0]['anon_after_leave_mb']
                d[kind + '_anon_first_use_mb'] = warm - res[kind + '_anon_before_mb']
                d[kind + '_anon_retained_mb'] = res[kind + '_anon_after_mb'] - warm
                d[kind + '_anon_peak_growth_mb'] = max(s['anon_mb'] for s in steps) - warm
                top = steps[-1]
                n = top['viewers']
                target(f'{label}: {kind.upper()} {n} viewers, each ≥ 29 fps (min)',
                       top.get('fps_min'), TARGETS[kind + '_fps_min'], 'higher')
                target(f'{label}: {kind.upper()} marginal CPU, % of a core per viewer (1→{n})',
                       d[kind + '_marginal_cpu'], TARGETS[kind + '_marginal_cpu'])
                target(f'{label}: {kind.upper()} RSS growth per viewer, MB (1→{n})',
                       d[kind + '_rss_per_viewer_mb'], TARGETS[kind + '_rss_per_viewer_mb'])
                growth = max(d[kind + '_anon_peak_growth_mb'], 0.0)
                target(f'{label}: {kind.upper()} private memory (RssAnon) back to baseline after all leave, '
                       f'MB kept against after the 1-viewer step (limit: 2 MB or 10 % of the peak growth of '
                       f'{growth:.1f} MB)',
                       d[kind + '_anon_retained_mb'], max(2.0, 0.1 * growth),
                       note=f'against idle before any viewer: {fnum(d[kind + "_anon_retained_idle_mb"])} MB private, '
                            f'{fnum(d[kind + "_rss_retained_mb"])} MB RSS, of which the first viewer kept '
                            f'{fnum(d[kind + "_anon_first_use_mb"])} MB private')
                if kind == 'mjpeg':
                    worst = max((s.get('latency_ms') or {}).get('p50') or float('inf') for s in steps)
                    target(f'{label}: MJPEG latency p50 ≤ 50 ms at every count (worst)',
                           None if worst == float('inf') else worst, TARGETS['mjpeg_latency_p50'])
            target(f'{label}: no encoder runs with no viewers (video_encoders when idle)',
                   res.get('idle', {}).get('video_encoders'), 0)
            enc_after = [res.get(k + '_encoders_after') for k in ('mjpeg', 'webrtc') if res.get(k + '_encoders_after') is not None]
            if enc_after:
                target(f'{label}: no encoder runs after every viewer left', max(enc_after), 0)
            for mode, r in res.get('chromium', {}).items():
                if mode == 'webrtc':
                    target(f'{label}: Chromium WebRTC latency p50, ms (shown)',
                           (r.get('latency_ms') or {}).get('p50'), TARGETS['chromium_latency_p50'][key])
                samples = r.get('first_frame_after_load_samples_ms') or []
                note = 'loads: ' + ', '.join(fnum(v, 0) for v in samples) if samples else ''
                waits = r.get('first_frame_after_connected_samples_ms') or []
                if mode == 'webrtc' and any(v is not None for v in waits):
                    # The part spent waiting for a keyframe once connected.
                    note += (f'; of which from connected to the frame: median '
                             f'{fnum(r.get("first_frame_after_connected_median_ms"), 0)} '
                             f'({", ".join(fnum(v, 0) for v in waits)})')
                target(f'{label}: Chromium {"WebRTC" if mode == "webrtc" else "MJPEG"} first frame, ms after the page '
                       f'loaded, median of {len(samples) or 1} loads',
                       r.get('first_frame_after_load_median_ms', r.get('first_frame_after_load_ms')),
                       TARGETS['first_frame_ms'], note=note)

        tut = self.results.get('tutorial')
        rtsp = self.results['sources'].get('rtsp')
        if tut and tut['mjpeg'] and rtsp and rtsp['mjpeg']:
            ratios = {}
            on = {s['viewers']: s for s in rtsp['mjpeg']}
            for s in tut['mjpeg']:
                o = on.get(s['viewers'])
                if not o:
                    continue
                n = s['viewers']

                def ratio(a, b):
                    return a / b if a is not None and b not in (None, 0) else None
                ratios[f'cpu_at_{n}'] = ratio(s['cpu_percent'], o['cpu_percent'])
                ratios[f'rss_at_{n}'] = ratio(s['rss_mb'], o['rss_mb'])
                ratios[f'fps_min_at_{n}'] = ratio(s.get('fps_min'), o.get('fps_min'))
                ratios[f'latency_p50_at_{n}'] = ratio((s.get('latency_ms') or {}).get('p50'),
                                                      (o.get('latency_ms') or {}).get('p50'))
            # On Air's cost per viewer over its whole range (1 to 100): over
            # 1 to 10 alone it is below what a 10-s window can resolve.
            tm = self.marginal(tut['mjpeg'])
            om = self.marginal(rtsp['mjpeg'])
            tut['marginal_cpu'] = tm
            ratios['marginal_cpu'] = tm / om if tm is not None and om is not None and om > 0 else None
            ratios['on_air_marginal_cpu'] = om
            self.results['ratios'] = ratios
        self.derive_webrtc_floors(targets)
        self.results['targets'] = targets
        if quick:
            for t in targets:
                t['note'] = (t['note'] + '; ' if t['note'] else '') + 'quick run: indicative only'

    def derive_webrtc_floors(self, targets):
        """Puts the WebRTC figures beside what bounds them from below."""
        cost = {}
        rtsp = self.results['sources'].get('rtsp') or {}
        plain = self.results.get('plain')
        floor = self.results.get('floor')
        cost['on_air_marginal_cpu'] = (rtsp.get('derived') or {}).get('webrtc_marginal_cpu')
        if plain and plain['webrtc']:
            cost['plain_marginal_cpu'] = self.marginal(plain['webrtc'])
            cost['plain_viewers'] = plain['webrtc'][-1]['viewers']
            cost['plain_fps_min'] = plain['webrtc'][-1].get('fps_min')
        if floor:
            rate = floor['packets_per_s']
            cost.update(packets_per_s=rate, packet_bytes=floor['size'], srtp_us=floor['srtp_us'],
                        udp_us=floor['udp_us'], srtp_percent=floor['srtp_us'] * rate / 1e4,
                        udp_percent=floor['udp_us'] * rate / 1e4,
                        floor_percent=floor['floor_percent_per_viewer'])
        self.results['webrtc_cost'] = cost
        for t in targets:
            if 'WebRTC marginal CPU' in t['target']:
                parts = []
                if cost.get('plain_marginal_cpu') is not None:
                    parts.append(f'plain GStreamer fan-out on the same camera: {fnum(cost["plain_marginal_cpu"], 2)}')
                if cost.get('floor_percent') is not None:
                    parts.append(f'floor, SRTP + one UDP send per packet alone: {fnum(cost["floor_percent"], 2)}')
                if parts:
                    t['note'] = '; '.join(([t['note']] if t['note'] else []) + parts)

        # The pass-through path cannot show a frame sooner than the camera
        # delivers it plus what Chromium itself takes from the last packet to
        # the screen (shown − received, on the transcoded path).
        cam = ((self.results.get('camera') or {}).get('latency_ms') or {}).get('p50')
        test_c = ((self.results['sources'].get('test') or {}).get('chromium') or {}).get('webrtc') or {}
        shown = (test_c.get('latency_ms') or {}).get('p50')
        received = (test_c.get('receive_latency_ms') or {}).get('p50')
        if cam is not None and shown is not None and received is not None:
            cost['passthrough_latency_floor_ms'] = cam + (shown - received)
            cost['chromium_display_ms'] = shown - received
            for t in targets:
                if t['target'].startswith('RTSP H.264: Chromium WebRTC latency'):
                    t['note'] = ((t['note'] + '; ') if t['note'] else '') + (
                        f'floor: the camera alone {fnum(cam, 0)} + Chromium from last packet to screen '
                        f'{fnum(shown - received, 0)} (test pattern) = {fnum(cam + shown - received, 0)}')

    # ---------------- outputs

    def markdown(self):
        r = self.results
        m = r['meta']
        out = []
        out.append(f'On Air benchmark, {m["mode"]} run, {m["date"]}: {m["cores"]} cores ({m["cpu"]}), '
                   f'{m["resolution"]}, loopback, commit {m["commit"]}, On Air build {m["onair_buildtype"]}; '
                   f'{m["window_s"]:.0f}-s windows after {m["warmup_s"]:.0f}-s warm-up; '
                   f'load average before: {m["loadavg_before"]}.')
        out.append('')
        cam = (r.get('camera') or {}).get('latency_ms') or {}
        if cam:
            out.append(f'The RTSP camera alone (its encoder and server, RTP, one decode; no On Air): latency p50 '
                       f'{fnum(cam.get("p50"), 0)} ms, p95 {fnum(cam.get("p95"), 0)} ms. Every latency on the '
                       f'pass-through path includes it.')
            out.append('')
        out.append('| source | protocol | viewers | fps min | fps median | server CPU % | RSS MB | '
                   'latency p50 / p95 ms | client CPU % | machine busy % of 200 (other programs) |')
        out.append('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
        rows = []
        for key, res in r['sources'].items():
            label = 'test pattern (transcoded)' if key == 'test' else 'RTSP H.264 (pass-through)'
            idle = res.get('idle', {})
            rows.append((label, 'none (idle)', 0, None, None, idle.get('cpu_percent'), idle.get('rss_mb'),
                         None, None, idle.get('machine_busy_percent'), None))
            for kind in ('mjpeg', 'webrtc'):
                for s in res[kind]:
                    rows.append((label, 'MJPEG' if kind == 'mjpeg' else 'WebRTC', s['viewers'], s.get('fps_min'),
                                 s.get('fps_median'), s['cpu_percent'], s['rss_mb'],
                                 s.get('latency_ms') if kind == 'mjpeg' else None,
                                 s.get('client_cpu_percent'), s.get('machine_busy_percent'), other_load(s)))
        tut = r.get('tutorial')
        if tut:
            idle = tut.get('idle', {})
            rows.append(('tutorial, RTSP H.264', 'none (idle)', 0, None, None, idle.get('cpu_percent'),
                         idle.get('rss_mb'), None, None, idle.get('machine_busy_percent'), None))
            for s in tut['mjpeg']:
                rows.append(('tutorial, RTSP H.264', 'MJPEG', s['viewers'], s.get('fps_min'), s.get('fps_median'),
                             s['cpu_percent'], s['rss_mb'], s.get('latency_ms'), s.get('client_cpu_percent'),
                             s.get('machine_busy_percent'), other_load(s)))
        for (label, proto, n, fmin, fmed, cpu, rss, lat, ccpu, busy, other) in rows:
            latency = '–' if not lat else f'{fnum(lat.get("p50"), 0)} / {fnum(lat.get("p95"), 0)}'
            others = f' ({fnum(other, 0)})' if other is not None else ''
            out.append(f'| {label} | {proto} | {n} | {fnum(fmin)} | {fnum(fmed)} | {fnum(cpu)} | {fnum(rss)} | '
                       f'{latency} | {fnum(ccpu)} | {fnum(busy, 0)}{others} |')
        out.append('')

        out.append('| source | marginal CPU, % of a core per viewer, MJPEG / WebRTC | RSS MB per viewer, MJPEG / WebRTC | '
                   'MB kept after all left against idle, RSS (private), MJPEG / WebRTC | '
                   'private MB kept against after the 1-viewer step, MJPEG / WebRTC |')
        out.append('| --- | ---: | ---: | ---: | ---: |')
        for key, res in r['sources'].items():
            d = res.get('derived', {})
            label = 'test pattern (transcoded)' if key == 'test' else 'RTSP H.264 (pass-through)'
            out.append(f'| {label} | {fnum(d.get("mjpeg_marginal_cpu"), 2)} / {fnum(d.get("webrtc_marginal_cpu"), 2)} | '
                       f'{fnum(d.get("mjpeg_rss_per_viewer_mb"), 2)} / {fnum(d.get("webrtc_rss_per_viewer_mb"), 2)} | '
                       f'{fnum(d.get("mjpeg_rss_retained_mb"))} ({fnum(d.get("mjpeg_anon_retained_idle_mb"))}) / '
                       f'{fnum(d.get("webrtc_rss_retained_mb"))} ({fnum(d.get("webrtc_anon_retained_idle_mb"))}) | '
                       f'{fnum(d.get("mjpeg_anon_retained_mb"))} / {fnum(d.get("webrtc_anon_retained_mb"))} |')
        out.append('')

        chromium_rows = []
        for key, res in r['sources'].items():
            label = 'test pattern (transcoded)' if key == 'test' else 'RTSP H.264 (pass-through)'
            for mode, c in res.get('chromium', {}).items():
                if not c or c.get('first_frame_ms') is None:
                    chromium_rows.append(f'| {label} | {mode} | no frame: {c.get("error") if c else "not run"} | | | | | | |')
                    continue
                lat = c.get('latency_ms') or {}
                rl = c.get('receive_latency_ms') or {}
                rx = c.get('receiver') or {}
                res_t = {e['name']: e for e in c.get('resources') or []}
                sig = res_t.get('whep') if mode == 'webrtc' else None
                inside = (f'jitter buffer {fnum(rx.get("jitter_buffer_ms"), 0)}, decode {fnum(rx.get("decode_ms"), 1)}, '
                          f'receive to decoded {fnum(rx.get("processing_ms"), 0)}') if rx else '–'
                chromium_rows.append(
                    f'| {label} | {"WebRTC" if mode == "webrtc" else "MJPEG"} | {fnum(c.get("first_frame_ms"), 0)} / '
                    f'{fnum(c.get("first_frame_after_load_ms"), 0)} | '
                    f'{fnum(c.get("first_frame_after_load_median_ms"), 0)} '
                    f'({", ".join(fnum(v, 0) for v in c.get("first_frame_after_load_samples_ms") or [])}) | '
                    f'{fnum(c.get("load_ms"), 0)} | '
                    f'{fnum(sig["first_byte_ms"] - sig["start_ms"], 0) if sig else "–"} | '
                    f'{fnum(lat.get("p50"), 0)} / {fnum(lat.get("p95"), 0)} | '
                    f'{fnum(rl.get("p50"), 0)} / {fnum(rl.get("p95"), 0)} | {inside} | {fnum(c.get("fps"))} |')
        if chromium_rows:
            out.append('Chromium, one viewer, no other viewers (a cold start: no encoder was running):')
            out.append('')
            out.append('| source | protocol | first frame ms from navigation / from load | '
                       'from load, median of all loads (each) | page load ms | '
                       'POST /whep answer ms | shown latency p50 / p95 ms | received latency p50 / p95 ms | '
                       'inside Chromium, ms per frame | fps shown |')
            out.append('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |')
            out.extend(chromium_rows)
            out.append('')

        cost = r.get('webrtc_cost') or {}
        if cost.get('on_air_marginal_cpu') is not None:
            out.append('What one more WebRTC viewer costs, % of one core, RTSP camera (H.264 passed through), '
                       'same client:')
            out.append('')
            out.append('| On Air | plain GStreamer (a payloader and a webrtcbin per viewer) | '
                       'floor: SRTP + one UDP send per packet, nothing else | of which SRTP / UDP | '
                       'µs per packet SRTP / UDP | packets/s per viewer (bytes) |')
            out.append('| ---: | ---: | ---: | ---: | ---: | ---: |')
            out.append(f'| {fnum(cost.get("on_air_marginal_cpu"), 2)} | {fnum(cost.get("plain_marginal_cpu"), 2)}'
                       f'{" (slowest " + fnum(cost.get("plain_fps_min")) + " fps at " + str(cost.get("plain_viewers")) + ")" if cost.get("plain_viewers") else ""} | '
                       f'{fnum(cost.get("floor_percent"), 2)} | {fnum(cost.get("srtp_percent"), 2)} / {fnum(cost.get("udp_percent"), 2)} | '
                       f'{fnum(cost.get("srtp_us"), 1)} / {fnum(cost.get("udp_us"), 1)} | '
                       f'{fnum(cost.get("packets_per_s"), 0)} ({cost.get("packet_bytes", "–")}) |')
            out.append('')

        if r.get('ratios'):
            ra = r['ratios']
            out.append('Tutorial ÷ On Air, same RTSP camera, MJPEG:')
            out.append('')
            out.append('| figure | tutorial ÷ On Air |')
            out.append('| --- | ---: |')
            names = {'marginal_cpu': 'marginal CPU per viewer'}
            for k, v in ra.items():
                if k == 'on_air_marginal_cpu':
                    continue
                name = names.get(k) or k.replace('_at_', ' at ').replace('_', ' ') + (' viewers' if '_at_' in k else '')
                out.append(f'| {name} | {fnum(v, 2)}× |')
            tm = (r.get('tutorial') or {}).get('marginal_cpu')
            if tm is not None:
                out.append(f'| (marginal CPU, % of a core per viewer: tutorial {fnum(tm, 2)}, '
                           f'On Air {fnum(ra.get("on_air_marginal_cpu"), 3)}) | |')
            out.append('')

        out.append('| target | value | limit | met |')
        out.append('| --- | ---: | ---: | --- |')
        for t in r.get('targets', []):
            met = {True: 'yes', False: '**no**', None: 'not measured'}[t['met']]
            note = f' ({t["note"]})' if t['note'] else ''
            out.append(f'| {t["target"]}{note} | {fnum(t["value"], 2)} | '
                       f'{"≥" if t["better"] == "higher" else "≤"} {fnum(t["limit"], 2)} | {met} |')
        if self.failures:
            out.append('')
            out.append('Failures:')
            out.append('')
            for f in self.failures:
                out.append(f'- {f}')
        return '\n'.join(out) + '\n'

    def plot(self, path):
        try:
            import matplotlib
            matplotlib.use('Agg')
            import matplotlib.pyplot as plt
        except ImportError as e:
            log('no plot:', e)
            return False
        fig, (ax_fps, ax_cpu) = plt.subplots(1, 2, figsize=(12, 4.8))
        series = []
        for key, res in self.results['sources'].items():
            label = 'test' if key == 'test' else 'RTSP'
            for kind in ('mjpeg', 'webrtc'):
                if res[kind]:
                    series.append((f'On Air {kind.upper() if kind == "mjpeg" else "WebRTC"}, {label}', res[kind],
                                   '-' if kind == 'mjpeg' else '--'))
        plain = self.results.get('plain')
        if plain and plain['webrtc']:
            series.append(('plain GStreamer WebRTC, RTSP', plain['webrtc'], '-.'))
        tut = self.results.get('tutorial')
        if tut and tut['mjpeg']:
            series.append(('tutorial MJPEG, RTSP', tut['mjpeg'], ':'))
        for name, steps, style in series:
            xs = [s['viewers'] for s in steps]
            ax_fps.plot(xs, [s.get('fps_min') or 0 for s in steps], style, marker='o', label=name)
            ax_cpu.plot(xs, [s['cpu_percent'] for s in steps], style, marker='o', label=name)
        ax_fps.axhline(29, color='grey', linewidth=0.8)
        ax_fps.set_xlabel('viewers')
        ax_fps.set_ylabel('slowest viewer, frames per second')
        ax_fps.set_ylim(0, 32)
        ax_fps.set_title('Frame rate of the slowest viewer')
        ax_cpu.set_xlabel('viewers')
        ax_cpu.set_ylabel('server CPU, % of one core')
        ax_cpu.set_title('Server CPU')
        ax_cpu.legend(fontsize=8)
        for ax in (ax_fps, ax_cpu):
            ax.grid(True, alpha=0.3)
        m = self.results['meta']
        fig.suptitle(f'On Air benchmark ({m["mode"]}), 1280×720@30, {m["cores"]} cores, {m["date"]}', fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return True

    def write(self):
        self.results['failures'] = self.failures
        with open(os.path.join(self.out, 'results.json'), 'w') as f:
            json.dump(self.results, f, indent=1, default=lambda o: None)
        md = self.markdown()
        with open(os.path.join(self.out, 'results.md'), 'w') as f:
            f.write(md)
        self.plot(os.path.join(self.out, 'results.png'))
        print(md, flush=True)

    # ---------------- main

    def run(self):
        started = time.monotonic()
        self.resolve_programs()
        self.meta()
        self.results['meta']['chromium'] = self.resolve_chromium()
        log('load average before:', self.results['meta']['loadavg_before'])
        try:
            self.start_fixture()
            self.results['camera'] = self.measure_camera()
            sources = {'test': 'test', 'rtsp': self.rtsp_url}
            for key in self.args.sources:
                try:
                    self.results['sources'][key] = self.run_source(key, sources[key])
                except BenchError as e:
                    self.fail(f'{key}: {e}')
            if 'rtsp' in self.results['sources'] and not self.args.no_plain:
                try:
                    self.results['plain'] = self.run_plain()
                except BenchError as e:
                    self.fail(f'plain GStreamer: {e}')
            self.results['floor'] = self.measure_floor()
            if not self.args.no_tutorial:
                try:
                    self.results['tutorial'] = self.run_tutorial()
                except BenchError as e:
                    self.fail(f'tutorial: {e}')
        finally:
            if self.fixture:
                self.fixture.stop(5)
        self.results['meta']['duration_s'] = round(time.monotonic() - started, 1)
        self.results['meta']['loadavg_after'] = loadavg()
        self.derive()
        self.write()
        log(f'results in {self.out} ({self.results["meta"]["duration_s"]:.0f} s)')
        return 1 if self.failures else 0


def other_load(step):
    """CPU used by programs that are not part of the step (other work on
    the machine), in % of one core."""
    parts = [step.get('machine_busy_percent'), step.get('cpu_percent'), step.get('client_cpu_percent')]
    if any(p is None for p in parts):
        return None
    return parts[0] - parts[1] - parts[2] - (step.get('camera_cpu_percent') or 0.0)


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def bench_for_mode(args, *clients):
    """A Bench for a mode of its own (--lossy, --firefox, --congested,
    --joins): On Air, the RTSP fixture and only the given client programs
    are looked for (or built)."""
    for name in ('mjpeg_client', 'whep_client', 'camera_client', 'plain', 'floor'):
        if name not in clients:
            setattr(args, name, '/bin/true')
    bench = Bench(args)
    bench.resolve_programs()
    os.makedirs(args.out, exist_ok=True)
    return bench


def run_node_mode(args, name, options, table_start):
    """Runs bench/NAME.mjs with On Air and `options`, passes its output
    through and writes its Markdown table (from the line starting with
    `table_start`) to OUT/NAME.md. Exit status 77 means it skipped, as it
    said."""
    argv = [shutil.which('node'), os.path.join(HERE, name + '.mjs'), '--onair', args.onair] + [str(o) for o in options]
    log(f'{name}:', ' '.join(argv))
    r = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode == 77:
        return 0
    table = r.stdout[r.stdout.find(table_start):] if table_start in r.stdout else ''
    with open(os.path.join(args.out, name + '.md'), 'w') as f:
        f.write(table)
    return r.returncode


def run_lossy(args):
    """--lossy: WebRTC playback over a lossy link (bench/lossy.mjs), one
    viewer per source and loss; the table goes to OUT/lossy.md."""
    bench = bench_for_mode(args)
    status = bench.resolve_chromium()
    if status != 'ok':
        log('lossy:', status)
        return 1
    return run_node_mode(args, 'lossy', ['--fixture', args.fixture, '--chromium', args.chromium,
                                         '--losses', args.losses, '--sources', ','.join(args.sources),
                                         '--seconds', args.window or 20, '--runs', args.runs or 1], '| source')


def run_firefox(args):
    """--firefox: the frame rate Debian's Firefox ESR shows at 1280×720 in
    VP8 (bench/firefox.mjs); the table goes to OUT/firefox.md."""
    bench_for_mode(args)
    if not shutil.which('node'):
        log('firefox: skipped: node is not installed')
        return 1
    e2e = os.path.join(TOP, 'tests', 'e2e')
    if not os.path.isdir(os.path.join(e2e, 'node_modules', 'puppeteer-core')):
        if args.no_install or not shutil.which('npm'):
            log('firefox: skipped: puppeteer-core is not installed (PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tests/e2e)')
            return 1
        log('installing puppeteer-core (npm ci --prefix tests/e2e; no browser download)')
        r = subprocess.run(['npm', 'ci', '--prefix', e2e, '--no-audit', '--no-fund', '--loglevel=error'],
                           env={**os.environ, 'PUPPETEER_SKIP_DOWNLOAD': '1'})
        if r.returncode != 0:
            log('firefox: skipped: npm ci failed')
            return 1
    return run_node_mode(args, 'firefox', ['--seconds', args.window or 20, '--runs', args.runs or 3], '| run')


def run_congested(args):
    """--congested: a bandwidth-limited phone beside an unlimited one
    (bench/congested.mjs); the table goes to OUT/congested.md."""
    bench = bench_for_mode(args)
    status = bench.resolve_chromium()
    if status != 'ok':
        log('congested:', status)
        return 1
    return run_node_mode(args, 'congested', ['--fixture', args.fixture, '--chromium', args.chromium,
                                             '--rate', args.rate, '--sources', ','.join(args.sources),
                                             '--seconds', args.window or 30, '--runs', args.runs or 1], '| source')


class CpuSampler:
    """A process's CPU in % of one core, every `every` seconds, in a thread."""

    def __init__(self, pid, every=0.5):
        self.pid, self.every, self.samples = pid, every, []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        t0, c0 = time.monotonic(), proc_cpu_seconds(self.pid)
        while not self.done.wait(self.every):
            try:
                t1, c1 = time.monotonic(), proc_cpu_seconds(self.pid)
            except OSError:
                return
            self.samples.append(100.0 * (c1 - c0) / (t1 - t0))
            t0, c0 = t1, c1

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.samples


def joins_once(bench, source, n, watchers, seconds, join_at, nice):
    """One round of --joins: `watchers` WebRTC viewers watch for `seconds`;
    `join_at` s into their window, `n` more join at once (their client at
    `nice`: 19 leaves it only the CPU nobody else wants, as phones bring
    their own). Returns a row."""
    a = bench.args
    argv = [a.onair, '--headless', '--source', source, '--port', '0', '--bind', '127.0.0.1',
            '--no-token', '--max-viewers', '0', '--no-sound']
    server = Child('onair-joins', argv, bench.logs, env=dict(os.environ, GST_REGISTRY_UPDATE='no'))
    watch = joiners = capture = None
    try:
        url = server.next_line(20)
        if not url or not url.startswith('http://'):
            raise BenchError(f'onair printed {url!r}, not its URL')
        if not wait_until(lambda: http_json(url + 'api/status')['source']['state'] == 'live', 30):
            raise BenchError(f'onair: source {source} did not go live in 30 s')
        capture = wire.Capture(os.path.join(bench.logs, 'joins.pcap'))
        watch = Child('whep-watchers', [a.whep_client, url, watchers, seconds, '--warmup', '1',
                                        '--sample-ms', '1000'], bench.logs)
        watch.next_event('window_start', 30)
        window_start = time.time()
        cpu = CpuSampler(server.pid)
        time.sleep(join_at)
        joined_at = time.time()
        rcvbuf0 = wire.udp_receive_buffer_errors()
        joiners = Child('whep-joiners', ['nice', '-n', nice, a.whep_client, url, n, 2, '--warmup', '0',
                                         '--at-once', '--connect-timeout', '20'], bench.logs)
        joined = joiners.next_event('connected', 60)
        samples = []
        while True:
            line = watch.next_line(seconds + 30)
            if line is None:
                raise BenchError('whep-watchers ended before its result')
            d = json.loads(line) if line.startswith('{') else {}
            if d.get('event') == 'sample':
                samples.append(d)
            elif d.get('event') == 'result':
                result = d
                break
        load = cpu.stop()
        joiners.wait(60)
        rcvbuf1 = wire.udp_receive_buffer_errors()
    finally:
        for c in (joiners, watch):
            if c is not None:
                c.kill()
        server.stop(10)
        if capture is not None:
            capture.stop()
    sent = dtls = None
    if capture.available:
        sent = wire.summarize(capture.path, joined_at, window_start, window_start + seconds)
        dtls = wire.handshakes(capture.path)
        os.unlink(capture.path)
    return {
        'joined': joined['receiving'], 'n': n,
        'answer_p50_ms': joined['answer_ms_median'], 'answer_max_ms': joined['answer_ms_max'],
        'slowest_first_frame_ms': joined['slowest_first_frame_ms'],
        'watch_fps_min': result['whole_fps_min'],
        'watch_worst_second': min(x['whole_fps_min'] for x in samples) if samples else None,
        'watch_longest_wait_ms': result['longest_wait_ms'],
        # the fewest whole frames in any one second (29 or 30 when steady)
        'watch_fewest_in_a_second': (result['worst_second_whole']
                                     if result.get('worst_second_whole', -1) >= 0 else None),
        'server_cpu_mean': sum(load) / len(load) if load else None,
        'server_cpu_peak': max(load) if load else None,
        'sent_worst_second': sent['sent_worst_second'] if sent else None,
        'sent_longest_gap_ms': sent['sent_longest_gap_ms'] if sent else None,
        'dtls_unfinished': dtls['unfinished'] if dtls else None,
        'dtls_waiting_on_peer': dtls['unfinished_waiting_on_peer'] if dtls else None,
        'udp_rcvbuf_errors': rcvbuf1 - rcvbuf0 if rcvbuf0 is not None and rcvbuf1 is not None else None,
    }


def run_joins(args):
    """--joins: a burst of WebRTC viewers joining at once beside viewers
    already watching, all over loopback with onair-bench-whep (no browser);
    the table goes to OUT/joins.md."""
    bench = bench_for_mode(args, 'whep_client')
    rows = []
    try:
        for key in args.sources:
            if key == 'rtsp' and bench.rtsp_url is None:
                bench.start_fixture()
            source = bench.rtsp_url if key == 'rtsp' else 'test'
            for run in range(args.runs or 3):
                for nice in (0, 19):
                    row = joins_once(bench, source, args.joins, args.watchers, args.window or 14, 3, nice)
                    row.update(source=key, run=run + 1, joiners_nice=nice)
                    log(f'joins {key} run {run + 1}: {row}')
                    rows.append(row)
    finally:
        if bench.fixture:
            bench.fixture.stop(5)
    head = ('| source | run | joining client | joins with video | answers p50 / max (ms) | slowest first picture (ms) '
            '| watching: fps (window, slowest viewer) | watching: worst second (fps) '
            '| watching: fewest whole frames in any second | watching: longest wait (ms) '
            '| sent to the watching: worst second (frames) | sent: longest gap (ms) '
            '| server CPU mean / peak (% of a core) | handshakes unfinished (On Air waiting on the client) '
            '| UDP dropped at full receive buffers |\n'
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n')
    body = ''.join(
        f"| {r['source']} | {r['run']} | {'nice 19' if r['joiners_nice'] else 'as the server'} | {r['joined']} of {r['n']} | {fnum(r['answer_p50_ms'], 0)} / "
        f"{fnum(r['answer_max_ms'], 0)} | {fnum(r['slowest_first_frame_ms'], 0)} | {fnum(r['watch_fps_min'])} | "
        f"{fnum(r['watch_worst_second'])} | {fnum(r['watch_fewest_in_a_second'], 0)} | {fnum(r['watch_longest_wait_ms'], 0)} | "
        f"{fnum(r['sent_worst_second'], 0)} | {fnum(r['sent_longest_gap_ms'], 0)} | "
        f"{fnum(r['server_cpu_mean'], 0)} / {fnum(r['server_cpu_peak'], 0)} | "
        f"{fnum(r['dtls_unfinished'], 0)} ({fnum(r['dtls_waiting_on_peer'], 0)}) | {fnum(r['udp_rcvbuf_errors'], 0)} |\n" for r in rows)
    sys.stdout.write(head + body)
    with open(os.path.join(args.out, 'joins.md'), 'w') as f:
        f.write(head + body)
    with open(os.path.join(args.out, 'joins.json'), 'w') as f:
        json.dump(rows, f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description='On Air benchmark (see bench/README.md).')
    p.add_argument('--quick', action='store_true', help='1 and 5 viewers, 5-s windows (CI)')
    p.add_argument('--out', default=os.path.join(HERE, 'results'), help='where results go (default bench/results)')
    p.add_argument('--build-dir', help='meson build directory to use or create (default _build)')
    p.add_argument('--onair', help='the onair program')
    p.add_argument('--fixture', help='onair-rtsp-fixture')
    p.add_argument('--mjpeg-client', help='onair-bench-mjpeg')
    p.add_argument('--whep-client', help='onair-bench-whep')
    p.add_argument('--camera-client', help='onair-bench-camera')
    p.add_argument('--plain', help='onair-bench-plain (the plain GStreamer fan-out)')
    p.add_argument('--floor', help='onair-bench-floor (SRTP and UDP per packet)')
    p.add_argument('--python', default='/usr/bin/python3', help="Python with Debian's flask and cv2")
    p.add_argument('--chromium', default='/usr/bin/chromium')
    p.add_argument('--sources', default='test,rtsp', help='comma-separated: test, rtsp')
    p.add_argument('--window', type=float, help='seconds measured per step')
    p.add_argument('--no-chromium', action='store_true')
    p.add_argument('--no-tutorial', action='store_true')
    p.add_argument('--no-plain', action='store_true', help='skip the plain GStreamer fan-out')
    p.add_argument('--no-install', action='store_true', help='do not run npm ci for playwright-core')
    p.add_argument('--lossy', action='store_true',
                   help='only WebRTC playback over a lossy link (root: network namespaces), see bench/README.md')
    p.add_argument('--firefox', action='store_true',
                   help="only Firefox ESR's frame rate at 720p in VP8 (root: network namespaces), see bench/README.md")
    p.add_argument('--losses', default='0,1,2,5', help='--lossy: percent of UDP dropped each way')
    p.add_argument('--runs', type=int, help='--lossy, --congested: runs of every measurement (default 1); '
                   '--firefox, --joins: runs (default 3)')
    p.add_argument('--congested', action='store_true',
                   help='only a bandwidth-limited phone beside an unlimited one (root), see bench/README.md')
    p.add_argument('--rate', default='1mbit', help="--congested: the weak phone's link (tc tbf rate)")
    p.add_argument('--joins', type=int, metavar='N',
                   help='only N WebRTC viewers joining at once beside viewers already watching (loopback), '
                        'see bench/README.md')
    p.add_argument('--watchers', type=int, default=5, help='--joins: the viewers already watching')
    args = p.parse_args()
    args.sources = [s for s in args.sources.split(',') if s]
    if any(s not in ('test', 'rtsp') for s in args.sources):
        p.error('--sources takes test and rtsp')
    if not args.no_tutorial and 'rtsp' not in args.sources:
        args.no_tutorial = True
    if args.lossy:
        return run_lossy(args)
    if args.firefox:
        return run_firefox(args)
    if args.congested:
        return run_congested(args)
    if args.joins:
        return run_joins(args)
    try:
        return Bench(args).run()
    except BenchError as e:
        log('FAILURE:', e)
        return 1


if __name__ == '__main__':
    sys.exit(main())
