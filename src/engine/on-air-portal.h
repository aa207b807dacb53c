/* on-air-portal.h: cameras inside a Flatpak sandbox, through the camera
 * portal (org.freedesktop.portal.Camera)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* TRUE inside a Flatpak sandbox (/.flatpak-info exists): cameras come
 * only through the portal there. */
gboolean on_air_portal_is_sandboxed       (void);

/* Asks the portal for camera access and hands the PipeWire connection it
 * gives to GStreamer's pipewiredeviceprovider, so that every
 * GstDeviceMonitor started afterwards lists the cameras the portal
 * exposes. Call it before any device monitor starts. @bus: the session
 * bus when NULL. Errors are in ON_AIR_ERROR, with a message for the user:
 * ON_AIR_ERROR_NO_CAMERA, ON_AIR_ERROR_CAMERA_DENIED, ON_AIR_ERROR_PORTAL
 * (no portal, or it failed), ON_AIR_ERROR_MISSING_ELEMENT (no PipeWire
 * plugin). */
void     on_air_portal_open_cameras_async  (GDBusConnection      *bus,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean on_air_portal_open_cameras_finish (GAsyncResult         *result,
                                            GError              **error);

/* The PipeWire fd the portal gave (still owned here), or -1. */
int      on_air_portal_get_fd              (void);

G_END_DECLS
