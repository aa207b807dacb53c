#!/bin/bash
# flatpak-srtp.sh OUT [ONAIR]: builds the libsrtp2 that the Flatpak bundles
# (the source, checksum and options of flatpak/io.github.onair.OnAir.json's
# libsrtp2 module: OpenSSL's AES and HMAC) into OUT, and writes OUT/onair,
# which runs ONAIR (default: _build/src/onair) with it in place of Debian's
# libsrtp2 (NSS). Give OUT/onair to the bench's --onair to measure On Air
# as the Flatpak runs it. Needs libssl-dev, meson, curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
onair=$(realpath "${2:-$here/../_build/src/onair}")
read -r url sha opts < <(python3 - "$here/../flatpak/io.github.onair.OnAir.json" <<'PY'
import json, sys
m = next(m for m in json.load(open(sys.argv[1]))["modules"] if m["name"] == "libsrtp2")
s = m["sources"][0]
print(s["url"], s["sha256"], " ".join(m.get("config-opts", [])))
PY
)
tarball="$out/$(basename "$url")"
[ -f "$tarball" ] || curl -fsSL -o "$tarball" "$url"
echo "$sha  $tarball" | sha256sum -c --quiet
rm -rf "$out/src" "$out/build" "$out/lib"
mkdir "$out/src"
tar -xf "$tarball" -C "$out/src" --strip-components=1
# shellcheck disable=SC2086 # the manifest's options, one word each
meson setup "$out/build" "$out/src" --prefix="$out" --buildtype=release $opts >"$out/build.log"
ninja -C "$out/build" install >>"$out/build.log"
cat >"$out/onair" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$out/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$onair" "\$@"
WRAP
chmod +x "$out/onair"
echo "$out/onair"
