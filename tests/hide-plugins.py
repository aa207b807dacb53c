#!/usr/bin/env python3
"""Makes a GStreamer plugin folder of symlinks to every plugin in SRC but
the ones named, as a stand-in for a runtime that lacks them (GNOME's
Flatpak runtime has no x264 and no libav).

    hide-plugins.py SRC DEST NAME...
"""
import os
import shutil
import sys

src, dest, hidden = sys.argv[1], sys.argv[2], set(sys.argv[3:])
shutil.rmtree(dest, ignore_errors=True)
os.makedirs(dest)
for name in sorted(os.listdir(src)):
    if name.endswith('.so') and name not in hidden:
        os.symlink(os.path.join(src, name), os.path.join(dest, name))
