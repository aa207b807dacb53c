/* on-air-webrtc-peer-private.h: the peer's struct and the calls between
 * its files (on-air-webrtc-peer.c, on-air-webrtc-peer-caps.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/webrtc/webrtc.h>

#include "on-air-audio.h"
#include "on-air-broadcast.h"
#include "on-air-webrtc-peer.h"

G_BEGIN_DECLS

/* The newest receiver report about the video stream. */
typedef struct
{
  guint  highest;  /* extended highest sequence number received */
  gint   lost;     /* cumulative */
  double rtt_ms;
} OnAirLinkReport;

struct _OnAirWebrtcPeer
{
  GObject         parent_instance;

  OnAirBroadcast *broadcast;
  GMainContext   *context;
  char           *id;
  char           *bind_address;  /* candidates only there, or NULL */
  GstElement     *webrtcbin;
  OnAirRtpTap    *tap;
  OnAirCodec      codec;
  guint           pt;
  OnAirAudioTap  *audio_tap;     /* NULL: the offer has no Opus, or sound is off */
  guint           audio_pt;

  GTask          *answer_task;   /* main context only */
  GstWebRTCSessionDescription *offer; /* until the caps are there */
  GstPad         *caps_pads[2];  /* webrtcbin's sink pads still without caps: video, sound */
  gulong          caps_probes[2];
  guint           caps_timeout;
  guint           caps_recheck;
  gint            answer_ready;  /* atomic: local description is set */
  guint           gather_timeout;
  guint           connect_timeout;
  guint           disconnected_timeout;
  guint           liveness_timer;
  gssize          last_received;  /* atomic; monotonic µs of the viewer's last packet */
  gboolean        connected;
  gboolean        media_open;     /* the tap is open (open_media) */
  gboolean        closed;
  gint64          answered_at;
  gint64          offered_at;

  /* The viewer's link and rung (on-air-webrtc-peer-link.c). */
  struct
  {
    guint           timer;
    OnAirLinkReport last;
    gboolean        have_last;
    double          min_rtt_ms;
    gint64          bad_since;    /* monotonic µs; 0: not congested */
    guint           bad_reports;  /* congested ones in a row */
    guint64         last_shed;    /* the viewer's queue's drops so far */
    gint64          clean_since;
    gint64          up_at;        /* the last move up */
    gint64          up_after;     /* µs clean before trying the top rung */
    OnAirRung       rung;         /* asked for */
    OnAirRung       shown_rung;   /* as "rung" says */
  } link;
};

void     _on_air_webrtc_peer_run_on_main   (OnAirWebrtcPeer *self,
                                            GSourceFunc      func);
guint    _on_air_webrtc_peer_add_timeout   (OnAirWebrtcPeer *self,
                                            guint            ms,
                                            GSourceFunc      func);
/* webrtcbin took the offer: it answers from here. */
void     _on_air_webrtc_peer_on_remote_set (GstPromise      *promise,
                                            gpointer         user_data);

/* on-air-webrtc-peer-link.c */
void     _on_air_webrtc_peer_watch_link         (OnAirWebrtcPeer *self);
void     _on_air_webrtc_peer_stop_watching_link (OnAirWebrtcPeer *self);

/* on-air-webrtc-peer-caps.c */
void     _on_air_webrtc_peer_negotiate_when_caps_arrive (OnAirWebrtcPeer *self);
void     _on_air_webrtc_peer_stop_waiting_for_caps      (OnAirWebrtcPeer *self);

G_END_DECLS
