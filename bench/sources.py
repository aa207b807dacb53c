#!/usr/bin/python3
"""On Air per source kind: time to the first frame, and the server's cost
with one MJPEG and one WebRTC viewer.

    bench/sources.py                 # 6 sources × 3 runs, then the fake camera alone: ~8 minutes
    bench/sources.py --runs 1 --sources test,rtsp-h264

Sources: On Air's test pattern; an RTSP camera (tests/onair-rtsp-fixture)
sending H.264 (the stamped picture of bench/run.py) or RTP/JPEG (a moving
ball, RTSP_FIXTURE_LAUNCH below); the test-only webcams of tests/fakecam
in their JPEG (uvc) and raw-only kinds, found through GST_PLUGIN_PATH and
a private GST_REGISTRY; and a PipeWire virtual camera published into a
private PipeWire + WirePlumber session by a separate gst-launch-1.0
(pipewiresink mode=provide), so that its CPU is not On Air's.

Each run: `onair --headless --source X` is started; as soon as it prints
its URL one MJPEG viewer (onair-bench-mjpeg) and one WebRTC viewer
(onair-bench-whep) connect. First frame = the viewer's first frame (wall
clock, from the client) − when onair was started. Then, once both viewers
are in their measuring window (after a 2-s warm-up), the server's CPU
(utime + stime from /proc) over 10 s and its RSS at the end. The camera's
own process (fixture, or PipeWire publisher + daemons) is measured beside.

Then the fake webcams alone in gst-launch-1.0 (no On Air): what their
picture and, in JPEG mode, their JPEG encoding cost, since that runs inside
On Air's process when On Air opens them.

Writes sources.json and sources.md to bench/results/ (or --out).

SPDX-License-Identifier: GPL-3.0-or-later
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (the benchmark's process and /proc helpers)

RTSP_MJPEG_LAUNCH = (
    '( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=1280,'
    'height=720,framerate=30/1 ! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )')

SOURCES = {
    'test': 'test pattern',
    'rtsp-h264': 'RTSP H.264 (fixture)',
    'rtsp-mjpeg': 'RTSP MJPEG (fixture)',
    'fake-jpeg': 'fake JPEG webcam (uvc)',
    'fake-raw': 'fake raw webcam',
    'pipewire': 'PipeWire virtual camera',
}

FAKECAM_COLOR = 0xff2060e0
PW_NODE = 'onair-bench.camera'
# A moving picture, like the test pattern and the RTSP H.264 camera.
PW_PUBLISH = ('videotestsrc is-live=true pattern=smpte horizontal-speed=4 '
              '! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 '
              f'! pipewiresink mode=provide client-name={PW_NODE} '
              f'stream-properties="props,media.class=(string)Video/Source,node.name=(string){PW_NODE},'
              'node.description=(string)Bench-Camera"')

# The same private session as tests/fixtures/pipewire-fixture.c: no D-Bus,
# no RT, no device monitors; WirePlumber only links streams.
PW_DAEMON_CONF = """context.properties = {
  core.daemon = true
  core.name = pipewire-0
  support.dbus = false
}
context.spa-libs = { support.* = support/libspa-support }
context.modules = [
  { name = libpipewire-module-protocol-native }
  { name = libpipewire-module-metadata }
  { name = libpipewire-module-spa-node-factory }
  { name = libpipewire-module-client-node }
  { name = libpipewire-module-client-device }
  { name = libpipewire-module-access }
  { name = libpipewire-module-adapter }
  { name = libpipewire-module-link-factory }
  { name = libpipewire-module-session-manager }
]
context.objects = [
  { factory = spa-node-factory
    args = { factory.name = support.node.driver node.name = Dummy-Driver priority.driver = 20000 } }
]
"""
WP_MAIN_CONF = ('default_access.properties["enable-flatpak-portal"] = false\n'
                'load_module("metadata")\ndefault_access.enable()\n')


def log(*args):
    print('[sources]', *args, file=sys.stderr, flush=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


class PipeWire:
    """A private PipeWire + WirePlumber with one virtual camera, published
    by a gst-launch-1.0 of its own."""

    def __init__(self, logs):
        self.dir = tempfile.mkdtemp(prefix='onair-bench-pw-', dir='/tmp')
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ('PIPEWIRE_REMOTE', 'DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SYSTEM_BUS_ADDRESS')}
        self.env.update(XDG_RUNTIME_DIR=self.dir, PIPEWIRE_RUNTIME_DIR=self.dir,
                        XDG_CONFIG_HOME=os.path.join(self.dir, 'config'),
                        XDG_STATE_HOME=os.path.join(self.dir, 'state'),
                        XDG_DATA_HOME=os.path.join(self.dir, 'data'),
                        DBUS_SESSION_BUS_ADDRESS=f'unix:path={self.dir}/no-bus')
        write(os.path.join(self.dir, 'pipewire.conf'), PW_DAEMON_CONF)
        write(os.path.join(self.dir, 'config/wireplumber/main.lua.d/90-enable-all.lua'), WP_MAIN_CONF)
        write(os.path.join(self.dir, 'config/wireplumber/bluetooth.lua.d/90-enable-all.lua'), '-- none\n')
        self.daemon = bench.Child('pipewire', ['pipewire', '-c', os.path.join(self.dir, 'pipewire.conf')], logs,
                                  env=self.env)
        if not bench.wait_until(lambda: os.path.exists(os.path.join(self.dir, 'pipewire-0')), 5, 0.02):
            raise bench.BenchError('the PipeWire daemon did not start')
        self.session = bench.Child('wireplumber', ['wireplumber'], logs, env=self.env)

        def ready():
            out = subprocess.run(['pw-cli', 'ls', 'Metadata'], env=self.env, capture_output=True, text=True).stdout
            return 'metadata.name = "default"' in out
        if not bench.wait_until(ready, 10, 0.05):
            raise bench.BenchError('WirePlumber did not start')
        self.camera = bench.Child('pw-camera', ['gst-launch-1.0', '-q'] + _split(PW_PUBLISH), logs, env=self.env)

        def published():
            out = subprocess.run(['pw-cli', 'ls', 'Node'], env=self.env, capture_output=True, text=True).stdout
            return PW_NODE in out
        if not bench.wait_until(published, 10, 0.05):
            raise bench.BenchError('the PipeWire camera was not published')

    def pids(self):
        return [self.camera.pid, self.daemon.pid, self.session.pid]

    def close(self):
        for c in (self.camera, self.session, self.daemon):
            c.stop(5)
        shutil.rmtree(self.dir, ignore_errors=True)


def _split(launch):
    return shlex.split(launch)


class Sources:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.logs = os.path.join(self.out, 'sources-logs')
        os.makedirs(self.logs, exist_ok=True)
        for name in os.listdir(self.logs):
            os.unlink(os.path.join(self.logs, name))
        self.results = {'meta': {}, 'sources': {}, 'fakecam_alone': {}}
        self.failures = []
        self.last_exit = None

    def resolve(self):
        build = os.path.abspath(self.args.build_dir or os.path.join(bench.TOP, '_build'))
        if not os.path.exists(os.path.join(build, 'build.ninja')):
            subprocess.run(['meson', 'setup', build, bench.TOP, '-Dbuildtype=debugoptimized'], check=True,
                           stdout=subprocess.DEVNULL)
        subprocess.run(['ninja', '-C', build], check=True, stdout=subprocess.DEVNULL)
        self.onair = os.path.abspath(self.args.onair or os.path.join(build, 'src', 'onair'))
        self.fixture_exe = os.path.join(build, 'tests', 'onair-rtsp-fixture')
        self.mjpeg = os.path.join(build, 'bench', 'onair-bench-mjpeg')
        self.whep = os.path.join(build, 'bench', 'onair-bench-whep')
        self.fakecam_dir = tempfile.mkdtemp(prefix='onair-bench-fakecam-')
        # Every source runs with the same plugins: the system's and the
        # test-only webcams, in a private registry built once, here.
        self.env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(build, 'tests'),
                        GST_REGISTRY=os.path.join(self.out, 'gst-registry.bin'),
                        PIPEWIRE_RUNTIME_DIR=os.path.join(self.out, 'no-pipewire'))
        self.env.pop('PIPEWIRE_REMOTE', None)
        subprocess.run(['gst-inspect-1.0', 'onairfakecamsrc'], env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.env['GST_REGISTRY_UPDATE'] = 'no'

    # ---------------- a source, ready to be opened

    def prepare(self, key):
        """(source for --source, extra environment, camera pids, cleanup)."""
        if key == 'test':
            return 'test', {}, [], lambda: None
        if key.startswith('rtsp'):
            env = dict(self.env, RTSP_FIXTURE_LAUNCH=bench.FIXTURE_LAUNCH if key == 'rtsp-h264' else RTSP_MJPEG_LAUNCH)
            fixture = bench.Child(f'fixture-{key}', [self.fixture_exe], self.logs, env=env)
            url = fixture.next_line(15)
            if not url or not url.startswith('rtsp://'):
                raise bench.BenchError(f'the RTSP fixture printed {url!r}')
            return url, {}, [fixture.pid], lambda: fixture.stop(5)
        if key.startswith('fake'):
            kind = 'uvc' if key == 'fake-jpeg' else 'raw'
            path = '/dev/video' + ('190' if kind == 'uvc' else '191')
            cam = os.path.join(self.fakecam_dir, key + '.cam')
            write(cam, f'[camera]\nname=Bench {kind} camera\nkind={kind}\ncolor=0x{FAKECAM_COLOR:08x}\npath={path}\n')
            return 'v4l2://' + path, {'ONAIR_FAKECAM_DIR': self.fakecam_dir}, [], lambda: os.unlink(cam)
        if key == 'pipewire':
            pw = PipeWire(self.logs)
            return f'pipewire://{PW_NODE}', {'PIPEWIRE_RUNTIME_DIR': pw.dir}, pw.pids(), pw.close
        raise ValueError(key)

    # ---------------- one run

    def one_run(self, key, source, extra_env, camera_pids):
        env = dict(self.env, **extra_env)
        argv = [self.onair, '--headless', '--source', source, '--port', '0', '--bind', '127.0.0.1',
                '--no-token', '--max-viewers', '0']
        name = f'onair-{key}-{len(os.listdir(self.logs))}'
        t0 = time.time()
        server = bench.Child(name, argv, self.logs, env=env)
        clients = []
        r = {}
        try:
            url = server.next_line(20)
            t_url = time.time()
            if not url or not url.startswith('http://'):
                raise bench.BenchError(f'onair printed {url!r}, not its URL')
            win = self.args.window + 2
            m = bench.Child(name + '-mjpeg', [self.mjpeg, url + 'stream.mjpg', 1, win, '--warmup', 2,
                                              '--decode-rate', 0, '--hold'], self.logs, stdin=True)
            w = bench.Child(name + '-whep', [self.whep, url, 1, win, '--warmup', 2, '--hold',
                                             '--connect-timeout', 30], self.logs, stdin=True)
            clients = [m, w]
            live = [None]

            def poll_live():
                deadline = time.time() + 30
                while time.time() < deadline and live[0] is None:
                    try:
                        if bench.http_json(url + 'api/status', 2)['source']['state'] == 'live':
                            live[0] = time.time()
                    except (OSError, ValueError, KeyError):
                        pass
                    time.sleep(0.02)
            poller = threading.Thread(target=poll_live, daemon=True)
            poller.start()
            cm = m.next_event('connected', 40)
            cw = w.next_event('connected', 60)
            r['url_ms'] = (t_url - t0) * 1000
            r['mjpeg_first_frame_ms'] = cm['slowest_first_frame_unix_ms'] - t0 * 1000 if cm['receiving'] else None
            r['webrtc_first_frame_ms'] = cw['slowest_first_frame_unix_ms'] - t0 * 1000 if cw['receiving'] else None
            for c in clients:
                c.next_event('window_start', 30)
            poller.join(1)
            r['live_ms'] = (live[0] - t0) * 1000 if live[0] else None
            meter = bench.CpuMeter(server.pid)
            cams = [bench.CpuMeter(p) for p in camera_pids]
            time.sleep(self.args.window)
            r.update(meter.stop())
            r['camera_cpu_percent'] = sum(c.stop()['cpu_percent'] for c in cams) if cams else None
            r['rss_mb'] = bench.proc_rss_mb(server.pid)
            r['anon_mb'] = bench.proc_anon_mb(server.pid)
            st = bench.http_json(url + 'api/status')['source']
            r['resolution'] = st.get('resolution')
            r['source_fps'] = st.get('fps')
            r['passthrough'] = st.get('h264_passthrough')
            r['video_encoders'] = st.get('video_encoders')
            for c, kind in ((m, 'mjpeg'), (w, 'webrtc')):
                res = c.next_event('result', 30)
                r[kind + '_fps'] = res.get('fps_min')
                r[kind + '_client_cpu_percent'] = res.get('client_cpu_percent')
                if not res.get('fps_min'):
                    self.failures.append(f'{key}: the {kind} viewer got no frame in the window')
        finally:
            for c in clients:
                c.close_stdin()
            for c in clients:
                if c.wait(20) is None:
                    self.failures.append(f'{c.name} did not leave')
            code, in_time = server.stop(10)
            self.last_exit = code
            if code is not None and code < 0 and code != -15:
                log(f'  onair died of signal {-code} (see {server.log_path})')
            if not in_time or code != 0:
                self.failures.append(f'{name}: exit status {code}{"" if in_time else ", killed"}')
        log(f'  {key}: URL {bench.fnum(r.get("url_ms"), 0)} ms, live {bench.fnum(r.get("live_ms"), 0)} ms, '
            f'first frame MJPEG {bench.fnum(r.get("mjpeg_first_frame_ms"), 0)} / WebRTC '
            f'{bench.fnum(r.get("webrtc_first_frame_ms"), 0)} ms; CPU {bench.fnum(r.get("cpu_percent"))} %, '
            f'RSS {bench.fnum(r.get("rss_mb"))} MB, machine {bench.fnum(r.get("machine_busy_percent"), 0)} %')
        return r

    # ---------------- the fake webcams alone

    def alone(self, name, launch):
        """CPU of one gst-launch-1.0 pipeline over the window, % of a core."""
        c = bench.Child('alone-' + name, ['gst-launch-1.0', '-q'] + _split(launch), self.logs,
                        env=dict(self.env, ONAIR_FAKECAM_DIR=self.fakecam_dir))
        try:
            time.sleep(2)
            if not c.alive():
                raise bench.BenchError(f'{name}: gst-launch-1.0 exited (see {c.log_path})')
            meter = bench.CpuMeter(c.pid)
            time.sleep(self.args.window)
            r = meter.stop()
        finally:
            c.stop(5)
        log(f'  alone, {name}: {bench.fnum(r["cpu_percent"])} %')
        return r

    def fakecam_alone(self):
        color = f'0x{FAKECAM_COLOR:08x}'
        out = self.results['fakecam_alone']
        out['fake-jpeg'] = self.alone('fake-jpeg', f'onairfakecamsrc kind=uvc color={color} '
                                      '! image/jpeg,width=1280,height=720,framerate=30/1 ! fakesink')
        out['fill-i420'] = self.alone('fill-i420', f'videotestsrc is-live=true pattern=solid-color '
                                      f'foreground-color={color} '
                                      '! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! fakesink')
        out['fake-raw'] = self.alone('fake-raw', f'onairfakecamsrc kind=raw color={color} '
                                     '! video/x-raw,format=YUY2,width=640,height=480,framerate=30/1 ! fakesink')
        out['jpegenc-moving'] = self.alone('jpegenc-moving', 'videotestsrc is-live=true pattern=smpte '
                                           'horizontal-speed=4 ! video/x-raw,format=I420,width=1280,height=720,'
                                           'framerate=30/1 ! jpegenc ! fakesink')

    # ---------------- report

    def markdown(self):
        r = self.results
        m = r['meta']
        out = [f'On Air per source, {m["date"]}: {m["cores"]} cores ({m["cpu"]}), commit {m["commit"]}, '
               f'onair {m["onair"]}, '
               f'{m["runs"]} runs per source, medians (range); {self.args.window:.0f}-s windows; '
               f'load average before: {m["loadavg_before"]}.', '']
        out.append('| source | mode On Air used | onair started → source live, ms | → first MJPEG frame, ms | '
                   '→ first WebRTC frame, ms | server CPU % (1 MJPEG + 1 WebRTC) | RSS MB | '
                   'camera process CPU % | machine busy % of 200 |')
        out.append('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
        for key, all_runs in r['sources'].items():
            runs = [x for x in all_runs if x and 'error' not in x]
            crashed = [x for x in all_runs if x and 'error' in x]
            label = SOURCES[key]
            if crashed:
                codes = sorted({x.get('exit_status') for x in crashed}, key=str)
                label += (f' ({len(crashed)} of {len(all_runs)} runs failed: onair exit status '
                          f'{", ".join(str(c) for c in codes)})')
            if not runs:
                out.append(f'| {label} | failed | | | | | | | |')
                continue

            def med(field, digits=0, rs=runs):
                vals = [x.get(field) for x in rs if x.get(field) is not None]
                if not vals:
                    return '–'
                s = f'{statistics.median(vals):.{digits}f}'
                if len(vals) > 1:
                    s += f' ({min(vals):.{digits}f}–{max(vals):.{digits}f})'
                return s
            res = runs[-1].get('resolution') or {}
            mode = f'{res.get("width")}×{res.get("height")} @ {bench.fnum(runs[-1].get("source_fps"), 0)}'
            if runs[-1].get('passthrough'):
                mode += ', H.264 passed through'
            out.append(f'| {label} | {mode} | {med("live_ms")} | {med("mjpeg_first_frame_ms")} | '
                       f'{med("webrtc_first_frame_ms")} | {med("cpu_percent", 1)} | {med("rss_mb", 1)} | '
                       f'{med("camera_cpu_percent", 1)} | {med("machine_busy_percent")} |')
        out.append('')
        a = r.get('fakecam_alone') or {}
        if a:
            out.append('Alone in gst-launch-1.0 (no On Air), % of one core over the window:')
            out.append('')
            out.append('| pipeline | CPU % |')
            out.append('| --- | ---: |')
            labels = {
                'fake-jpeg': 'fake JPEG webcam, 1280×720@30 JPEG (solid-colour fill + jpegenc)',
                'fill-i420': 'the same fill alone (videotestsrc solid-color, I420 1280×720@30)',
                'fake-raw': 'fake raw webcam, YUY2 640×480@30 (fill only)',
                'jpegenc-moving': 'for scale: jpegenc of a moving test pattern, 1280×720@30',
            }
            for k, v in a.items():
                out.append(f'| {labels.get(k, k)} | {bench.fnum(v.get("cpu_percent"))} |')
            out.append('')
        if self.failures:
            out.append('Failures:')
            out.append('')
            out.extend(f'- {f}' for f in self.failures)
        return '\n'.join(out) + '\n'

    def run_source(self, key):
        """The runs of one source. A PipeWire session is started afresh for
        each run: after On Air crashed on it (see bench/README.md) its
        provider sends nothing more. Crashed runs are retried, up to three
        times the runs asked for."""
        runs = []
        per_run = key == 'pipewire'
        prepared = None
        try:
            for _ in range(self.args.runs * 3):
                if sum(1 for r in runs if 'error' not in r) >= self.args.runs:
                    break
                if prepared is None:
                    prepared = self.prepare(key)
                source, extra, pids, cleanup = prepared
                try:
                    runs.append(self.one_run(key, source, extra, pids))
                except (bench.BenchError, OSError, ValueError, KeyError) as e:
                    self.failures.append(f'{key}: {e}')
                    runs.append({'error': str(e), 'exit_status': self.last_exit})
                if per_run:
                    prepared = None
                    cleanup()
                if runs[-1].get('exit_status') not in (None, 0) and not per_run:
                    break
        except bench.BenchError as e:
            self.failures.append(f'{key}: {e}')
        finally:
            if prepared is not None:
                prepared[3]()
        return runs

    def run(self):
        started = time.monotonic()
        self.resolve()
        commit = subprocess.run(['git', '-C', bench.TOP, 'rev-parse', '--short', 'HEAD'],
                                capture_output=True, text=True).stdout.strip()
        self.results['meta'] = {'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'cores': os.cpu_count(),
                                'cpu': bench._cpu_model(), 'commit': commit, 'runs': self.args.runs, 'onair': self.onair,
                                'loadavg_before': bench.loadavg()}
        try:
            for key in self.args.sources:
                log(SOURCES[key])
                self.results['sources'][key] = self.run_source(key)
            if not self.args.no_alone:
                try:
                    self.fakecam_alone()
                except bench.BenchError as e:
                    self.failures.append(str(e))
        finally:
            shutil.rmtree(self.fakecam_dir, ignore_errors=True)
        self.results['meta']['duration_s'] = round(time.monotonic() - started, 1)
        self.results['meta']['loadavg_after'] = bench.loadavg()
        self.results['failures'] = self.failures
        with open(os.path.join(self.out, 'sources.json'), 'w') as f:
            json.dump(self.results, f, indent=1)
        md = self.markdown()
        with open(os.path.join(self.out, 'sources.md'), 'w') as f:
            f.write(md)
        print(md, flush=True)
        log(f'{self.results["meta"]["duration_s"]:.0f} s')
        return 1 if self.failures else 0


def main():
    p = argparse.ArgumentParser(description='On Air per source kind (see bench/README.md).')
    p.add_argument('--out', default=os.path.join(HERE, 'results'))
    p.add_argument('--build-dir')
    p.add_argument('--onair', help='the onair program (default: the build directory\'s)')
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--window', type=float, default=10.0)
    p.add_argument('--sources', default=','.join(SOURCES), help='comma-separated: ' + ', '.join(SOURCES))
    p.add_argument('--no-alone', action='store_true', help='skip the fake webcams alone')
    args = p.parse_args()
    args.sources = [s for s in args.sources.split(',') if s]
    if any(s not in SOURCES for s in args.sources):
        p.error('--sources takes ' + ', '.join(SOURCES))
    try:
        return Sources(args).run()
    except bench.BenchError as e:
        log('FAILURE:', e)
        return 1


if __name__ == '__main__':
    sys.exit(main())
