#!/usr/bin/env bash
# Installs what On Air needs to build, run, test and benchmark on Debian 12.
# Idempotent: does nothing when every package is already there.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libglib2.0-bin
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libsoup-3.0-dev libjson-glib-dev libqrencode-dev libgtk-4-dev libadwaita-1-dev libnice-dev
  # run: source, encoders, WebRTC
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools
  # textoverlay (pango) for the slate viewers see while the camera is offline
  gstreamer1.0-x
  # tests: RTSP camera fixture, validators, X server, QR decoder, browser
  libgstrtspserver-1.0-dev desktop-file-utils appstream-util xvfb xauth zbar-tools
  chromium curl
  # tests and bench: Firefox ESR, driven by puppeteer-core over WebDriver BiDi
  firefox-esr
  # tests and bench: a lossy link between two network namespaces (tests/e2e/netns.mjs)
  iproute2 iptables
  # tests: a private PipeWire session with virtual cameras (tests/fixtures/pipewire-fixture.c)
  pipewire pipewire-bin wireplumber gstreamer1.0-pipewire
  # the Flatpak check (build-aux/flatpak-check.sh): a runtime from Debian
  # packages, the build, a private PipeWire with a virtual camera, a
  # stand-in camera portal, screenshots of Xvfb
  flatpak flatpak-builder mmdebstrap bubblewrap bc elfutils
  dbus-daemon python3-gi x11-utils
  # fuzzing: clang with libFuzzer and the sanitizers' runtimes (build-aux/fuzz.sh)
  clang libclang-rt-14-dev
  # benchmark: what left On Air, read off the loopback interface (--joins)
  tcpdump
  # benchmark: the original tutorial's stack, for comparison
  python3 python3-flask python3-opencv python3-numpy python3-matplotlib
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
