/* on-air-broadcast-private.h: in-tree API, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Picks the camera mode to ask for: the largest picture up to 1280×720 that
 * runs at 30 fps, the camera's own MJPEG before raw. Sets @is_jpeg. */
GstCaps *on_air_choose_camera_caps (GstCaps  *device_caps,
                                    gboolean *is_jpeg);

G_END_DECLS
