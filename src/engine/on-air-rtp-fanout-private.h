/* on-air-rtp-fanout-private.h: payloader groups and viewer taps, shared by
 * on-air-rtp-fanout.c (groups, taps, keyframe gate) and on-air-rtp-rung.c
 * (moving a viewer between rungs)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "on-air-broadcast-private.h"
#include "on-air-rtp.h"

G_BEGIN_DECLS

/* One payloader for the viewers that agree on codec, payload type and
 * rung: queue ! payloader ! tee on that rung's stage. */
typedef struct
{
  OnAirCodec   codec;
  guint        pt;
  OnAirRung    rung;
  guint        users;
  OnAirBranch *branch;
  GstElement  *pay;
  GstElement  *tee;
} OnAirRtpGroup;

/* One viewer: its group's tee → funnel → leaky queue → webrtcbin. The
 * funnel takes a second tee pad while the viewer moves to another rung. */
struct _OnAirRtpTap
{
  OnAirBroadcast *broadcast; /* not a ref: taps go before their broadcast */
  guint64     serial;
  OnAirCodec  codec;
  OnAirRtpGroup *group;       /* main context */
  GstElement *funnel;
  GstElement *queue;
  GstElement *webrtcbin;
  GstPad     *tee_pad;
  GstPad     *funnel_pad;
  gssize      frames_sent;    /* atomic */
  gssize      frames_dropped; /* atomic; times the leaky queue shed */
  gint        open;           /* atomic: media flows from the next keyframe */
  gint64      opened_at;      /* monotonic µs; set before open */
  gboolean    bounded;        /* streaming thread: the queue sheds old packets */
  gssize      sheds_seen;     /* streaming thread: frames_dropped as last looked at */
  gboolean    resync;         /* streaming thread: dropping until a keyframe */
  gint64      resync_at;      /* streaming thread: the resync's first shed, µs */
  OnAirRtpTapLostFunc lost_func;
  gpointer    lost_data;

  /* A move to another rung (on-air-rtp-rung.c); main context. */
  OnAirRtpGroup *next_group;
  GstPad     *next_tee_pad;
  GstPad     *next_funnel_pad;
  gint64      move_started_at;  /* monotonic µs */
  guint       move_timeout;

  /* Under lock, from the streaming threads of both groups: which funnel
   * pad passes, and the viewer's own sequence numbers. */
  GMutex      lock;
  GstPad     *live_pad;       /* the funnel pad media flows from */
  GstPad     *waiting_pad;    /* the pad a move waits on for a keyframe */
  gboolean    moved;          /* waiting_pad became live_pad */
  gboolean    move_forced;    /* the wait for a keyframe is over */
  gboolean    have_seq;
  guint16     last_seq;       /* the last sequence number sent */
  guint16     seq_delta;      /* added to the live group's numbers */
};

/* on-air-rtp-fanout.c */
OnAirRtpGroup *on_air_rtp_group_acquire (OnAirBroadcast *self,
                                         OnAirCodec      codec,
                                         guint           pt,
                                         OnAirRung       rung);
void           on_air_rtp_group_release (OnAirBroadcast *self,
                                         OnAirRtpGroup  *group);

/* on-air-rtp-rung.c */
/* The probe on each of a tap's funnel pads: passes the live pad's
 * packets with the viewer's sequence numbers, holds a moving tap's new
 * pad until a keyframe starts on it. */
GstPadProbeReturn on_air_rtp_rung_probe (GstPad          *pad,
                                         GstPadProbeInfo *info,
                                         gpointer         user_data);
/* Undoes a move in progress (the tap is leaving, or goes back). */
void           on_air_rtp_rung_cancel_move (OnAirBroadcast *self,
                                            OnAirRtpTap    *tap);

G_END_DECLS
