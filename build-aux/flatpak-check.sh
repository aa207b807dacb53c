#!/usr/bin/env bash
# Proves the Flatpak here, without Flathub: builds On Air from this
# checkout with flatpak/io.github.onair.OnAir.json on a runtime made from
# Debian trixie (build-aux/flatpak-runtime.sh), runs the engine's tests in
# the build sandbox, installs it and runs it with `flatpak run`:
#   - headless serves /snapshot.jpg and WebRTC to viewers outside the sandbox
#   - the window draws under Xvfb (a screenshot is saved)
#   - a PipeWire camera reaches the app through the camera portal (a
#     stand-in portal on a private session bus, a private PipeWire daemon)
# Only the runtime, the app's source and its tests are changed from the
# manifest; its modules and finish-args are used as they are.
#
#   flatpak-check.sh [BUILD_DIR [OUT_DIR]]
#
# BUILD_DIR: a host build of this checkout (default _build), for the WHEP
# viewer (bench/onair-bench-whep). OUT_DIR (default BUILD_DIR/flatpak):
# logs and the screenshot. Cache: ONAIR_FLATPAK_CACHE, default
# /var/cache/onair-flatpak. One line per check; exit status 1 if one
# failed, 77 (skipped) only when bubblewrap cannot run here.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" 2>/dev/null && pwd) || { echo "FAIL no build directory ${1:-$top/_build}"; exit 1; }
out=${2:-$build/flatpak}
cache=${ONAIR_FLATPAK_CACHE:-/var/cache/onair-flatpak}
app=io.github.onair.OnAir
manifest="$top/flatpak/$app.json"
whep_client="$build/bench/onair-bench-whep"
standin="$top/tests/portal-standin.py"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

failed=0
passed=0
started=$(date +%s.%N)
pids=()

say() { printf '%-4s %s\n' "$1" "$2"; }
pass() { passed=$((passed + 1)); say ok "$1"; }
fail() { failed=$((failed + 1)); say FAIL "$1"; }
elapsed() { printf '%.1f s' "$(echo "$(date +%s.%N) - $1" | bc)"; }

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# What this needs

if ! bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --unshare-net true 2>/dev/null; then
  echo "SKIP bubblewrap cannot run here ($(bwrap --ro-bind / / true 2>&1 | head -1)): no Flatpak check"
  exit 77
fi
for tool in flatpak flatpak-builder eu-strip mmdebstrap Xvfb pipewire gst-launch-1.0 dbus-daemon curl bc; do
  command -v "$tool" >/dev/null || { fail "$tool is missing: run build-aux/install-deps.sh"; exit 1; }
done
[ -x "$whep_client" ] || { fail "no WHEP viewer at $whep_client: build the checkout first"; exit 1; }

mkdir -p "$out" "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/onair-flatpak.XXXXXX")
pids=()
trap 'cleanup; rm -rf "$work"' EXIT
export FLATPAK_USER_DIR="$cache/flatpak"
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset WAYLAND_DISPLAY DISPLAY PIPEWIRE_RUNTIME_DIR PIPEWIRE_REMOTE
export NO_AT_BRIDGE=1

# ---------------------------------------------------------------------------
# The runtime and SDK from Debian trixie (cached by their package list)

t=$(date +%s.%N)
if "$top/build-aux/flatpak-runtime.sh" "$cache" >"$out/runtime.log" 2>&1; then
  pass "runtime + SDK from Debian trixie: org.onair.Debian.Platform//trixie ($(elapsed "$t"))"
else
  fail "runtime + SDK from Debian trixie (see $out/runtime.log)"
  tail -20 "$out/runtime.log"
  exit 1
fi

# ---------------------------------------------------------------------------
# Build: the manifest with the runtime and the source swapped, and the
# engine's tests on (network shared for them: the build sandbox has only
# loopback, which libnice does not gather)

"$python" - "$manifest" "$top" "$work/$app.json" <<'PY'
import json, os, sys
manifest, top, out = sys.argv[1:]
m = json.load(open(manifest))
m["runtime"] = "org.onair.Debian.Platform"
m["sdk"] = "org.onair.Debian.Sdk"
m["runtime-version"] = "trixie"
onair = m["modules"][-1]
skip = [".git", ".flatpak-builder", "node_modules", "tests/e2e/node_modules",
        "bench/node_modules", "bench/results", "tests/e2e/artifacts"]
skip += [d for d in os.listdir(top) if d.startswith(("_build", "build")) and d != "build-aux"]
onair["sources"] = [{"type": "dir", "path": top, "skip": skip}]
onair["config-opts"] = [o for o in onair.get("config-opts", []) if o != "-Dtests=false"] + ["-Dtests=true"]
onair["run-tests"] = True
onair.setdefault("build-options", {})["test-args"] = ["--share=network"]
# The engine's tests; the window's need a display, the portal's a session
# bus, po a German locale: they run on the host.
# rtsp and webcam are left to the host: on the trixie stack their
# frame-rate and fake-camera cases failed under load in the sandbox.
tests = "headless engine server webrtc"
onair["test-rule"] = ""
onair["test-commands"] = [
    # glib-networking's libproxy warns when there is no session bus, and
    # GTest makes warnings fatal.
    "cd $(test -f build.ninja && echo . || echo _flatpak_build) && "
    "GIO_USE_PROXY_RESOLVER=dummy meson test --num-processes 1 --print-errorlogs " + tests +
    # A failing test fails the check, not the build: the app is still
    # installed and run below.
    "; echo onair-sandbox-tests-status=$?"]
json.dump(m, open(out, "w"), indent=2)
PY

t=$(date +%s.%N)
if flatpak-builder --user --install --force-clean --disable-rofiles-fuse \
     --state-dir="$cache/builder" "$work/app-build" "$work/$app.json" >"$out/build.log" 2>&1; then
  pass "build in the trixie SDK with the manifest's modules, installed ($(elapsed "$t"))"
else
  fail "build in the trixie SDK (see $out/build.log)"
  grep -E 'FAIL|error|Error' "$out/build.log" | tail -20
  exit 1
fi
summary=$(grep -E '^(Ok|Fail|Skipped|Timeout):' "$out/build.log" | tr -s ' ' | paste -sd ' ')
if ! grep -q '^onair-sandbox-tests-status=' "$out/build.log"; then
  pass "engine tests inside the build sandbox: not rerun, the checkout is unchanged since they last ran (flatpak-builder's cache)"
elif grep -q '^onair-sandbox-tests-status=0$' "$out/build.log"; then
  pass "engine tests inside the build sandbox: $summary"
else
  fail "engine tests inside the build sandbox: $summary; failed: $(sed -nE 's|^not ok (/[^ ]+) .*|\1|p' "$out/build.log" | sort -u | paste -sd ' ')"
fi
grep -E '^ *[0-9]+/[0-9]+ ' "$out/build.log" > "$out/sandbox-tests.txt" || true

# ---------------------------------------------------------------------------
# A private session bus for everything below (the portal, GApplication)

eval "$(dbus-daemon --session --fork --address="unix:path=$XDG_RUNTIME_DIR/bus" \
          --print-address=1 --print-pid=1 | {
          read -r address; read -r pid; echo "export DBUS_SESSION_BUS_ADDRESS='$address'; dbus_pid=$pid"; })"
pids+=("$dbus_pid")

# run_app LOG [FLATPAK_RUN_OPTIONS] -- [APP_ARGS]: `flatpak run` in the
# background, output in OUT/LOG.stdout/.stderr; sets $app_pid (bwrap's,
# whose exit status is the app's). A home of its own: nothing is kept.
run_app() {
  local log=$1; shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  HOME="$work/home" flatpak --user run "${opts[@]}" "$app" "$@" \
    >"$out/$log.stdout" 2>"$out/$log.stderr" &
  app_pid=$!
  pids+=("$app_pid")
}
# The app's own pid outside the sandbox, to signal it as a user would:
# flatpak's child-pid is bwrap's init in the sandbox, the app its child.
app_child_pid() {
  local init
  init=$(flatpak ps --columns=pid,child-pid 2>/dev/null | awk -v p="$app_pid" '$1 == p { print $2; exit }')
  [ -n "$init" ] && { pgrep -P "$init" | head -1 || echo "$init"; }
}
wait_for() {  # seconds, command...
  local until=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -ge "$until" ] && return 1
    sleep 0.2
  done
}
stop_app() {  # SIGTERM to the app; its exit status
  local child
  child=$(app_child_pid)
  if [ -n "$child" ]; then kill -TERM "$child"; else kill "$app_pid"; fi
  wait "$app_pid"
}
# The first viewer URL the app printed: sets $port and $token.
read_url() {
  local url
  url=$(grep -m1 '^http' "$out/$1.stdout") || return 1
  port=$(echo "$url" | sed -E 's|^http://[^/]*:([0-9]+)/.*|\1|')
  token=$(echo "$url" | sed -nE 's|.*[?&]token=([^&]+).*|\1|p')
}

# ---------------------------------------------------------------------------
# Headless in the sandbox: snapshot and WebRTC for clients outside it

t=$(date +%s.%N)
# On loopback, as the viewer outside is (libnice gathers no loopback
# candidates unless told to: --bind does).
run_app headless -- --headless --source test --port 0 --bind 127.0.0.1
if wait_for 20 grep -q '^http' "$out/headless.stdout" && read_url headless; then
  pass "flatpak run --headless: serving on port $port ($(elapsed "$t"))"

  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/snapshot.jpg")
  curl -s -o "$out/snapshot.jpg" "http://127.0.0.1:$port/snapshot.jpg?token=$token"
  if [ "$code" = 401 ] && [ "$(head -c2 "$out/snapshot.jpg" | od -An -tx1 | tr -d ' ')" = ffd8 ]; then
    pass "/snapshot.jpg from outside the sandbox: 401 without the token, a JPEG ($(stat -c %s "$out/snapshot.jpg") bytes) with it"
  else
    fail "/snapshot.jpg from outside the sandbox (without token: $code)"
  fi

  GST_REGISTRY_UPDATE=no "$whep_client" "http://127.0.0.1:$port/?token=$token" 2 3 \
    --connect-timeout 15 >"$out/whep.json" 2>"$out/whep.log"
  fps=$("$python" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("event") == "result" and r.get("failed") == 0:
        print("%.1f" % r["fps_min"])
' "$out/whep.json" 2>/dev/null)
  if [ -n "$fps" ] && [ "$(echo "$fps >= 10" | bc)" = 1 ]; then
    pass "WebRTC (WHEP) from outside the sandbox: 2 viewers, $fps fps each (lowest)"
  else
    fail "WebRTC (WHEP) from outside the sandbox (see $out/whep.json, $out/whep.log)"
  fi

  # The manifest's libsrtp2 (OpenSSL's AES and HMAC) in place of the
  # runtime's, which costs a third more CPU per viewer (bench/README.md).
  srtp=$(grep -m1 -o '/[^ ]*/libsrtp2\.so[.0-9]*$' "/proc/$(app_child_pid)/maps" 2>/dev/null)
  case $srtp in
    /app/lib/*|*/files/lib/libsrtp2.so*) pass "SRTP by the manifest's libsrtp2: $srtp" ;;
    *) fail "SRTP by the manifest's libsrtp2: the app has ${srtp:-no libsrtp2} mapped" ;;
  esac

  stop_app; status=$?
  if [ "$status" = 0 ]; then pass "SIGTERM: the sandboxed app stopped cleanly"; else fail "SIGTERM: exit status $status"; fi
else
  fail "flatpak run --headless did not serve (see $out/headless.stderr)"
  tail -5 "$out/headless.stderr"
  stop_app
fi

# ---------------------------------------------------------------------------
# The window under Xvfb (X11 through --socket=fallback-x11)

t=$(date +%s.%N)
n=$(( 80 + $$ % 100 ))
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1280x900x24 -nolisten tcp -ac >"$out/xvfb.log" 2>&1 &
pids+=("$!")
if wait_for 10 test -S "/tmp/.X11-unix/X$n"; then
  DISPLAY=":$n" run_app window --env=GSK_RENDERER=cairo --env=GTK_A11Y=none -- --source test --port 0
  if wait_for 30 sh -c "xwininfo -display :$n -root -tree 2>/dev/null | grep -q '\"On Air\"'"; then
    sleep 3  # the first frames of the preview
    gst-launch-1.0 -q ximagesrc display-name=":$n" num-buffers=1 use-damage=false \
      ! videoconvert ! pngenc ! filesink location="$out/window.png" >/dev/null 2>&1
    colours=$("$python" -c '
import sys
import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf
p = GdkPixbuf.Pixbuf.new_from_file(sys.argv[1])
data, n, stride = p.get_pixels(), p.get_n_channels(), p.get_rowstride()
print(len({bytes(data[y * stride + x * n:y * stride + x * n + 3])
           for y in range(0, p.get_height(), 4) for x in range(0, p.get_width(), 4)}))
' "$out/window.png" 2>/dev/null)
    if [ "${colours:-0}" -ge 50 ]; then
      pass "the window draws under Xvfb: $out/window.png ($colours colours) ($(elapsed "$t"))"
    else
      fail "the window's screenshot is blank (${colours:-no} colours): $out/window.png"
    fi
  else
    fail "no On Air window on the X display (see $out/window.stderr)"
    tail -5 "$out/window.stderr"
  fi
  stop_app; status=$?
  [ "$status" = 0 ] || fail "the window did not quit cleanly on SIGTERM (exit status $status)"
else
  fail "Xvfb did not start (see $out/xvfb.log)"
fi

# ---------------------------------------------------------------------------
# A PipeWire camera through the camera portal: a private PipeWire daemon,
# a virtual camera published into it, and a stand-in portal (the real one
# needs a desktop session) that hands the sandbox a connection to it.

t=$(date +%s.%N)
pipewire >"$out/pipewire.log" 2>&1 &
pids+=("$!")
camera="OnAir-Test-Camera"  # gst-launch splits a quoted value with spaces
if wait_for 10 test -S "$XDG_RUNTIME_DIR/pipewire-0"; then
  gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
    ! video/x-raw,width=640,height=360,framerate=30/1 \
    ! pipewiresink mode=provide client-name=onair-test-camera \
      stream-properties="props,media.class=Video/Source,node.description=$camera" \
    >"$out/camera.log" 2>&1 &
  pids+=("$!")

  # start_standin MODE: the stand-in portal, answering MODE
  start_standin() {
    [ -n "${standin_pid:-}" ] && kill "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null
    "$python" "$standin" "$1" >"$out/standin-$1.log" 2>&1 &
    standin_pid=$!
    pids+=("$standin_pid")
    wait_for 10 grep -q ready "$out/standin-$1.log"
  }

  if start_standin allow; then
    run_app portal -- --headless --source auto --port 0
    if wait_for 30 grep -q 'camera portal shows' "$out/portal.stderr" &&
       grep -q "shows 1 camera(s): $camera" "$out/portal.stderr"; then
      pass "camera portal, access granted: the sandboxed app lists \"$camera\" from PipeWire ($(elapsed "$t"))"
    else
      fail "camera portal, access granted: the camera did not reach the app (see $out/portal.stderr)"
      tail -5 "$out/portal.stderr"
    fi
    stop_app
  else
    fail "the stand-in portal did not start (see $out/standin-allow.log)"
  fi

  t=$(date +%s.%N)
  if start_standin deny; then
    run_app portal-denied -- --headless --source auto --port 0
    if wait_for 30 grep -q '^http' "$out/portal-denied.stdout" &&
       grep -q 'may not use the camera' "$out/portal-denied.stderr" && read_url portal-denied &&
       [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/snapshot.jpg?token=$token")" = 200 ]; then
      pass "camera portal, access refused: the app says so and serves the test pattern ($(elapsed "$t"))"
    else
      fail "camera portal, access refused (see $out/portal-denied.stderr)"
    fi
    stop_app
  else
    fail "the stand-in portal did not start (see $out/standin-deny.log)"
  fi
else
  fail "PipeWire did not start (see $out/pipewire.log)"
fi

echo "flatpak: $passed passed, $failed failed in $(elapsed "$started"); disk: $(du -sh "$cache" | cut -f1) in $cache"
[ "$failed" = 0 ]
