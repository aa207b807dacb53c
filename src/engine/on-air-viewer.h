/* on-air-viewer.h: one person watching, as the window and /api/status see it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_VIEWER (on_air_viewer_get_type ())
G_DECLARE_FINAL_TYPE (OnAirViewer, on_air_viewer, ON_AIR, VIEWER, GObject)

OnAirViewer *on_air_viewer_new                (const char  *id,
                                               const char  *kind,
                                               const char  *remote_address,
                                               const char  *codec);
const char  *on_air_viewer_get_id             (OnAirViewer *self);
/* "mjpeg" or "webrtc" */
const char  *on_air_viewer_get_kind           (OnAirViewer *self);
const char  *on_air_viewer_get_remote_address (OnAirViewer *self);
const char  *on_air_viewer_get_codec          (OnAirViewer *self);
GDateTime   *on_air_viewer_get_since          (OnAirViewer *self);
guint64      on_air_viewer_get_frames_sent    (OnAirViewer *self);
guint64      on_air_viewer_get_frames_dropped (OnAirViewer *self);
void         on_air_viewer_set_frames         (OnAirViewer *self,
                                               guint64      sent,
                                               guint64      dropped);
/* Which encode a WebRTC viewer gets: "high" (the shared one) or "low"
 * (a lower bitrate for a weak link); NULL for others. */
const char  *on_air_viewer_get_rung           (OnAirViewer *self);
void         on_air_viewer_set_rung           (OnAirViewer *self,
                                               const char  *rung);

G_END_DECLS
