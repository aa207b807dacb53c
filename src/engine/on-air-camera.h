/* on-air-camera.h: the cameras GstDeviceMonitor lists, and the mode to ask
 * each one for; the engine opens them and the window lists them through
 * this one place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The largest picture On Air asks a camera for, and the rate it wants. */
#define ON_AIR_CAMERA_MAX_WIDTH  1280
#define ON_AIR_CAMERA_MAX_HEIGHT 720
#define ON_AIR_CAMERA_FPS        30

/* A monitor of video capture devices, not started. */
GstDeviceMonitor *on_air_camera_monitor_new  (void);
/* The source id On Air opens @device by ("v4l2:///dev/video0"), or NULL
 * when it is not a camera On Air can open. */
char             *on_air_camera_dup_id       (GstDevice *device);
/* The camera at @path (a device node), or the first one when @path is
 * NULL; NULL when there is none. */
GstDevice        *on_air_camera_find         (const char *path);
/* Picks the camera mode to ask for: the largest picture up to the maximum
 * that runs at the wanted rate, the camera's own MJPEG before raw. Sets
 * @is_jpeg. */
GstCaps          *on_air_camera_choose_caps  (GstCaps   *device_caps,
                                              gboolean  *is_jpeg);

G_END_DECLS
