/* on-air-rtp-fanout.c
 *
 * WebRTC viewers: viewers that agree on codec and payload type share one
 * payloader group (queue ! payloader ! tee) on the H.264 or VP8 stage;
 * each viewer is a tap on its group's tee, a leaky queue into the
 * viewer's webrtcbin. A tap holds its media until the viewer's ICE is up,
 * then lets it flow from a keyframe. A page that was just opened can ask
 * for the H.264 encoder before its viewer attaches (the expectation).
 * Each group belongs to a rung (on-air-rtp-rung.c moves viewers between
 * them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-rtp-fanout"

#include "config.h"

#include <gst/video/video.h>

#include "on-air-rtp-fanout-private.h"
#include "on-air-rtp-bundle.h"

/* From a page load to its WHEP offer: a phone on Wi-Fi takes about a
 * second; one that never offers (MJPEG) keeps the encoder this long. */
#define WEBRTC_EXPECT_MS 5000

/* A viewer that falls behind sheds packets after this much instead of
 * adding delay; the browser recovers with a keyframe request. */
#define TAP_QUEUE_MAX_TIME (300 * GST_MSECOND)

/* A stream whose keyframes cannot be told apart still flows this long
 * after its tap opened, as the browser can ask for a keyframe itself.
 * Longer than KEYFRAME_INTERVAL_US: a viewer that joins just after
 * another waits for the keyframe deferred to the end of the interval. */
#define KEYFRAME_WAIT_US (1500 * G_USEC_PER_SEC / 1000)

/* The shared encoder makes at most one keyframe a viewer asked for (PLI,
 * FIR, or joining) per interval, however many viewers ask: a keyframe is
 * several times a frame's size, and one phone on bad Wi-Fi asking a few
 * times a second would spend every viewer's bandwidth on keyframes.
 * Requests within the interval are merged into one at its end. */
#define KEYFRAME_INTERVAL_US (1 * G_USEC_PER_SEC)

/* ---------------------------------------------------------------------- */
/* the expectation of a WebRTC viewer                                     */

void
on_air_rtp_fanout_end_expectation (OnAirBroadcast *self)
{
  if (self->expect_source == 0)
    return;
  g_clear_handle_id (&self->expect_source, g_source_remove);
  on_air_stage_release (self, ON_AIR_FMT_H264);
}

static gboolean
webrtc_expectation_expired (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  g_debug ("No WebRTC viewer came within %d ms of the page", WEBRTC_EXPECT_MS);
  self->expect_source = 0;
  on_air_stage_release (self, ON_AIR_FMT_H264);
  return G_SOURCE_REMOVE;
}

void
on_air_broadcast_expect_webrtc (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  if (self->pipeline == NULL)
    return;
  if (self->expect_source != 0)
    g_source_remove (self->expect_source);
  else
    on_air_stage_acquire (self, ON_AIR_FMT_H264);
  self->expect_source = on_air_broadcast_add_timeout (self, WEBRTC_EXPECT_MS, webrtc_expectation_expired);
}

/* ---------------------------------------------------------------------- */
/* keyframe requests                                                      */

static gboolean keyframe_interval_over (gpointer user_data);

/* Asks every group's payloader for a keyframe, and the payloader asks
 * the encoder, the way a browser's PLI travels: sent to the encoder
 * directly instead, each keyframe made Chromium drop a frame and ask for
 * another (one a second under the rate limit, hundreds without). On the
 * pass-through path the request ends at the camera source. */
static void
request_keyframes (OnAirBroadcast *self)
{
  for (guint i = 0; i < self->groups->len; i++)
    {
      OnAirRtpGroup *group = g_ptr_array_index (self->groups, i);

      gst_element_send_event (group->pay,
                              gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, FALSE, 0));
    }
}

/* Main context: asks the encoder for a keyframe now, or once the interval
 * since the last one is over. */
static void
want_keyframe (OnAirBroadcast *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait = self->keyframe_sent_at + KEYFRAME_INTERVAL_US - now;

  if (self->keyframe_source != 0)
    return; /* one is coming */
  if (self->keyframe_sent_at != 0 && wait > 0)
    {
      self->keyframe_source = on_air_broadcast_add_timeout (self, (guint) (wait / 1000) + 1,
                                                            keyframe_interval_over);
      return;
    }
  self->keyframe_sent_at = now;
  request_keyframes (self);
}

static gboolean
keyframe_interval_over (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  self->keyframe_source = 0;
  want_keyframe (self);
  return G_SOURCE_REMOVE;
}

static gboolean
keyframe_wanted_on_main (gpointer user_data)
{
  OnAirBroadcast *self = user_data;

  g_atomic_int_set (&self->keyframe_wanted, 0);
  if (self->pipeline != NULL)
    want_keyframe (self);
  return G_SOURCE_REMOVE;
}

/* Any thread: a keyframe under the main context's rate limit, asked for
 * once however many threads want one before the main context runs. */
static void
want_keyframe_from_thread (OnAirBroadcast *self)
{
  if (g_atomic_int_compare_and_exchange (&self->keyframe_wanted, 0, 1))
    on_air_broadcast_run_on_main (self, keyframe_wanted_on_main, g_object_ref (self), g_object_unref);
}

/* A viewer's RTP session asks for a keyframe (the browser sent a PLI or
 * FIR): the request goes to the main context's rate limit instead of up
 * the shared branch to the encoder (or, on the pass-through path, to the
 * camera, which cannot be asked). */
static GstPadProbeReturn
keyframe_request_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  want_keyframe_from_thread (tap->broadcast);
  return GST_PAD_PROBE_DROP;
}

/* ---------------------------------------------------------------------- */
/* payloader groups                                                       */

static OnAirRtpGroup *
find_group (OnAirBroadcast *self, OnAirCodec codec, guint pt, OnAirRung rung)
{
  OnAirRtpGroup *group = NULL;

  for (guint i = 0; i < self->groups->len; i++)
    {
      OnAirRtpGroup *g = g_ptr_array_index (self->groups, i);
      if (g->codec == codec && g->pt == pt && g->rung == rung)
        group = g;
    }
  return group;
}

OnAirRtpGroup *
on_air_rtp_group_acquire (OnAirBroadcast *self, OnAirCodec codec, guint pt, OnAirRung rung)
{
  OnAirRtpGroup *group = find_group (self, codec, pt, rung);
  GstElement *pay;
  OnAirBranch *branch;

  if (group != NULL)
    {
      group->users++;
      return group;
    }

  if (codec == ON_AIR_CODEC_H264)
    {
      pay = gst_element_factory_make ("rtph264pay", NULL);
      g_object_set (pay, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
      branch = on_air_branch_new (rung == ON_AIR_RUNG_LOW ? ON_AIR_FMT_H264_LOW : ON_AIR_FMT_H264);
    }
  else
    {
      pay = gst_element_factory_make ("rtpvp8pay", NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");
      branch = on_air_branch_new (ON_AIR_FMT_VP8);
    }
  g_assert (codec == ON_AIR_CODEC_H264 || rung == ON_AIR_RUNG_HIGH);
  g_object_set (pay,
                "pt", pt,
                "mtu", 1200,
                "ssrc", self->rtp_ssrc,
                "timestamp-offset", self->rtp_timestamp_offset,
                NULL);

  group = g_new0 (OnAirRtpGroup, 1);
  group->codec = codec;
  group->pt = pt;
  group->rung = rung;
  group->users = 1;
  group->pay = pay;
  group->tee = gst_element_factory_make ("tee", NULL);
  g_object_set (group->tee, "allow-not-linked", TRUE, NULL);

  /* Not leaky: dropping part of an encoded frame would corrupt every
   * frame up to the next keyframe. The payloader never blocks for long;
   * per-viewer queues below are the ones that shed. */
  on_air_branch_add (branch, on_air_make_queue (FALSE, 0, 500 * GST_MSECOND));
  on_air_branch_add (branch, pay);
  if (codec == ON_AIR_CODEC_H264)
    on_air_branch_add (branch, on_air_rtp_bundle_new ()); /* rtpvp8pay pushes a frame a list */
  on_air_branch_add (branch, group->tee);
  if (!on_air_branch_attach (self, branch, NULL))
    {
      on_air_branch_discard (branch);
      g_free (group);
      return NULL;
    }
  group->branch = branch;
  g_ptr_array_add (self->groups, group);
  return group;
}

void
on_air_rtp_group_release (OnAirBroadcast *self, OnAirRtpGroup *group)
{
  g_assert (group->users > 0);
  if (--group->users > 0)
    return;
  g_ptr_array_remove (self->groups, group);
  on_air_branch_free (self, group->branch);
  g_free (group);

  if (self->groups->len == 0)
    on_air_broadcast_give_back_memory (self);
}

/* ---------------------------------------------------------------------- */
/* per-viewer taps                                                        */

/* The payloaders push each frame's packets as one list, its marker on the
 * last packet: one look a list, not a map of every packet of every
 * viewer. */
static GstPadProbeReturn
count_frames_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  GstBuffer *last;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
      guint n = gst_buffer_list_length (list);

      last = n > 0 ? gst_buffer_list_get (list, n - 1) : NULL;
    }
  else
    last = GST_PAD_PROBE_INFO_BUFFER (info);
  if (on_air_rtp_ends_frame (last))
    g_atomic_pointer_add (&tap->frames_sent, 1);
  return GST_PAD_PROBE_OK;
}

/* After the viewer's queue shed packets, the frames behind them refer to
 * what the viewer never got: sent, they cost this machine (busy enough
 * already to have shed) an encryption and a send each, and the browser
 * cannot show them, nor have them resent, as the retransmission buffer
 * never saw the shed packets. Chromium waited up to seconds before asking
 * for a keyframe (pliCount 0 through 5 s of freezes in a burst of joins).
 * So the viewer's packets stop at the shed and start again at a keyframe,
 * asked for under the shared rate limit once the queue flows again (a
 * keyframe asked for while it still sheds would be shed too); or, where
 * none comes (a camera's long GOP, keyframes that cannot be told apart),
 * KEYFRAME_WAIT_US after the first shed, so that on a machine that sheds
 * on and on the viewer's stream never stops for longer (counted from the
 * last shed, the likely cause of a jump of over a thousand packets seen
 * under ASan). Only this machine sheds there: a viewer on a slow link
 * loses its packets on the link (the socket never blocks) and has them
 * resent on NACK. A shed is a new count of the queue's overruns. On the
 * queue's source pad, behind the keyframe gate, which forgets the sheds
 * before the viewer's first keyframe. */
static GstPadProbeReturn
resync_after_shed_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  gssize dropped = g_atomic_pointer_get (&tap->frames_dropped);
  gint64 now;

  if (!tap->resync && dropped == tap->sheds_seen)
    return GST_PAD_PROBE_OK;
  now = g_get_monotonic_time ();
  if (dropped != tap->sheds_seen)
    {
      tap->sheds_seen = dropped;
      if (!tap->resync)
        tap->resync_at = now;
      tap->resync = TRUE;
      want_keyframe_from_thread (tap->broadcast); /* again, if the last one was shed too */
    }
  if (!on_air_rtp_starts_keyframe (on_air_rtp_probe_first_buffer (info), tap->codec) &&
      now - tap->resync_at < KEYFRAME_WAIT_US)
    return GST_PAD_PROBE_DROP;
  tap->resync = FALSE;
  return GST_PAD_PROBE_OK;
}

/* The keyframe gate. Nothing reaches the viewer's webrtcbin until its ICE
 * is up; then media flows from the start of a keyframe (requested when
 * the tap opened), so the first packet the browser gets begins a picture
 * it can show, or after KEYFRAME_WAIT_US without one.
 *
 * On the queue's source pad, so the queue keeps flowing while this drops.
 * The queue's time limit is set here, once its first packet is out: until
 * then a queue measures its fill from the start of the stream's segment
 * (minutes ago, for a live source) and would shed its first packets as
 * 'too old' — the keyframe, when that comes first. */
static GstPadProbeReturn
hold_until_open_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;

  if (!tap->bounded)
    {
      tap->bounded = TRUE;
      g_object_set (tap->queue, "max-size-time", TAP_QUEUE_MAX_TIME, NULL);
    }
  if (!g_atomic_int_get (&tap->open))
    return GST_PAD_PROBE_DROP;
  if (!on_air_rtp_starts_keyframe (on_air_rtp_probe_first_buffer (info), tap->codec))
    {
      if (g_get_monotonic_time () - tap->opened_at < KEYFRAME_WAIT_US)
        return GST_PAD_PROBE_DROP;
      g_debug ("No keyframe %d ms after a viewer's ICE was up: media flows without",
               (int) (KEYFRAME_WAIT_US / 1000));
    }
  /* A shed before this keyframe is behind the viewer now. */
  tap->sheds_seen = g_atomic_pointer_get (&tap->frames_dropped);
  return GST_PAD_PROBE_REMOVE;
}

/* The queue is full and sheds its oldest packets: from the thread that
 * pushes into it (the group's, shared). */
static void
on_tap_overrun (GstElement *queue, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;

  g_atomic_pointer_add (&tap->frames_dropped, 1);
}

OnAirRtpTap *
on_air_rtp_fanout_find_tap (OnAirBroadcast *self, GstObject *object)
{
  for (guint i = 0; i < self->taps->len; i++)
    {
      OnAirRtpTap *tap = g_ptr_array_index (self->taps, i);

      if (object == GST_OBJECT (tap->queue) || object == GST_OBJECT (tap->funnel) ||
          gst_object_has_as_ancestor (object, GST_OBJECT (tap->webrtcbin)) ||
          object == GST_OBJECT (tap->webrtcbin))
        return tap;
    }
  return NULL;
}

void
on_air_rtp_fanout_lose_tap (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  if (tap->lost_func != NULL)
    tap->lost_func (tap, tap->lost_data);
  on_air_broadcast_detach_webrtc (self, tap);
}

/* WebRTC peers own their webrtcbin and let go of it here. */
void
on_air_rtp_fanout_lose_all (OnAirBroadcast *self)
{
  g_clear_handle_id (&self->keyframe_source, g_source_remove);
  self->keyframe_sent_at = 0;
  while (self->taps->len > 0)
    on_air_rtp_fanout_lose_tap (self, g_ptr_array_index (self->taps, self->taps->len - 1));
}

OnAirRtpTap *
on_air_broadcast_attach_webrtc (OnAirBroadcast      *self,
                                GstElement          *webrtcbin,
                                OnAirCodec           codec,
                                guint                pt,
                                OnAirRtpTapLostFunc  lost_func,
                                gpointer             user_data)
{
  OnAirRtpGroup *group;
  OnAirRtpTap *tap;
  g_autoptr(GstPad) funnel_src = NULL;
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) webrtc_sink = NULL;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), NULL);
  g_return_val_if_fail (pt >= 96 && pt <= 127, NULL);

  if (self->pipeline == NULL)
    return NULL;

  group = on_air_rtp_group_acquire (self, codec, pt, ON_AIR_RUNG_HIGH);
  if (group == NULL)
    return NULL;
  /* The viewer's payloader holds the encoder now: when it leaves, the
   * encoder stops with it. */
  on_air_rtp_fanout_end_expectation (self);

  tap = g_new0 (OnAirRtpTap, 1);
  tap->broadcast = self;
  tap->serial = ++self->tap_serial;
  tap->group = group;
  tap->codec = codec;
  g_mutex_init (&tap->lock);
  tap->webrtcbin = gst_object_ref (webrtcbin);
  tap->lost_func = lost_func;
  tap->lost_data = user_data;
  /* Unbounded until its first packet is out: hold_until_open_probe(). */
  tap->queue = gst_object_ref (on_air_make_queue (TRUE, 0, 0));
  g_signal_connect (tap->queue, "overrun", G_CALLBACK (on_tap_overrun), tap);

  /* The funnel takes the other rung's packets during a move. */
  tap->funnel = gst_object_ref (gst_element_factory_make ("funnel", NULL));

  gst_bin_add_many (GST_BIN (self->pipeline), tap->funnel, tap->queue, webrtcbin, NULL);
  queue_src = gst_element_get_static_pad (tap->queue, "src");
  webrtc_sink = gst_element_request_pad_simple (webrtcbin, "sink_%u");
  gst_pad_link (queue_src, webrtc_sink);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     hold_until_open_probe, tap, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     resync_after_shed_probe, tap, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_frames_probe, tap, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_air_relax_h264_profile_probe, NULL, NULL);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keyframe_request_probe, tap, NULL);
  gst_element_sync_state_with_parent (webrtcbin);
  gst_element_sync_state_with_parent (tap->queue);

  funnel_src = gst_element_get_static_pad (tap->funnel, "src");
  queue_sink = gst_element_get_static_pad (tap->queue, "sink");
  gst_pad_link (funnel_src, queue_sink);
  gst_element_sync_state_with_parent (tap->funnel);

  tap->funnel_pad = gst_element_request_pad_simple (tap->funnel, "sink_%u");
  tap->live_pad = tap->funnel_pad;
  gst_pad_add_probe (tap->funnel_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_air_rtp_rung_probe, tap, NULL);
  tap->tee_pad = on_air_request_viewer_pad (group->tee);
  gst_pad_link (tap->tee_pad, tap->funnel_pad);

  g_ptr_array_add (self->taps, tap);
  return tap;
}

void
on_air_broadcast_detach_webrtc (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  if (!g_ptr_array_remove (self->taps, tap))
    return;

  on_air_rtp_rung_cancel_move (self, tap);
  gst_pad_unlink (tap->tee_pad, tap->funnel_pad);
  gst_element_release_request_pad (tap->group->tee, tap->tee_pad);
  gst_clear_object (&tap->tee_pad);

  /* webrtcbin first: until DTLS is up it holds the queue's thread in a
   * push, and stopping the queue first would wait for it forever. The
   * funnel before the queue: stopping it waits for a packet in its probe
   * or on its way into the queue, which never blocks (leaky). */
  gst_element_set_state (tap->webrtcbin, GST_STATE_NULL);
  gst_element_set_state (tap->funnel, GST_STATE_NULL);
  gst_element_set_state (tap->queue, GST_STATE_NULL);
  gst_element_release_request_pad (tap->funnel, tap->funnel_pad);
  gst_clear_object (&tap->funnel_pad);
  gst_bin_remove_many (GST_BIN (self->pipeline), tap->funnel, tap->queue, tap->webrtcbin, NULL);
  gst_clear_object (&tap->funnel);
  gst_clear_object (&tap->queue);
  gst_clear_object (&tap->webrtcbin);

  on_air_rtp_group_release (self, tap->group);
  g_mutex_clear (&tap->lock);
  g_free (tap);
}

void
on_air_broadcast_open_webrtc (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  if (g_atomic_int_get (&tap->open))
    return;
  tap->opened_at = g_get_monotonic_time ();
  g_atomic_int_set (&tap->open, 1);
  want_keyframe (self);
}

guint64
on_air_rtp_tap_get_frames_sent (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return g_atomic_pointer_get (&tap->frames_sent);
}

guint64
on_air_rtp_tap_get_frames_dropped (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return g_atomic_pointer_get (&tap->frames_dropped);
}
