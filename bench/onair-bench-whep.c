/* onair-bench-whep: N WebRTC (WHEP) viewers in one process, for the benchmark
 *
 *   onair-bench-whep URL N SECONDS [--warmup S] [--hold] [--connect-timeout S] [--full] [--classify]
 *                    [--at-once] [--bind ADDR] [--sample-ms MS]
 *
 * Each viewer is its own recvonly webrtcbin: ICE, DTLS and RTCP as a
 * browser does them. Frames are counted by the RTP marker bit, which SRTP
 * leaves in the clear; by default the media packets are then dropped where
 * they leave libnice, before SRTP decryption and the jitter buffer, so that
 * fifty viewers cost the client a few percent of a core instead of most of
 * one and leave the two cores to the server being measured. With --full
 * they go the whole way through webrtcbin (decrypted, reordered) and are
 * counted at its output, still without decoding. With --classify they are
 * also decoded (avdec_h264, one thread per viewer), and every picture is
 * reported as a "frame" event: when it left the decoder (wall clock) and
 * whether it shows the camera or On Air's slate (bench-classify.c).
 *
 * Signalling is WHEP: POST the offer (with every candidate) to URL's /whep,
 * set the answer, DELETE the Location when done. A ?token= in URL is sent
 * as a Bearer token.
 *
 * stdout carries JSON lines like onair-bench-mjpeg's: "connected",
 * "window_start", then "result" with the per-viewer fps. Counting at the
 * transport, "result" also has whole frames (every packet of the frame
 * came, in order), the longest wait between two frames and the fewest
 * whole frames any viewer got in one second (worst_second_whole; 29 or
 * 30 for a steady 30 fps stream, -1 if none was counted); --sample-ms
 * adds a "sample" line every MS of the window with the slowest and the
 * median viewer's whole frames a second in it. With --hold the
 * viewers stay until stdin closes, then leave with DELETE.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "bench-classify.h"
#include "bench-util.h"
#include "on-air-webrtcbin.h"
#include "whep-client.h"
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include "on-air-rtp.h"
#include "on-air-webrtc-peer.h"

#define DELETE_TIMEOUT_S 5
/* More whole frames than any second holds (a 30 fps stream after a
 * stall can bring a few more at once). */
#define WHOLE_RING 64

/* The one address the viewers' candidates are on (--bind). */
static const char *local_address = "127.0.0.1";

typedef struct
{
  GstElement *pipeline;
  GstElement *webrtcbin;
  guint       index;
  gboolean    full;
  gboolean    classify;
  gboolean    tapped;     /* the probe on nicesrc is in place */
  gssize      frames;     /* atomic */
  gssize      whole;      /* atomic: frames none of whose packets was missing */
  guint32     ssrc;       /* the picture's, from its first packet (not RTX's) */
  guint16     last_seq;
  gboolean    seq_seen;
  gboolean    gap;        /* a packet of the current frame is missing */
  gint64      frame_at_us;  /* when the last frame's last packet came */
  gint        longest_us;   /* atomic: the longest wait between two frames */
  gint64      whole_us[WHOLE_RING]; /* when the last whole frames came, a ring */
  guint       whole_head;
  gint64      count_from_us;  /* atomic: seconds starting before this are not counted */
  gint        worst_second;   /* atomic: the fewest whole frames in one second since */
  gssize      dropped;    /* atomic: media packets dropped before SRTP */
  gssize      bytes;      /* atomic: their size on the wire (SRTP, without UDP/IP) */
  char       *location;   /* absolute URL of the session */
  char       *error;
  guint64     frames_at_window;
  guint64     whole_at_window;
  guint64     packets_at_window;
  guint64     bytes_at_window;
  gint64      first_frame_us;
  gint64      first_frame_real_us;
  double      answer_ms;  /* POST /whep round trip */
} Viewer;

/* ---------------------------------------------------------------------- */
/* counting                                                               */

/* RFC 5761: an RTP packet's second byte, less the marker bit, is not in
 * 64–95 (those are RTCP's packet types 192–223). RFC 7983: RTP and RTCP
 * start with a byte in 128–191. */
static gboolean
is_rtp (const guint8 *data, gsize size)
{
  return size >= 12 && data[0] >= 128 && data[0] <= 191 &&
         ((data[1] & 0x7f) < 64 || (data[1] & 0x7f) > 95);
}

/* The fewest whole frames in one second: the second just before a whole
 * frame came at @now (that frame left out) is where a late frame shows,
 * so each such second is counted. A steady 30 fps stream gives 29 or 30
 * (the second's start falls on either side of a frame); a frame more
 * than a frame late, or one missing, takes one more from it. */
static void
count_second (Viewer *v, gint64 now)
{
  gint64 from = g_atomic_pointer_get (&v->count_from_us);
  gint n = 0;

  if (from != 0 && now - G_USEC_PER_SEC >= from)
    {
      for (guint i = 0; i < WHOLE_RING; i++)
        if (v->whole_us[i] >= now - G_USEC_PER_SEC)
          n++;
      if (n < g_atomic_int_get (&v->worst_second))
        g_atomic_int_set (&v->worst_second, n);
    }
  v->whole_us[v->whole_head] = now;
  v->whole_head = (v->whole_head + 1) % WHOLE_RING;
}

/* A whole frame: every packet of it came, in order (the picture's
 * sequence numbers, which SRTP leaves in the clear, ran on without a
 * gap since the previous frame's last packet). On loopback nothing is
 * lost on the way, so a gap is a packet the server never sent. */
static void
count_whole (Viewer *v, const guint8 *data, gboolean marker)
{
  guint32 ssrc = GST_READ_UINT32_BE (data + 8);
  guint16 seq = GST_READ_UINT16_BE (data + 2);

  if (!v->seq_seen)
    {
      v->ssrc = ssrc;
      v->seq_seen = TRUE;
      v->gap = TRUE; /* its start is unknown */
    }
  else if (ssrc != v->ssrc)
    return;
  else if (seq != (guint16) (v->last_seq + 1))
    v->gap = TRUE;
  v->last_seq = seq;
  if (marker)
    {
      gint64 now = g_get_monotonic_time ();

      if (v->frame_at_us != 0 && now - v->frame_at_us > g_atomic_int_get (&v->longest_us))
        g_atomic_int_set (&v->longest_us, (gint) MIN (now - v->frame_at_us, G_MAXINT));
      v->frame_at_us = now;
      if (!v->gap)
        {
          g_atomic_pointer_add (&v->whole, 1);
          count_second (v, now);
        }
      v->gap = FALSE;
    }
}

/* Counts a frame for a media packet with the marker bit; TRUE if media. */
static gboolean
count_packet (Viewer *v, GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean media = FALSE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  if (is_rtp (map.data, map.size))
    {
      media = TRUE;
      g_atomic_pointer_add (&v->bytes, map.size);
      if (map.data[1] & 0x80)
        g_atomic_pointer_add (&v->frames, 1);
      count_whole (v, map.data, (map.data[1] & 0x80) != 0);
    }
  gst_buffer_unmap (buffer, &map);
  return media;
}

static gboolean
drop_media (GstBuffer **buffer, guint idx, gpointer user_data)
{
  Viewer *v = user_data;

  if (count_packet (v, *buffer))
    {
      g_atomic_pointer_add (&v->dropped, 1);
      gst_clear_buffer (buffer); /* removes it from the list */
    }
  return TRUE;
}

static GstPadProbeReturn
transport_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Viewer *v = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      if (count_packet (v, GST_PAD_PROBE_INFO_BUFFER (info)))
        {
          g_atomic_pointer_add (&v->dropped, 1);
          return GST_PAD_PROBE_DROP;
        }
      return GST_PAD_PROBE_OK;
    }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

      GST_PAD_PROBE_INFO_DATA (info) = list;
      gst_buffer_list_foreach (list, drop_media, v);
      if (gst_buffer_list_length (list) == 0)
        return GST_PAD_PROBE_DROP;
    }
  return GST_PAD_PROBE_OK;
}

/* Puts the probe on webrtcbin's nicesrc; FALSE while there is none yet. */
static gboolean
tap_transport (Viewer *v)
{
  g_autoptr(GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;

  if (v->tapped)
    return TRUE;
  it = gst_bin_iterate_recurse (GST_BIN (v->webrtcbin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
        {
          g_autoptr(GstPad) pad = gst_element_get_static_pad (element, "src");

          gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             transport_probe, v, NULL);
          v->tapped = TRUE;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return v->tapped;
}

static GstPadProbeReturn
output_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Viewer *v = user_data;

  if (on_air_rtp_ends_frame (GST_PAD_PROBE_INFO_BUFFER (info)))
    g_atomic_pointer_add (&v->frames, 1);
  return GST_PAD_PROBE_OK;
}

/* --classify: each decoded picture, camera or slate. */
static GstPadProbeReturn
decoded_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Viewer *v = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  gint64 now = g_get_real_time ();
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  g_atomic_pointer_add (&v->frames, 1);
  if (caps != NULL && gst_video_info_from_caps (&vinfo, caps) &&
      gst_video_frame_map (&frame, &vinfo, GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ))
    {
      double age = 0;
      BenchFrameKind kind = bench_classify_frame (&frame, now, &age);

      gst_video_frame_unmap (&frame);
      bench_emit_frame ("webrtc", v->index, now, kind, age);
    }
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_decoder (Viewer *v)
{
  g_autoptr(GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description ("rtph264depay ! h264parse ! avdec_h264 name=dec max-threads=1 "
                                                    "! fakesink sync=false async=false", TRUE, &error);
  g_autoptr(GstElement) dec = NULL;
  g_autoptr(GstPad) out = NULL;

  if (bin == NULL)
    {
      g_printerr ("onair-bench-whep: cannot build the decoder: %s\n", error->message);
      exit (1);
    }
  dec = gst_bin_get_by_name (GST_BIN (bin), "dec");
  out = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, decoded_probe, v, NULL);
  return bin;
}

static void
on_pad_added (GstElement *webrtcbin, GstPad *pad, gpointer user_data)
{
  Viewer *v = user_data;
  GstElement *sink;
  g_autoptr(GstPad) sink_pad = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  if (v->classify)
    {
      sink = make_decoder (v);
      gst_bin_add (GST_BIN (v->pipeline), sink);
      sink_pad = gst_element_get_static_pad (sink, "sink");
      gst_element_sync_state_with_parent (sink);
      gst_pad_link (pad, sink_pad);
      return;
    }
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (v->pipeline), sink);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  if (v->full)
    gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, output_probe, v, NULL);
  gst_element_sync_state_with_parent (sink);
  gst_pad_link (pad, sink_pad);
}

/* ---------------------------------------------------------------------- */
/* one viewer                                                             */

static void
viewer_init (Viewer *v, gboolean full, gboolean classify)
{
  g_autoptr(GstCaps) caps = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;

  v->full = full || classify;
  v->classify = classify;
  v->pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  v->webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  if (v->webrtcbin == NULL)
    {
      g_printerr ("onair-bench-whep: webrtcbin is missing (gstreamer1.0-plugins-bad, gstreamer1.0-nice)\n");
      exit (1);
    }
  gst_util_set_object_arg (G_OBJECT (v->webrtcbin), "bundle-policy", "max-bundle");
  on_air_webrtcbin_disable_upnp (v->webrtcbin);
  /* Candidates on one address only: loopback (libnice leaves it out
   * unless told), or --bind's in a network namespace; no traffic to other
   * addresses. */
  on_air_webrtcbin_restrict_to_address (v->webrtcbin, local_address);
  gst_bin_add (GST_BIN (v->pipeline), v->webrtcbin);
  g_signal_connect (v->webrtcbin, "pad-added", G_CALLBACK (on_pad_added), v);

  /* Constrained baseline, packetization-mode 1: what On Air's payloader
   * group for these viewers is shared on. */
  caps = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
                               "payload=96,packetization-mode=(string)1,"
                               "profile-level-id=(string)42e01f");
  g_signal_emit_by_name (v->webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &transceiver);
  gst_clear_object (&transceiver);
  gst_element_set_state (v->pipeline, GST_STATE_PLAYING);
}

/* The offer with every candidate: ICE gathering is waited for. */
static char *
viewer_offer (Viewer *v, GError **error)
{
  return whep_webrtcbin_create_offer (v->webrtcbin, error);
}

static gboolean
viewer_answer (Viewer *v, const char *sdp, GError **error)
{
  if (!whep_webrtcbin_set_answer (v->webrtcbin, sdp, error))
    return FALSE;
  /* Before the first media packet: the transport exists by now. */
  if (!v->full)
    tap_transport (v);
  return TRUE;
}

static guint64
viewer_frames (Viewer *v)
{
  if (v->webrtcbin == NULL)
    return 0;
  if (!v->full)
    tap_transport (v);
  return g_atomic_pointer_get (&v->frames);
}

static void
viewer_clear (Viewer *v)
{
  if (v->pipeline != NULL)
    {
      gst_element_set_state (v->pipeline, GST_STATE_NULL);
      /* Let go once its DTLS timers have fired (on-air-webrtcbin.c). */
      on_air_webrtcbin_retire (g_steal_pointer (&v->pipeline));
      v->webrtcbin = NULL;
    }
}

static SoupMessage *
new_message (const char *method, const char *url, const char *token)
{
  SoupMessage *msg = soup_message_new (method, url);

  if (msg != NULL && token != NULL)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  return msg;
}

/* POSTs @offer for @v and applies the answer. */
static gboolean
post_offer (SoupSession *session, GUri *base, const char *token, Viewer *v, const char *offer, GError **error)
{
  g_autofree char *answer = NULL;
  g_autofree char *whep_url = NULL;
  g_autoptr(GUri) whep = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) request = NULL;
  const char *location;
  gint64 t0;

  whep = g_uri_parse_relative (base, "/whep", G_URI_FLAGS_NONE, error);
  if (whep == NULL)
    return FALSE;
  whep_url = g_uri_to_string (whep);
  msg = new_message ("POST", whep_url, token);
  request = g_bytes_new (offer, strlen (offer));
  soup_message_set_request_body_from_bytes (msg, "application/sdp", request);
  t0 = g_get_monotonic_time ();
  body = soup_session_send_and_read (session, msg, NULL, error);
  v->answer_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (body == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_CREATED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST /whep answered %u: %.*s",
                   soup_message_get_status (msg), (int) MIN (g_bytes_get_size (body), 200),
                   (const char *) g_bytes_get_data (body, NULL));
      return FALSE;
    }
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location != NULL)
    {
      g_autoptr(GUri) loc = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
      if (loc != NULL)
        v->location = g_uri_to_string (loc);
    }
  answer = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return viewer_answer (v, answer, error);
}

static gboolean
connect_viewer (SoupSession *session, GUri *base, const char *token, gboolean full, gboolean classify,
                Viewer *v, GError **error)
{
  g_autofree char *offer = NULL;

  viewer_init (v, full, classify);
  offer = viewer_offer (v, error);
  return offer != NULL && post_offer (session, base, token, v, offer, error);
}

/* --at-once: every viewer's offer is made first (as phones that opened
 * the page make theirs), then all are POSTed together, one thread and
 * one HTTP connection each: a class that scanned the QR code at once. */
typedef struct
{
  GMutex      lock;
  GCond       go;
  gboolean    released;
  GUri       *base;
  const char *token;
} Burst;

typedef struct
{
  Burst  *burst;
  Viewer *viewer;
  char   *offer;
  gboolean ok;
} BurstJoin;

static gpointer
burst_join (gpointer data)
{
  BurstJoin *join = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 20, NULL);
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&join->burst->lock);
  while (!join->burst->released)
    g_cond_wait (&join->burst->go, &join->burst->lock);
  g_mutex_unlock (&join->burst->lock);
  join->ok = post_offer (session, join->burst->base, join->burst->token, join->viewer, join->offer, &error);
  if (!join->ok)
    join->viewer->error = g_strdup (error->message);
  return NULL;
}

/* Returns how many joined; *@released: when the POSTs were let go. */
static guint
connect_at_once (GUri *base, const char *token, gboolean full, gboolean classify, Viewer *viewers, guint n,
                 gint64 *released)
{
  Burst burst = { .base = base, .token = token };
  g_autofree BurstJoin *joins = g_new0 (BurstJoin, n);
  g_autofree GThread **threads = g_new0 (GThread *, n);
  guint connected = 0;

  g_mutex_init (&burst.lock);
  g_cond_init (&burst.go);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      viewer_init (&viewers[i], full, classify);
      joins[i] = (BurstJoin) { &burst, &viewers[i], viewer_offer (&viewers[i], &error), FALSE };
      if (joins[i].offer == NULL)
        viewers[i].error = g_strdup (error->message);
      else
        threads[i] = g_thread_new ("join", burst_join, &joins[i]);
    }
  g_mutex_lock (&burst.lock);
  burst.released = TRUE;
  *released = g_get_monotonic_time ();
  g_cond_broadcast (&burst.go);
  g_mutex_unlock (&burst.lock);
  for (guint i = 0; i < n; i++)
    {
      if (threads[i] != NULL)
        g_thread_join (threads[i]);
      connected += joins[i].ok;
      g_free (joins[i].offer);
    }
  g_mutex_clear (&burst.lock);
  g_cond_clear (&burst.go);
  return connected;
}

/* Ends the session with DELETE; returns FALSE when the server did not
 * answer, so the caller stops asking. */
static gboolean
disconnect_viewer (SoupSession *session, const char *token, Viewer *v, gboolean ask)
{
  gboolean answered = TRUE;

  if (ask && v->location != NULL)
    {
      g_autoptr(SoupMessage) msg = new_message ("DELETE", v->location, token);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

      if (body == NULL)
        {
          g_printerr ("onair-bench-whep: DELETE %s: %s\n", v->location, error->message);
          answered = FALSE;
        }
      else if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        g_printerr ("onair-bench-whep: DELETE %s answered %u\n", v->location, soup_message_get_status (msg));
    }
  viewer_clear (v);
  return answered;
}

/* --sample-ms: the window in slices, each reported as a "sample" event
 * with the slowest and the median viewer's whole frames a second in it,
 * so that a dip of a second shows (a mean over the window hides it). */
static void
sample_window (Viewer *viewers, guint n, gint64 t0, double seconds, int sample_ms, GString *out)
{
  g_autofree guint64 *before = g_new0 (guint64, n);
  g_autofree double *rate = g_new0 (double, n);
  gint64 end = t0 + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 last = t0, next = t0;
  guint k;

  for (guint i = 0; i < n; i++)
    before[i] = viewers[i].whole_at_window;
  while (next < end)
    {
      gint64 now;

      next = MIN (next + (gint64) sample_ms * 1000, end);
      now = g_get_monotonic_time ();
      if (next > now)
        g_usleep ((gulong) (next - now));
      now = g_get_monotonic_time ();
      k = 0;
      for (guint i = 0; i < n; i++)
        {
          guint64 w = g_atomic_pointer_get (&viewers[i].whole);

          if (viewers[i].error == NULL)
            rate[k++] = (w - before[i]) / ((now - last) / (double) G_USEC_PER_SEC);
          before[i] = w;
        }
      last = now;
      if (k == 0)
        continue;
      qsort (rate, k, sizeof (double), bench_compare_double);
      g_string_printf (out, "{\"event\":\"sample\",\"t_s\":%.3f,\"unix_ms\":%.1f,\"whole_fps_min\":%.2f,"
                       "\"whole_fps_median\":%.2f}",
                       (now - t0) / (double) G_USEC_PER_SEC, g_get_real_time () / 1000.0, rate[0],
                       k % 2 ? rate[k / 2] : (rate[k / 2 - 1] + rate[k / 2]) / 2);
      bench_emit (out);
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("URL N SECONDS");
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) base = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree Viewer *viewers = NULL;
  g_autofree double *fps = NULL;
  g_autofree double *sorted = NULL;
  g_autofree double *whole = NULL;
  g_autofree double *answer_ms = NULL;
  const char *token = NULL;
  double warmup = 3, connect_timeout = 15, seconds, span, cpu0;
  double packets = 0, bytes = 0;
  gboolean hold = FALSE, full = FALSE, classify = FALSE, at_once = FALSE, server_answers = TRUE;
  int sample_ms = 0;
  g_autofree char *bind = NULL;
  g_autoptr(SoupSession) delete_session = NULL;
  GOptionEntry entries[] = {
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Seconds between the last first frame and the window", "S" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the viewers after the result until stdin closes", NULL },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout, "Seconds to wait for every viewer's first frame", "S" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, "Media through all of webrtcbin (SRTP, jitter buffer), counted at its output", NULL },
    { "classify", 0, 0, G_OPTION_ARG_NONE, &classify, "Decode every picture and report it: camera or slate", NULL },
    { "at-once", 0, 0, G_OPTION_ARG_NONE, &at_once, "Make every offer first, then POST them all together", NULL },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "The viewers' own address (default 127.0.0.1)", "ADDR" },
    { "sample-ms", 0, 0, G_OPTION_ARG_INT, &sample_ms, "Also report the window in samples of MS: the viewers' whole frames a second", "MS" },
    { NULL }
  };
  gint64 started, deadline, slowest = 0, slowest_real = 0, t0, t1;
  guint n, receiving = 0, connected = 0, stalled = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "N WHEP viewers in one process; prints JSON lines.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4)
    {
      g_printerr ("usage: onair-bench-whep URL N SECONDS [--warmup S] [--hold] [--connect-timeout S] [--full] "
                  "[--classify] [--at-once] [--bind ADDR] [--sample-ms MS]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  gst_init (NULL, NULL);
  if (bind != NULL)
    local_address = bind;

  base = g_uri_parse (argv[1], G_URI_FLAGS_NONE, &error);
  n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  seconds = g_ascii_strtod (argv[3], NULL);
  if (base == NULL || n == 0 || n > 1000 || seconds <= 0 || sample_ms < 0 || (sample_ms > 0 && (full || classify)))
    {
      g_printerr ("onair-bench-whep: need an http:// URL, N from 1 to 1000 and SECONDS > 0 "
                  "(--sample-ms: > 0, counting at the transport)\n");
      return 2;
    }
  if (g_uri_get_query (base) != NULL)
    {
      query = g_uri_parse_params (g_uri_get_query (base), -1, "&", G_URI_PARAMS_NONE, NULL);
      if (query != NULL)
        token = g_hash_table_lookup (query, "token");
    }

  session = soup_session_new_with_options ("timeout", 20, NULL);
  viewers = g_new0 (Viewer, n);
  fps = g_new0 (double, n);
  sorted = g_new0 (double, n);
  whole = g_new0 (double, n);
  answer_ms = g_new0 (double, n);

  started = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    viewers[i].index = i;
  if (at_once)
    connected = connect_at_once (base, token, full, classify, viewers, n, &started);
  else
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(GError) local = NULL;

        if (connect_viewer (session, base, token, full, classify, &viewers[i], &local))
          connected++;
        else
          viewers[i].error = g_strdup (local->message);
      }

  /* Every viewer has a frame, or the time is up. */
  deadline = g_get_monotonic_time () + (gint64) (connect_timeout * G_USEC_PER_SEC);
  do
    {
      receiving = 0;
      for (guint i = 0; i < n; i++)
        if (viewers[i].error == NULL && viewer_frames (&viewers[i]) > 0)
          {
            if (viewers[i].first_frame_us == 0)
              {
                viewers[i].first_frame_us = g_get_monotonic_time ();
                viewers[i].first_frame_real_us = g_get_real_time ();
                slowest = MAX (slowest, viewers[i].first_frame_us - started);
                slowest_real = MAX (slowest_real, viewers[i].first_frame_real_us);
              }
            receiving++;
          }
      if (receiving < connected)
        g_usleep (5000);
    }
  while (receiving < connected && g_get_monotonic_time () < deadline);

  for (guint i = 0; i < n; i++)
    answer_ms[i] = viewers[i].answer_ms;
  qsort (answer_ms, n, sizeof (double), bench_compare_double);
  out = g_string_new (NULL);
  g_string_printf (out, "{\"event\":\"connected\",\"receiving\":%u,\"failed\":%u,\"slowest_first_frame_ms\":%.1f,"
                   "\"slowest_first_frame_unix_ms\":%.1f,\"signalling_s\":%.2f,\"answer_ms_median\":%.1f,\"answer_ms_max\":%.1f,\"mode\":\"%s\"}",
                   receiving, n - receiving, slowest / 1000.0, slowest_real / 1000.0,
                   (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC,
                   n % 2 ? answer_ms[n / 2] : (answer_ms[n / 2 - 1] + answer_ms[n / 2]) / 2,
                   answer_ms[n - 1], classify ? "classify" : full ? "full" : "transport");
  bench_emit (out);

  g_usleep ((gulong) (warmup * G_USEC_PER_SEC));
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      viewers[i].frames_at_window = viewer_frames (&viewers[i]);
      viewers[i].whole_at_window = g_atomic_pointer_get (&viewers[i].whole);
      g_atomic_int_set (&viewers[i].longest_us, 0);
      g_atomic_int_set (&viewers[i].worst_second, G_MAXINT);
      g_atomic_pointer_set (&viewers[i].count_from_us, g_get_monotonic_time ());
      viewers[i].packets_at_window = g_atomic_pointer_get (&viewers[i].dropped);
      viewers[i].bytes_at_window = g_atomic_pointer_get (&viewers[i].bytes);
    }
  cpu0 = bench_cpu_seconds ();
  g_string_assign (out, "{\"event\":\"window_start\"}");
  bench_emit (out);

  if (sample_ms > 0)
    sample_window (viewers, n, t0, seconds, sample_ms, out);
  else
    g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  t1 = g_get_monotonic_time ();
  span = (t1 - t0) / (double) G_USEC_PER_SEC;
  for (guint i = 0; i < n; i++)
    {
      whole[i] = (g_atomic_pointer_get (&viewers[i].whole) - viewers[i].whole_at_window) / span;
      fps[i] = (viewer_frames (&viewers[i]) - viewers[i].frames_at_window) / span;
      packets += (g_atomic_pointer_get (&viewers[i].dropped) - viewers[i].packets_at_window) / span;
      bytes += (g_atomic_pointer_get (&viewers[i].bytes) - viewers[i].bytes_at_window) / span;
      sorted[i] = fps[i];
      if (viewers[i].error == NULL && fps[i] == 0)
        stalled++;
    }
  qsort (sorted, n, sizeof (double), bench_compare_double);

  g_string_printf (out, "{\"event\":\"result\",\"viewers\":%u,\"open\":%u,\"failed\":%u,\"stalled\":%u,"
                   "\"window_s\":%.3f,\"fps\":[", n, connected, n - connected, stalled, span);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%.2f", i ? "," : "", fps[i]);
  g_string_append_printf (out, "],\"fps_min\":%.2f,\"fps_median\":%.2f,\"fps_max\":%.2f",
                          sorted[0],
                          n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
                          sorted[n - 1]);
  if (!full && !classify)
    {
      qsort (whole, n, sizeof (double), bench_compare_double);
      gint longest = 0;
      gint worst_second = G_MAXINT;

      for (guint i = 0; i < n; i++)
        {
          longest = MAX (longest, g_atomic_int_get (&viewers[i].longest_us));
          /* A viewer that never got a frame is stalled, counted above;
           * one that failed counts nowhere. */
          if (viewers[i].error == NULL)
            worst_second = MIN (worst_second, g_atomic_int_get (&viewers[i].worst_second));
        }
      g_string_append_printf (out, ",\"whole_fps_min\":%.2f,\"whole_fps_median\":%.2f,\"longest_wait_ms\":%.1f,"
                              "\"worst_second_whole\":%d",
                              whole[0], n % 2 ? whole[n / 2] : (whole[n / 2 - 1] + whole[n / 2]) / 2,
                              longest / 1000.0, worst_second == G_MAXINT ? -1 : worst_second);
    }
  g_string_append_printf (out, ",\"client_cpu_percent\":%.1f",
                          (bench_cpu_seconds () - cpu0) / span * 100);
  /* Media packets and bytes per second, mean over viewers (transport
   * counting only: --full counts frames after webrtcbin). */
  if (!full && !classify && connected > 0)
    g_string_append_printf (out, ",\"packets_per_s\":%.1f,\"bytes_per_s\":%.0f",
                            packets / connected, bytes / connected);
  g_string_append (out, ",\"errors\":[");
  for (guint i = 0, k = 0; i < n; i++)
    if (viewers[i].error != NULL)
      {
        g_autofree char *escaped = g_strescape (viewers[i].error, NULL);
        g_string_append_printf (out, "%s\"viewer %u: %s\"", k++ ? "," : "", i, escaped);
      }
  g_string_append (out, "]}");
  bench_emit (out);

  if (hold)
    {
      char buf[256];
      while (read (0, buf, sizeof buf) > 0)
        ;
    }

  /* A server that stopped answering is not asked n more times. */
  delete_session = soup_session_new_with_options ("timeout", DELETE_TIMEOUT_S, NULL);
  for (guint i = 0; i < n; i++)
    {
      server_answers = disconnect_viewer (delete_session, token, &viewers[i], server_answers) && server_answers;
      g_free (viewers[i].location);
      g_free (viewers[i].error);
    }
  return 0;
}
