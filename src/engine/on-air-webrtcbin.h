/* on-air-webrtcbin.h: the settings On Air gives each viewer's webrtcbin
 * and the libnice agent inside it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Turns off libnice's UPnP port mapping on @webrtcbin's ICE agent. */
void             on_air_webrtcbin_disable_upnp        (GstElement          *webrtcbin);
/* Gathers host candidates over UDP only. */
void             on_air_webrtcbin_disable_ice_tcp     (GstElement          *webrtcbin);
/* Has libnice gather candidates on @address only. FALSE if it cannot
 * (On Air built without libnice's headers, or an unexpected agent). */
gboolean         on_air_webrtcbin_restrict_to_address (GstElement          *webrtcbin,
                                                       const char          *address);
/* Has libnice pace its connectivity checks at the lowest interval
 * RFC 8445 allows, so ICE comes up sooner. */
void             on_air_webrtcbin_pace_checks_faster  (GstElement          *webrtcbin);
/* Has @webrtcbin send each packet as it comes instead of waiting for the
 * clock (its clocksyncs and its nicesink). */
void             on_air_webrtcbin_send_unsynced       (GstElement          *webrtcbin);
/* Links around the ULPFEC and RED encoders webrtcbin puts in front of each
 * send session when the local description carries neither. Call before
 * media flows. */
void             on_air_webrtcbin_bypass_unused_fec   (GstElement          *webrtcbin);
/* Has @webrtcbin answer NACKs with retransmissions (RFC 4588, on the RTX
 * payload type the offer pairs with the chosen one, when it has one) from
 * a buffer of the last RETRANSMIT_WINDOW_MS of packets. Call after the
 * sink pad exists and before the remote description is set. */
void             on_air_webrtcbin_enable_retransmission (GstElement        *webrtcbin);
/* Adds @probe (on buffers and buffer lists) to the source pad of every
 * nicesrc in @webrtcbin: it sees each packet that arrives from the peer.
 * Call once the ICE transports exist (after the local description). */
void             on_air_webrtcbin_probe_received      (GstElement          *webrtcbin,
                                                       GstPadProbeCallback  probe,
                                                       gpointer             user_data);

/* Takes back on_air_webrtcbin_enable_retransmission() before the offer is
 * set: an answer without the stream's SSRC must not offer RTX, whose
 * pairing would name SSRC 0 (Chromium then drops the media). */
void on_air_webrtcbin_disable_retransmission (GstElement *webrtcbin);

/* Takes @element (a webrtcbin done with, or a pipeline holding one: in
 * NULL, out of any bin) and lets it go a few seconds later, on the
 * calling thread's main context, once its DTLS timers have fired. */
void on_air_webrtcbin_retire (GstElement *element);
/* How many are waiting to be let go (at most 64: past that the oldest
 * goes at once). */
guint on_air_webrtcbin_count_retired (void);

G_END_DECLS
