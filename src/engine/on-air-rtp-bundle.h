/* on-air-rtp-bundle.h: a video frame's RTP packets passed on as one list,
 * so that a viewer's queue and webrtcbin take a frame in one push.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_RTP_BUNDLE (on_air_rtp_bundle_get_type ())
G_DECLARE_FINAL_TYPE (OnAirRtpBundle, on_air_rtp_bundle, ON_AIR, RTP_BUNDLE, GstElement)

/* An element: RTP in, RTP out, a frame's packets (up to the marker bit)
 * as one buffer list; serialized events after the packets before them. */
GstElement *on_air_rtp_bundle_new (void);

G_END_DECLS
