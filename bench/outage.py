#!/usr/bin/python3
"""On Air when the camera goes: how soon viewers get the slate, how soon the
camera's picture comes back, and what the slate costs.

    bench/outage.py              # 3 rounds of a 5-s and a 30-s outage, then the slate's CPU: ~4 minutes
    bench/outage.py --rounds 1   # ~2 minutes

Headless On Air on an H.264 RTSP camera (tests/onair-rtsp-fixture, the same
stamped picture as bench/run.py), watched by one MJPEG and two WebRTC viewers
from the bench clients in --classify mode: every picture they receive is
decoded and reported with its wall-clock time as camera (a recent capture
stamp), slate (ON_AIR_SLATE_ARGB in the corners) or other. The camera is
killed (SIGKILL), and after 5 s or 30 s started again on the same port
(RTSP_FIXTURE_PORT). Per viewer: time from the kill to its first slate
picture, and from the camera listening again to its first camera picture,
on the same connection (the clients never reconnect).

Then the slate's CPU: the camera gone, nobody watching, then 5 MJPEG + 5
WebRTC viewers, each over a 10-s window; the same on the live test pattern.

Writes outage.json and outage.md to bench/results/ (or --out). See
bench/README.md, "Outages".

SPDX-License-Identifier: GPL-3.0-or-later
"""
import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (the benchmark's process and /proc helpers)

OUTAGES = (5, 30)
SETTLE_S = 3.0          # camera pictures on every viewer before a stop
RETURN_TIMEOUT_S = 75   # the camera back on every viewer (backoff tops at 30 s)
SLATE_TIMEOUT_S = 20


def log(*args):
    print('[outage]', *args, file=sys.stderr, flush=True)


class FrameLog:
    """Collects a --classify client's "frame" events (and its others)."""

    def __init__(self, child):
        self.child = child
        self.lock = threading.Lock()
        self.frames = []        # (protocol, viewer, t_s, kind)
        self.events = []
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self):
        while True:
            line = self.child.lines.get()
            if line is None:
                return
            try:
                e = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                if e.get('event') == 'frame':
                    self.frames.append((e['protocol'], e['viewer'], e['t_ms'] / 1000.0, e['kind']))
                else:
                    self.events.append(e)

    def snapshot(self):
        with self.lock:
            return list(self.frames)


class StatusLog:
    """/api/status every 100 ms: the source's state changes and the viewer count."""

    def __init__(self, status_url):
        self.url = status_url
        self.samples = []       # (t_s, state, viewers, error)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        while not self.stop.is_set():
            try:
                s = bench.http_json(self.url, timeout=2)
                self.samples.append((time.time(), s['source']['state'], len(s['viewers']),
                                     s['source'].get('error')))
            except (OSError, ValueError, KeyError):
                pass
            self.stop.wait(0.1)

    def first_after(self, t, pred):
        for (ts, state, n, err) in list(self.samples):
            if ts >= t and pred(state):
                return ts
        return None

    def viewers_between(self, t0, t1):
        return [n for (ts, _, n, _) in list(self.samples) if t0 <= ts <= t1]


class Outage:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.logs = os.path.join(self.out, 'outage-logs')
        os.makedirs(self.logs, exist_ok=True)
        for name in os.listdir(self.logs):
            os.unlink(os.path.join(self.logs, name))
        self.fixture = None
        self.port = None
        self.results = {'meta': {}, 'rounds': [], 'slate_cpu': {}}

    # ---------------- programs

    def resolve(self):
        a = self.args
        build = os.path.abspath(a.build_dir or os.path.join(bench.TOP, '_build'))
        if not os.path.exists(os.path.join(build, 'build.ninja')):
            bench.subprocess.run(['meson', 'setup', build, bench.TOP, '-Dbuildtype=debugoptimized'], check=True,
                                 stdout=bench.subprocess.DEVNULL)
        bench.subprocess.run(['ninja', '-C', build], check=True, stdout=bench.subprocess.DEVNULL)
        self.onair = os.path.join(build, 'src', 'onair')
        self.fixture_exe = os.path.join(build, 'tests', 'onair-rtsp-fixture')
        self.mjpeg = os.path.join(build, 'bench', 'onair-bench-mjpeg')
        self.whep = os.path.join(build, 'bench', 'onair-bench-whep')
        self.env = dict(os.environ, GST_REGISTRY_UPDATE='no',
                        PIPEWIRE_RUNTIME_DIR=os.path.join(self.out, 'no-pipewire'))

    def start_fixture(self, port=None):
        env = dict(self.env, RTSP_FIXTURE_LAUNCH=bench.FIXTURE_LAUNCH)
        if port:
            env['RTSP_FIXTURE_PORT'] = str(port)
        spawned = time.time()
        self.fixture = bench.Child(f'rtsp-fixture-{len(os.listdir(self.logs))}', [self.fixture_exe], self.logs,
                                   env=env)
        line = self.fixture.next_line(15)
        listening = time.time()
        if not line or not line.startswith('rtsp://'):
            raise bench.BenchError(f'the RTSP fixture printed {line!r}, not its URL')
        self.port = urllib.parse.urlsplit(line).port
        return line, spawned, listening

    def kill_fixture(self):
        t = time.time()
        self.fixture.proc.send_signal(signal.SIGKILL)
        self.fixture.proc.wait()
        return t

    def start_onair(self, source):
        argv = [self.onair, '--headless', '--source', source, '--port', '0', '--bind', '127.0.0.1',
                '--no-token', '--max-viewers', '0']
        server = bench.Child(f'onair-{len(os.listdir(self.logs))}', argv, self.logs, env=self.env)
        url = server.next_line(20)
        if not url or not url.startswith('http://'):
            raise bench.BenchError(f'onair printed {url!r}, not its URL')
        status = url + 'api/status'
        if not bench.wait_until(lambda: bench.http_json(status)['source']['state'] == 'live', 30):
            raise bench.BenchError(f'onair: {source} did not go live in 30 s')
        return server, url

    def stop(self, child, what):
        code, in_time = child.stop(10)
        if not in_time:
            log(f'FAILURE: {what} did not stop on SIGTERM')
            self.results.setdefault('failures', []).append(f'{what} did not stop on SIGTERM')

    # ---------------- outages

    @staticmethod
    def viewers():
        return [('mjpeg', 0), ('webrtc', 0), ('webrtc', 1)]

    def wait_all(self, logs, since, kind, timeout, hold=0.0):
        """Until every viewer has a `kind` picture after `since` (and has
        been showing it for `hold` s); returns False on timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            frames = [f for log_ in logs for f in log_.snapshot()]
            ok = True
            for (proto, v) in self.viewers():
                mine = [f for f in frames if f[0] == proto and f[1] == v and f[2] >= since]
                firsts = [f[2] for f in mine if f[3] == kind]
                if not firsts or (hold and (mine[-1][3] != kind or time.time() - firsts[0] < hold)):
                    ok = False
                    break
            if ok:
                return True
            time.sleep(0.1)
        return False

    def one_outage(self, logs, status, seconds):
        if not self.wait_all(logs, time.time() - SETTLE_S, 'camera', 30, hold=SETTLE_S):
            raise bench.BenchError('the viewers did not show the camera before the stop')
        t_stop = self.kill_fixture()
        log(f'  camera killed; back in {seconds} s')
        got_slate = self.wait_all(logs, t_stop, 'slate', SLATE_TIMEOUT_S)
        time.sleep(max(0.0, t_stop + seconds - time.time()))
        _, t_spawn, t_back = self.start_fixture(self.port)
        got_camera = self.wait_all(logs, t_back, 'camera', RETURN_TIMEOUT_S)
        time.sleep(1.0)
        frames = [f for log_ in logs for f in log_.snapshot()]
        r = {'outage_s': seconds, 't_stop': t_stop, 't_back': t_back,
             'fixture_start_ms': (t_back - t_spawn) * 1000, 'viewers': {}}
        for (proto, v) in self.viewers():
            mine = sorted(f[2:] for f in frames if f[0] == proto and f[1] == v)
            before = [t for (t, k) in mine if t < t_stop]
            slate = next((t for (t, k) in mine if t >= t_stop and k == 'slate'), None)
            camera = next((t for (t, k) in mine if t >= t_back and k == 'camera'), None)
            # What a person sees at each change: the picture standing still
            # (the last one before the change to the first one after it).
            last_slate = [t for (t, k) in mine if camera and t < camera and k == 'slate']
            during = [k for (t, k) in mine if t_stop <= t <= (camera or t_back + RETURN_TIMEOUT_S)]
            r['viewers'][f'{proto}-{v}'] = {
                'protocol': proto,
                'last_camera_before_stop_ms': (t_stop - before[-1]) * 1000 if before else None,
                'to_slate_ms': (slate - t_stop) * 1000 if slate else None,
                'to_camera_ms': (camera - t_back) * 1000 if camera else None,
                'still_at_stop_ms': (slate - before[-1]) * 1000 if slate and before else None,
                'still_at_return_ms': (camera - last_slate[-1]) * 1000 if camera and last_slate else None,
                'other_frames': during.count('other'),
                'camera_frames_during': sum(1 for (t, k) in mine if t_stop + 0.5 <= t < t_back and k == 'camera'),
            }
        live_lost = status.first_after(t_stop, lambda s: s != 'live')
        live_again = status.first_after(t_back, lambda s: s == 'live')
        r['server_not_live_ms'] = (live_lost - t_stop) * 1000 if live_lost else None
        r['server_live_ms'] = (live_again - t_back) * 1000 if live_again else None
        counts = status.viewers_between(t_stop, (live_again or time.time()) + 1)
        r['server_viewers_min'] = min(counts) if counts else None
        r['server_viewers_max'] = max(counts) if counts else None
        r['ok'] = got_slate and got_camera
        if not r['ok']:
            self.results.setdefault('failures', []).append(
                f'{seconds}-s outage: {"no slate" if not got_slate else "camera not back"} on every viewer')
        log('  ' + ', '.join(f'{k}: slate {bench.fnum(x["to_slate_ms"], 0)} ms, camera '
                              f'{bench.fnum(x["to_camera_ms"], 0)} ms' for k, x in r['viewers'].items()))
        return r

    def run_outages(self):
        url, _, _ = self.start_fixture()
        log('RTSP camera at', url)
        server, base = self.start_onair(url)
        status = StatusLog(base + 'api/status')
        clients = []
        try:
            m = bench.Child('mjpeg-classify', [self.mjpeg, base + 'stream.mjpg', 1, 100000, '--warmup', 0,
                                               '--decode-rate', 0, '--classify'], self.logs)
            w = bench.Child('whep-classify', [self.whep, base, 2, 100000, '--warmup', 0, '--classify'], self.logs)
            clients = [m, w]
            logs = [FrameLog(m), FrameLog(w)]
            for rnd in range(self.args.rounds):
                for seconds in OUTAGES:
                    log(f'round {rnd + 1}: {seconds}-s outage')
                    r = self.one_outage(logs, status, seconds)
                    r['round'] = rnd + 1
                    self.results['rounds'].append(r)
            # The viewers' own account: still connected, never reconnected.
            for c in clients:
                if not c.alive():
                    self.results.setdefault('failures', []).append(f'{c.name} exited (see {c.log_path})')
        finally:
            status.stop.set()
            for c in clients:
                c.kill()
            self.stop(server, 'onair (outages)')
        return self.fixture

    # ---------------- the slate's CPU

    def measure_idle(self, pid):
        meter = bench.CpuMeter(pid)
        time.sleep(self.args.window)
        r = meter.stop()
        r['rss_mb'] = bench.proc_rss_mb(pid)
        return r

    def measure_viewers(self, base, pid):
        """5 MJPEG + 5 WebRTC viewers (the cheap counting clients), one
        10-s window of the server's CPU once both are in theirs."""
        n = self.args.viewers
        win = self.args.window + 2
        m = bench.Child(f'mjpeg-{n}-{len(os.listdir(self.logs))}',
                        [self.mjpeg, base + 'stream.mjpg', n, win, '--warmup', 2, '--decode-rate', 0, '--hold'],
                        self.logs, stdin=True)
        w = bench.Child(f'whep-{n}-{len(os.listdir(self.logs))}',
                        [self.whep, base, n, win, '--warmup', 2, '--hold'], self.logs, stdin=True)
        try:
            for c in (m, w):
                c.next_event('window_start', 60)
            meter = bench.CpuMeter(pid)
            time.sleep(self.args.window)
            r = meter.stop()
            r['rss_mb'] = bench.proc_rss_mb(pid)
            for c, kind in ((m, 'mjpeg'), (w, 'webrtc')):
                res = c.next_event('result', 30)
                r[kind + '_fps_min'] = res.get('fps_min')
                r[kind + '_fps_median'] = res.get('fps_median')
                r[kind + '_client_cpu_percent'] = res.get('client_cpu_percent')
        finally:
            for c in (m, w):
                c.close_stdin()
            for c in (m, w):
                if c.wait(30) is None:
                    log(f'{c.name} did not leave')
        bench.wait_until(lambda: len(bench.http_json(base + 'api/status')['viewers']) == 0, 20)
        return r

    def run_slate_cpu(self):
        out = self.results['slate_cpu']
        url, _, _ = self.start_fixture()
        server, base = self.start_onair(url)
        try:
            self.kill_fixture()
            if not bench.wait_until(lambda: bench.http_json(base + 'api/status')['source']['state'] != 'live', 20):
                raise bench.BenchError('the camera was killed, the source stayed live')
            time.sleep(2.0)
            log('slate, nobody watching')
            out['slate_idle'] = self.measure_idle(server.pid)
            log(f'  CPU {bench.fnum(out["slate_idle"]["cpu_percent"])} %')
            log(f'slate, {self.args.viewers} MJPEG + {self.args.viewers} WebRTC viewers')
            out['slate_viewers'] = self.measure_viewers(base, server.pid)
            log(f'  CPU {bench.fnum(out["slate_viewers"]["cpu_percent"])} %')
            st = bench.http_json(base + 'api/status')['source']
            out['slate_state_after'] = st.get('state')
        finally:
            self.stop(server, 'onair (slate)')
        server, base = self.start_onair('test')
        try:
            time.sleep(1.0)
            log('test pattern, nobody watching')
            out['test_idle'] = self.measure_idle(server.pid)
            log(f'  CPU {bench.fnum(out["test_idle"]["cpu_percent"])} %')
            log(f'test pattern, {self.args.viewers} MJPEG + {self.args.viewers} WebRTC viewers')
            out['test_viewers'] = self.measure_viewers(base, server.pid)
            log(f'  CPU {bench.fnum(out["test_viewers"]["cpu_percent"])} %')
        finally:
            self.stop(server, 'onair (test)')

    # ---------------- report

    def markdown(self):
        r = self.results
        m = r['meta']
        out = [f'On Air outage bench, {m["date"]}: {m["cores"]} cores ({m["cpu"]}), commit {m["commit"]}, '
               f'{m["rounds"]} rounds; load average before: {m["loadavg_before"]}.', '']
        out.append('Per viewer (median of the rounds, and the range): from the camera killed to the first slate '
                   'picture, and from the camera listening again to its first picture on the same connection.')
        out.append('')
        out.append('| outage | viewer | to the slate, ms | camera back, ms | picture still at the stop / at the return, ms '
                   '| server not live after, ms | server live after return, ms |')
        out.append('| ---: | --- | ---: | ---: | ---: | ---: | ---: |')
        for seconds in OUTAGES:
            rounds = [x for x in r['rounds'] if x['outage_s'] == seconds]
            if not rounds:
                continue
            for key in rounds[0]['viewers']:
                def agg(field, rs=rounds, k=key):
                    vals = [x['viewers'][k][field] for x in rs if x['viewers'][k][field] is not None]
                    if not vals:
                        return '–'
                    return (f'{statistics.median(vals):.0f} ({min(vals):.0f}–{max(vals):.0f})'
                            if len(vals) > 1 else f'{vals[0]:.0f}')

                def srv(field, rs=rounds):
                    vals = [x[field] for x in rs if x[field] is not None]
                    return f'{statistics.median(vals):.0f}' if vals else '–'
                label = 'MJPEG' if key.startswith('mjpeg') else f'WebRTC {int(key[-1]) + 1}'
                out.append(f'| {seconds} s | {label} | {agg("to_slate_ms")} | {agg("to_camera_ms")} | '
                           f'{agg("still_at_stop_ms")} / {agg("still_at_return_ms")} | {srv("server_not_live_ms")} | {srv("server_live_ms")} |')
        if r['rounds']:
            others = sum(v['other_frames'] for x in r['rounds'] for v in x['viewers'].values())
            lows = [x['server_viewers_min'] for x in r['rounds'] if x['server_viewers_min'] is not None]
            highs = [x['server_viewers_max'] for x in r['rounds'] if x['server_viewers_max'] is not None]
            out.append('')
            out.append(f'Viewers the server listed from each stop until the camera was live again: '
                       f'{min(lows) if lows else "–"} to {max(highs) if highs else "–"} (3 connected). '
                       f'Pictures that were neither camera nor slate, all rounds, all viewers: {others}.')
        out.append('')
        s = r.get('slate_cpu') or {}
        if s:
            out.append(f'The slate\'s CPU, % of one core over {self.args.window:.0f} s (RSS MB), camera gone, '
                       f'against the live test pattern:')
            out.append('')
            out.append('| picture | nobody watching | ' + f'{self.args.viewers} MJPEG + {self.args.viewers} WebRTC '
                       'viewers | viewers\' fps MJPEG / WebRTC (slowest) |')
            out.append('| --- | ---: | ---: | ---: |')
            for key, label in (('slate', 'slate (5 fps)'), ('test', 'test pattern (30 fps)')):
                idle, vw = s.get(key + '_idle') or {}, s.get(key + '_viewers') or {}
                out.append(f'| {label} | {bench.fnum(idle.get("cpu_percent"))} ({bench.fnum(idle.get("rss_mb"))}) | '
                           f'{bench.fnum(vw.get("cpu_percent"))} ({bench.fnum(vw.get("rss_mb"))}) | '
                           f'{bench.fnum(vw.get("mjpeg_fps_min"))} / {bench.fnum(vw.get("webrtc_fps_min"))} |')
            out.append('')
        if r.get('failures'):
            out.append('Failures:')
            out.append('')
            out.extend(f'- {f}' for f in r['failures'])
        return '\n'.join(out) + '\n'

    def run(self):
        started = time.monotonic()
        self.resolve()
        commit = bench.subprocess.run(['git', '-C', bench.TOP, 'rev-parse', '--short', 'HEAD'],
                                      capture_output=True, text=True).stdout.strip()
        self.results['meta'] = {'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'cores': os.cpu_count(),
                                'cpu': bench._cpu_model(), 'commit': commit, 'rounds': self.args.rounds,
                                'loadavg_before': bench.loadavg()}
        try:
            if not self.args.no_outages:
                self.run_outages()
            if self.fixture:
                self.fixture.kill()
            if not self.args.no_slate_cpu:
                self.run_slate_cpu()
        finally:
            if self.fixture:
                self.fixture.kill()
        self.results['meta']['duration_s'] = round(time.monotonic() - started, 1)
        with open(os.path.join(self.out, 'outage.json'), 'w') as f:
            json.dump(self.results, f, indent=1)
        md = self.markdown()
        with open(os.path.join(self.out, 'outage.md'), 'w') as f:
            f.write(md)
        print(md, flush=True)
        log(f'{self.results["meta"]["duration_s"]:.0f} s')
        return 1 if self.results.get('failures') else 0


def main():
    p = argparse.ArgumentParser(description='On Air outages and the slate (see bench/README.md).')
    p.add_argument('--out', default=os.path.join(HERE, 'results'))
    p.add_argument('--build-dir')
    p.add_argument('--rounds', type=int, default=3, help='rounds of a 5-s and a 30-s outage')
    p.add_argument('--window', type=float, default=10.0, help='seconds of each CPU window')
    p.add_argument('--viewers', type=int, default=5, help='MJPEG and WebRTC viewers each, for the slate CPU')
    p.add_argument('--no-outages', action='store_true')
    p.add_argument('--no-slate-cpu', action='store_true')
    args = p.parse_args()
    try:
        return Outage(args).run()
    except bench.BenchError as e:
        log('FAILURE:', e)
        return 1


if __name__ == '__main__':
    sys.exit(main())
