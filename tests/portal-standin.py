#!/usr/bin/python3
# A stand-in for xdg-desktop-portal's camera portal on a session bus, for
# tests: org.freedesktop.portal.Camera as documented (AccessCamera with a
# Request object and its Response signal, IsCameraPresent,
# OpenPipeWireRemote), answering as told instead of asking a user.
#
#   portal-standin.py allow|deny|no-camera
#
# OpenPipeWireRemote hands out a connection to the PipeWire daemon at
# $PIPEWIRE_RUNTIME_DIR (else $XDG_RUNTIME_DIR)/pipewire-0 when there is
# one, as the real portal does; otherwise one end of a socketpair whose
# other end has written "onair-portal-standin\n", so a test can tell the fd
# crossed the bus. Prints "ready" once it owns the portal's name; stops on
# SIGTERM.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import signal
import socket
import sys

from gi.repository import Gio, GLib

NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
XML = """
<node>
  <interface name="org.freedesktop.portal.Camera">
    <method name="AccessCamera">
      <arg type="a{sv}" name="options" direction="in"/>
      <arg type="o" name="handle" direction="out"/>
    </method>
    <method name="OpenPipeWireRemote">
      <arg type="a{sv}" name="options" direction="in"/>
      <arg type="h" name="fd" direction="out"/>
    </method>
    <property name="IsCameraPresent" type="b" access="read"/>
    <property name="version" type="u" access="read"/>
  </interface>
  <interface name="org.freedesktop.portal.Request">
    <method name="Close"/>
    <signal name="Response">
      <arg type="u" name="response"/>
      <arg type="a{sv}" name="results"/>
    </signal>
  </interface>
</node>
"""

mode = sys.argv[1] if len(sys.argv) > 1 else "allow"
if mode not in ("allow", "deny", "no-camera"):
    sys.exit("usage: portal-standin.py allow|deny|no-camera")
info = Gio.DBusNodeInfo.new_for_xml(XML)
loop = GLib.MainLoop()
kept = []  # our ends of socketpairs, open while we run
requests = []  # registration ids of Request objects


def pipewire_fd():
    runtime = os.environ.get("PIPEWIRE_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR")
    path = os.path.join(runtime, "pipewire-0") if runtime else None
    if path and os.path.exists(path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock.detach()
        except OSError:
            sock.close()
    ours, theirs = socket.socketpair()
    ours.sendall(b"onair-portal-standin\n")
    kept.append(ours)
    return theirs.detach()


def request_call(conn, sender, path, iface, method, params, invocation):
    invocation.return_value(None)  # Close: nothing to close


def respond(conn, sender, handle):
    code = 0 if mode == "allow" else 1
    conn.emit_signal(sender, handle, "org.freedesktop.portal.Request", "Response",
                     GLib.Variant("(ua{sv})", (code, {})))
    return GLib.SOURCE_REMOVE


def camera_call(conn, sender, path, iface, method, params, invocation):
    if method == "AccessCamera":
        options = params.unpack()[0]
        token = options.get("handle_token", "t%d" % len(requests))
        handle = "%s/request/%s/%s" % (PATH, sender[1:].replace(".", "_"), token)
        requests.append(conn.register_object(handle, info.interfaces[1], request_call))
        invocation.return_value(GLib.Variant("(o)", (handle,)))
        # As the real portal: the answer comes later, as a signal.
        GLib.timeout_add(20, respond, conn, sender, handle)
    elif method == "OpenPipeWireRemote":
        if mode != "allow":
            invocation.return_dbus_error("org.freedesktop.portal.Error.NotAllowed",
                                         "Camera access not granted")
            return
        fds = Gio.UnixFDList.new_from_array([pipewire_fd()])
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fds)


def camera_get(conn, sender, path, iface, prop):
    if prop == "IsCameraPresent":
        return GLib.Variant("b", mode != "no-camera")
    return GLib.Variant("u", 1)


def on_bus(conn, name):
    conn.register_object(PATH, info.interfaces[0], camera_call, camera_get, None)


def on_name(conn, name):
    print("ready", flush=True)


def on_lost(conn, name):
    sys.exit("portal-standin: could not own " + NAME)


Gio.bus_own_name(Gio.BusType.SESSION, NAME, Gio.BusNameOwnerFlags.NONE,
                 on_bus, on_name, on_lost)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
loop.run()
