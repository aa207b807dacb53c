#!/usr/bin/env bash
# Makes a Flatpak runtime and SDK from Debian trixie packages, for
# build-aux/flatpak-check.sh: GNOME's runtime cannot be downloaded here,
# and trixie (GStreamer 1.26, GTK 4.18, libadwaita 1.7) is the stack
# closest to it that Debian's archive has. The same codecs as GNOME's
# runtime: no x264 (gst-plugins-ugly), no libav; openh264 is in.
#
#   flatpak-runtime.sh CACHE_DIR
#
# Installs org.onair.Debian.Platform and .Sdk (branch "trixie") into the
# user installation FLATPAK_USER_DIR=CACHE_DIR/flatpak. The result is kept
# under the hash of the package list: a second run returns at once.
set -euo pipefail

cache=$1
suite=trixie
mirror=http://deb.debian.org/debian
packages=(
  # build: what the manifest's modules need (cmake for qrencode, meson for
  # On Air) and what flatpak-builder runs inside the SDK
  gcc libc6-dev make cmake meson ninja-build pkgconf gettext
  libglib2.0-bin libglib2.0-dev-bin libgtk-4-bin desktop-file-utils
  appstream appstream-util librsvg2-common elfutils
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev libsoup-3.0-dev libjson-glib-dev
  libgtk-4-dev libadwaita-1-dev
  # --bind limits WebRTC to its address through libnice (GNOME's Sdk has
  # its headers: webrtcbin is built on it); without them a bound server
  # refuses WebRTC, as the tests' servers on 127.0.0.1 are
  libnice-dev
  # libsrtp2 built with OpenSSL's crypto, as the manifest builds it
  # (GNOME's Sdk has OpenSSL's headers)
  libssl-dev
  # tests inside the build sandbox: the RTSP camera fixture
  libgstrtspserver-1.0-dev
  # run: GNOME 48's codec set (no gstreamer1.0-plugins-ugly, no
  # gstreamer1.0-libav), openh264 through plugins-bad, PipeWire cameras
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  libopenh264-8 gstreamer1.0-nice gstreamer1.0-pipewire gstreamer1.0-tools
  # textoverlay (pango) for the slate, in plugins-base on GNOME's runtime
  gstreamer1.0-x
  fonts-cantarell fonts-dejavu-core adwaita-icon-theme shared-mime-info
  ca-certificates libgl1-mesa-dri
)
recipe=4  # bump when the steps below change what is built

key=$(printf '%s\n' "$recipe" "$suite" "$mirror" "${packages[@]}" | sort | sha256sum | cut -c1-16)
dir="$cache/runtime-$key"
export FLATPAK_USER_DIR="$cache/flatpak"

# Done when what is installed is what this package list made.
installed() {
  for kind in Platform Sdk; do
    flatpak --user info --show-commit org.onair.Debian.$kind//$suite 2>/dev/null || echo none
  done
}
if [ -f "$dir/done" ] && [ "$(installed)" = "$(cat "$dir/done")" ]; then
  exit 0
fi

# Another package list: its runtime goes.
for old in "$cache"/runtime-*; do
  [ -e "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
done
rm -rf "$dir"
mkdir -p "$dir"

echo "flatpak-runtime: mmdebstrap $suite (${#packages[@]} packages)" >&2
mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  "$suite" "$dir/rootfs" "$mirror" >&2

# A runtime is /usr as files/, with /etc at files/etc. flatpak runs
# /usr/bin/ldconfig to make the sandbox's ld.so.cache; /app/lib is where
# the app's own libraries go.
mkdir -p "$dir/platform"
cp -al "$dir/rootfs/usr" "$dir/platform/files"
cp -a "$dir/rootfs/etc" "$dir/platform/files/etc"
[ -e "$dir/platform/files/bin/ldconfig" ] || ln -s ../sbin/ldconfig "$dir/platform/files/bin/ldconfig"
# flatpak makes that cache with /etc/ld.so.conf linked to the runtime's
# own and no /etc/ld.so.conf.d, so Debian's "include" of that folder finds
# nothing there: like GNOME's runtime, the file names /app/lib itself,
# before the runtime's folders, so that an app's library (the manifest's
# libsrtp2) takes the place of the runtime's.
cat > "$dir/platform/files/etc/ld.so.conf" <<'CONF'
include /run/flatpak/ld.so.conf.d/app-*.conf
/app/lib
include /run/flatpak/ld.so.conf.d/runtime-*.conf
/usr/local/lib
/usr/lib/x86_64-linux-gnu
CONF
rm -rf "$dir/rootfs"
cp -al "$dir/platform" "$dir/sdk"

for kind in Platform Sdk; do
  lower=$(echo "$kind" | tr A-Z a-z)
  cat > "$dir/$lower/metadata" <<META
[Runtime]
name=org.onair.Debian.$kind
runtime=org.onair.Debian.Platform/x86_64/$suite
sdk=org.onair.Debian.Sdk/x86_64/$suite
META
  flatpak build-export --runtime --files=files "$dir/repo" "$dir/$lower" "$suite" >&2
done
rm -rf "$dir/platform" "$dir/sdk"

flatpak --user remote-delete --force onair-debian >/dev/null 2>&1 || true
flatpak --user remote-add --no-gpg-verify onair-debian "$dir/repo"
flatpak --user install -y --noninteractive --reinstall onair-debian \
  org.onair.Debian.Platform//$suite org.onair.Debian.Sdk//$suite >&2
installed > "$dir/done"
