/* on-air-sdp.h: what On Air reads in a viewer's SDP: the offer's checks,
 * the codec and payload type to answer with, and whether an answer
 * carries forward error correction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include "on-air-broadcast.h"

G_BEGIN_DECLS

/* Candidates an offer may list, over all its sections: a phone has a
 * handful (host, mDNS, server-reflexive, per interface and family). */
#define ON_AIR_SDP_MAX_CANDIDATES 64

/* Parses and checks an SDP offer: at least one media, one of them video;
 * at most one section each of video, audio and data (no other kind); at
 * most ON_AIR_SDP_MAX_CANDIDATES candidates. */
GstSDPMessage   *on_air_sdp_parse_offer             (const char          *text,
                                                     gsize                length,
                                                     GError             **error);
/* Picks the codec and payload type this viewer's offer asks for: H.264
 * packetization-mode 1, constrained baseline first; VP8 otherwise. */
gboolean         on_air_sdp_choose_video_codec      (const GstSDPMessage *offer,
                                                     OnAirCodec          *codec,
                                                     guint               *pt,
                                                     GError             **error);
/* TRUE if any media of @sdp lists RED or ULPFEC. */
gboolean         on_air_sdp_has_fec                 (const GstSDPMessage *sdp);

G_END_DECLS
