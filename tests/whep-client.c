/* whep-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "on-air-rtp.h"
#include "on-air-webrtc-peer.h"
#include "test-util.h"
#include "whep-audio.h"
#include "whep-client.h"

struct _WhepViewer
{
  GstElement *pipeline;
  GstElement *webrtcbin;
  char       *codec;
  gboolean    decode;
  gssize      frames; /* atomic */
  GMutex      lock;
  int         width;
  int         height;
  /* The first frame received, under lock. */
  gboolean    first_seen;     /* its first packet came */
  gboolean    first_done;     /* a packet of the next one came */
  guint32     first_ts;
  gboolean    first_whole;    /* its first packet starts a NAL unit */
  gboolean    first_has_idr;
  /* The newest decoded picture's top-left colour, under lock. */
  guint8      corner[3];
  gboolean    corner_seen;
  /* With whep_viewer_want_audio(): the sound, decoded and measured. */
  WhepAudio  *audio;
  /* whep_viewer_set_loss(): RTP packets dropped per thousand, as a weak
   * link would. */
  gint        loss_permille; /* atomic */
  gboolean    losing;
  /* The video packets that came through, under lock: a jump in their
   * sequence numbers (more than a loss could make) or a new SSRC. */
  gboolean    seq_seen;
  guint16     last_seq;
  guint32     last_ssrc;
  guint       discontinuities;
  /* The decrypted video, in order, under lock: frames that came after a
   * gap in the sequence numbers and before a keyframe (a decoder cannot
   * show them). */
  gboolean    order_seen;
  guint16     order_seq;
  guint32     order_ts;
  gboolean    broken;         /* a gap, and no keyframe since */
  gboolean    frame_broken;   /* the current frame began while broken */
  gboolean    frame_key;      /* the current frame carries a keyframe */
  guint       gaps;
  guint       undecodable;
};

/* H.264 RTP (RFC 6184): whether @p starts a NAL unit (a FU-A fragment
 * other than the first does not), and whether it carries an IDR slice. */
static void
h264_packet_info (const guint8 *p, guint len, gboolean *starts, gboolean *idr)
{
  guint type = len > 0 ? p[0] & 0x1f : 0;

  *starts = TRUE;
  *idr = FALSE;
  if (type == 24) /* STAP-A: 16-bit size, then the NAL unit, repeated */
    {
      for (guint i = 1; i + 2 < len;)
        {
          guint size = (p[i] << 8) | p[i + 1];

          if ((p[i + 2] & 0x1f) == 5)
            *idr = TRUE;
          i += 2 + size;
        }
    }
  else if (type == 28 && len > 1) /* FU-A */
    {
      *starts = (p[1] & 0x80) != 0;
      *idr = (p[1] & 0x1f) == 5;
    }
  else
    *idr = type == 5;
}

/* Under lock: one packet of the decrypted video, in the order webrtcbin
 * gives them. */
static void
note_order (WhepViewer *viewer, guint16 seq, guint32 ts, gboolean idr)
{
  if (viewer->order_seen && seq != (guint16) (viewer->order_seq + 1))
    {
      viewer->gaps++;
      viewer->broken = TRUE;
    }
  if (!viewer->order_seen || ts != viewer->order_ts)
    {
      if (viewer->order_seen && viewer->frame_broken && !viewer->frame_key)
        viewer->undecodable++;
      viewer->order_ts = ts;
      viewer->frame_broken = viewer->broken;
      viewer->frame_key = FALSE;
    }
  if (idr)
    {
      viewer->frame_key = TRUE;
      viewer->broken = FALSE;
    }
  viewer->order_seen = TRUE;
  viewer->order_seq = seq;
}

static GstPadProbeReturn
video_packet_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepViewer *viewer = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gboolean h264 = g_str_equal (viewer->codec, "H264");
  gboolean starts = FALSE, idr = FALSE;
  guint32 ts;
  guint16 seq;

  if (!gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  ts = gst_rtp_buffer_get_timestamp (&rtp);
  seq = gst_rtp_buffer_get_seq (&rtp);
  if (h264)
    h264_packet_info (gst_rtp_buffer_get_payload (&rtp), gst_rtp_buffer_get_payload_len (&rtp), &starts, &idr);
  gst_rtp_buffer_unmap (&rtp);
  if (!h264)
    starts = idr = on_air_rtp_starts_keyframe (GST_PAD_PROBE_INFO_BUFFER (info), ON_AIR_CODEC_VP8);

  g_mutex_lock (&viewer->lock);
  note_order (viewer, seq, ts, idr);
  if (!viewer->first_seen)
    {
      viewer->first_seen = TRUE;
      viewer->first_ts = ts;
      viewer->first_whole = starts;
    }
  if (ts != viewer->first_ts)
    viewer->first_done = TRUE;
  else if (idr)
    viewer->first_has_idr = TRUE;
  g_mutex_unlock (&viewer->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepViewer *viewer = user_data;

  if (viewer->decode || on_air_rtp_ends_frame (GST_PAD_PROBE_INFO_BUFFER (info)))
    g_atomic_pointer_add (&viewer->frames, 1);
  return GST_PAD_PROBE_OK;
}

/* A decoded picture, shrunk to 16×9 RGB: its top-left pixel. */
static GstPadProbeReturn
corner_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepViewer *viewer = user_data;
  GstMapInfo map;

  if (gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    {
      g_mutex_lock (&viewer->lock);
      memcpy (viewer->corner, map.data, 3);
      viewer->corner_seen = TRUE;
      g_mutex_unlock (&viewer->lock);
      gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
    }
  return GST_PAD_PROBE_OK;
}

gboolean
whep_viewer_get_corner (WhepViewer *viewer, guint8 rgb[3])
{
  gboolean seen;

  g_mutex_lock (&viewer->lock);
  seen = viewer->corner_seen;
  memcpy (rgb, viewer->corner, 3);
  g_mutex_unlock (&viewer->lock);
  return seen;
}

static GstPadProbeReturn
caps_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepViewer *viewer = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
    {
      GstCaps *caps;
      GstStructure *s;

      gst_event_parse_caps (event, &caps);
      s = gst_caps_get_structure (caps, 0);
      g_mutex_lock (&viewer->lock);
      gst_structure_get_int (s, "width", &viewer->width);
      gst_structure_get_int (s, "height", &viewer->height);
      g_mutex_unlock (&viewer->lock);
    }
  return GST_PAD_PROBE_OK;
}

/* Opus from @pad, if it is sound: decoded to 48-kHz mono and measured. */
static gboolean
add_audio_branch (WhepViewer *viewer, GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) sink_pad = NULL;
  g_autoptr(GstPad) bin_sink = NULL;
  GstElement *bin;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0), "media"), "audio") != 0)
    return FALSE;
  bin = gst_parse_bin_from_description ("queue ! rtpopusdepay ! opusdec plc=true ! audioconvert ! audioresample ! "
                                        "audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
                                        "fakesink name=asink sync=false async=false", TRUE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (viewer->pipeline), bin);
  sink = gst_bin_get_by_name (GST_BIN (bin), "asink");
  sink_pad = gst_element_get_static_pad (sink, "sink");
  whep_audio_watch_audio (viewer->audio, sink_pad);
  gst_element_sync_state_with_parent (bin);
  bin_sink = gst_element_get_static_pad (bin, "sink");
  gst_pad_link (pad, bin_sink);
  return TRUE;
}

static void
on_pad_added (GstElement *webrtcbin, GstPad *pad, gpointer user_data)
{
  WhepViewer *viewer = user_data;
  g_autofree char *desc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sink_pad = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) count_pad = NULL;
  GstElement *bin;
  gboolean h264 = g_str_equal (viewer->codec, "H264");

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  if (viewer->audio != NULL && add_audio_branch (viewer, pad))
    return;

  if (viewer->decode)
    desc = g_strdup_printf ("queue ! %s ! %s ! tee name=t ! queue ! fakesink name=sink sync=false async=false "
                            "t. ! queue leaky=downstream max-size-buffers=1 ! videoscale ! videoconvert ! "
                            "video/x-raw,format=RGB,width=16,height=9 ! fakesink name=corner sync=false async=false",
                            h264 ? "rtph264depay ! h264parse" : "rtpvp8depay",
                            h264 ? test_h264_decoder () : "vp8dec max-errors=-1");
  else
    desc = g_strdup ("fakesink name=sink sync=false async=false");

  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (viewer->pipeline), bin);
  sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  if (viewer->decode)
    {
      g_autoptr(GstElement) corner = gst_bin_get_by_name (GST_BIN (bin), "corner");
      g_autoptr(GstPad) corner_pad = gst_element_get_static_pad (corner, "sink");

      gst_pad_add_probe (corner_pad, GST_PAD_PROBE_TYPE_BUFFER, corner_probe, viewer, NULL);
    }
  count_pad = gst_element_get_static_pad (sink, "sink");
  if (viewer->audio != NULL && viewer->decode)
    whep_audio_watch_video (viewer->audio, count_pad);
  gst_pad_add_probe (count_pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, viewer, NULL);
  gst_pad_add_probe (count_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, caps_probe, viewer, NULL);
  gst_element_sync_state_with_parent (bin);
  sink_pad = gst_element_get_static_pad (bin, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, video_packet_probe, viewer, NULL);
  gst_pad_link (pad, sink_pad);
}

/* On libnice's source pads, before webrtcbin: SRTP packets are RTP or
 * RTCP in the clear as far as their first two bytes go (RFC 3711), and
 * only RTP media is dropped; DTLS, STUN and RTCP pass. */
static GstPadProbeReturn
lose_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WhepViewer *viewer = user_data;
  gint permille = g_atomic_int_get (&viewer->loss_permille);
  guint8 head[12];

  if (!(GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) ||
      gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, head, 12) != 12 ||
      (head[0] & 0xc0) != 0x80 || (head[1] >= 192 && head[1] <= 223))
    return GST_PAD_PROBE_OK;
  if (permille > 0 && g_random_int_range (0, 1000) < permille)
    return GST_PAD_PROBE_DROP;
  if ((head[1] & 0x7f) == 96)
    {
      guint16 seq = (guint16) ((head[2] << 8) | head[3]);
      guint32 ssrc = GST_READ_UINT32_BE (head + 8);

      g_mutex_lock (&viewer->lock);
      if (viewer->seq_seen && (ssrc != viewer->last_ssrc || (guint16) (seq - viewer->last_seq) > 1000))
        viewer->discontinuities++;
      viewer->seq_seen = TRUE;
      viewer->last_seq = seq;
      viewer->last_ssrc = ssrc;
      g_mutex_unlock (&viewer->lock);
    }
  return GST_PAD_PROBE_OK;
}

guint
whep_viewer_get_discontinuities (WhepViewer *viewer)
{
  guint n;

  g_mutex_lock (&viewer->lock);
  n = viewer->discontinuities;
  g_mutex_unlock (&viewer->lock);
  return n;
}

void
whep_viewer_set_loss (WhepViewer *viewer, guint percent)
{
  g_atomic_int_set (&viewer->loss_permille, (gint) percent * 10);
  if (!viewer->losing)
    {
      g_autoptr(GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (viewer->webrtcbin), "rtpbin");
      g_autoptr(GObject) session = NULL;

      viewer->losing = TRUE;
      on_air_webrtcbin_probe_received (viewer->webrtcbin, lose_probe, viewer);
      /* Receiver reports every half second, as browsers send them about
       * every second (RFC 3550's minimum of 5 s would make this slow). */
      g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
      g_object_set (session, "rtcp-min-interval", (guint64) (500 * GST_MSECOND), NULL);
    }
}

WhepViewer *
whep_viewer_new (const char *codec, gboolean decode)
{
  WhepViewer *viewer = g_new0 (WhepViewer, 1);
  g_autoptr(GstCaps) caps = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;

  g_mutex_init (&viewer->lock);
  viewer->codec = g_strdup (codec);
  viewer->decode = decode;
  viewer->pipeline = gst_pipeline_new (NULL);
  gst_object_ref_sink (viewer->pipeline);
  viewer->webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  g_assert_nonnull (viewer->webrtcbin);
  gst_util_set_object_arg (G_OBJECT (viewer->webrtcbin), "bundle-policy", "max-bundle");
  on_air_webrtcbin_disable_upnp (viewer->webrtcbin);
  /* The servers it talks to listen on loopback: no traffic to other
   * addresses (libnice leaves loopback out unless told). */
  on_air_webrtcbin_restrict_to_address (viewer->webrtcbin, "127.0.0.1");
  gst_bin_add (GST_BIN (viewer->pipeline), viewer->webrtcbin);
  g_signal_connect (viewer->webrtcbin, "pad-added", G_CALLBACK (on_pad_added), viewer);

  if (g_str_equal (codec, "H264"))
    caps = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
                                 "payload=96,packetization-mode=(string)1,"
                                 "profile-level-id=(string)42e01f");
  else
    caps = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"
                                 "payload=97");
  g_signal_emit_by_name (viewer->webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &transceiver);
  gst_clear_object (&transceiver);
  gst_element_set_state (viewer->pipeline, GST_STATE_PLAYING);
  return viewer;
}

void
whep_viewer_want_audio (WhepViewer *viewer, guint pt, guint latency_ms)
{
  g_autoptr(GstCaps) caps = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;

  g_assert_null (viewer->audio);
  viewer->audio = whep_audio_new ();
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                              "encoding-name", G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, 48000,
                              "encoding-params", G_TYPE_STRING, "2", "payload", G_TYPE_INT, (int) pt, NULL);
  g_signal_emit_by_name (viewer->webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &transceiver);
  gst_clear_object (&transceiver);
  if (latency_ms > 0)
    g_object_set (viewer->webrtcbin, "latency", latency_ms, NULL);
}

WhepAudio *
whep_viewer_get_audio (WhepViewer *viewer)
{
  return viewer->audio;
}

char *
whep_viewer_create_offer (WhepViewer *viewer, GError **error)
{
  return whep_webrtcbin_create_offer (viewer->webrtcbin, error);
}

gboolean
whep_viewer_set_answer (WhepViewer *viewer, const char *sdp, GError **error)
{
  return whep_webrtcbin_set_answer (viewer->webrtcbin, sdp, error);
}

/* Sets @desc (consumed) as the local description and returns it as SDP
 * text once ICE gathering is complete (at most 5 s), every candidate in it. */
static char *
set_local_and_gather (GstElement *webrtcbin, GstWebRTCSessionDescription *desc, GError **error)
{
  GstPromise *promise = gst_promise_new ();
  GstWebRTCICEGatheringState gathering;
  GstWebRTCSessionDescription *local = NULL;
  gint64 deadline;
  char *text;

  g_signal_emit_by_name (webrtcbin, "set-local-description", desc, promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  do
    {
      g_object_get (webrtcbin, "ice-gathering-state", &gathering, NULL);
      if (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        g_usleep (2000);
    }
  while (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && g_get_monotonic_time () < deadline);

  g_object_get (webrtcbin, "local-description", &local, NULL);
  if (local == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No local description");
      return NULL;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  return text;
}

/* Emits @signal ("create-offer" or "create-answer") and returns the
 * description in its reply's @field, or NULL. */
static GstWebRTCSessionDescription *
create_description (GstElement *webrtcbin, const char *signal, const char *field)
{
  GstPromise *promise = gst_promise_new ();
  GstWebRTCSessionDescription *desc = NULL;
  const GstStructure *reply;

  g_signal_emit_by_name (webrtcbin, signal, NULL, promise);
  gst_promise_wait (promise);
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, field))
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  return desc;
}

char *
whep_webrtcbin_create_offer (GstElement *webrtcbin, GError **error)
{
  GstWebRTCSessionDescription *offer = create_description (webrtcbin, "create-offer", "offer");

  if (offer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No offer");
      return NULL;
    }
  return set_local_and_gather (webrtcbin, offer, error);
}

/* Parses @sdp and applies it as the remote description of type @type. */
static gboolean
set_remote (GstElement *webrtcbin, const char *sdp, GstWebRTCSDPType type, GError **error)
{
  GstSDPMessage *msg = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) sdp, strlen (sdp), msg) != GST_SDP_OK ||
      gst_sdp_message_medias_len (msg) == 0)
    {
      gst_sdp_message_free (msg);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The body is not an SDP %s",
                   type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
      return FALSE;
    }
  desc = gst_webrtc_session_description_new (type, msg);
  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-remote-description", desc, promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
  return TRUE;
}

char *
whep_webrtcbin_answer (GstElement *webrtcbin, const char *offer_sdp, GError **error)
{
  GstWebRTCSessionDescription *answer;

  if (!set_remote (webrtcbin, offer_sdp, GST_WEBRTC_SDP_TYPE_OFFER, error))
    return NULL;
  answer = create_description (webrtcbin, "create-answer", "answer");
  if (answer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "No answer to this offer");
      return NULL;
    }
  return set_local_and_gather (webrtcbin, answer, error);
}

gboolean
whep_webrtcbin_set_answer (GstElement *webrtcbin, const char *sdp, GError **error)
{
  return set_remote (webrtcbin, sdp, GST_WEBRTC_SDP_TYPE_ANSWER, error);
}

guint64
whep_viewer_get_frames (WhepViewer *viewer)
{
  return g_atomic_pointer_get (&viewer->frames);
}

guint
whep_viewer_get_undecodable_frames (WhepViewer *viewer, guint *gaps)
{
  guint n;

  g_mutex_lock (&viewer->lock);
  n = viewer->undecodable;
  *gaps = viewer->gaps;
  g_mutex_unlock (&viewer->lock);
  return n;
}

gboolean
whep_viewer_first_frame_is_keyframe (WhepViewer *viewer, gboolean *known)
{
  gboolean key;

  g_mutex_lock (&viewer->lock);
  *known = viewer->first_done;
  key = viewer->first_done && viewer->first_whole && viewer->first_has_idr;
  g_mutex_unlock (&viewer->lock);
  return key;
}

gboolean
whep_viewer_get_size (WhepViewer *viewer, int *width, int *height)
{
  gboolean known;

  g_mutex_lock (&viewer->lock);
  *width = viewer->width;
  *height = viewer->height;
  known = viewer->width > 0;
  g_mutex_unlock (&viewer->lock);
  return known;
}

void
whep_viewer_free (WhepViewer *viewer)
{
  gst_element_set_state (viewer->pipeline, GST_STATE_NULL);
  on_air_webrtcbin_retire (viewer->pipeline);
  g_clear_pointer (&viewer->audio, whep_audio_free);
  g_mutex_clear (&viewer->lock);
  g_free (viewer->codec);
  g_free (viewer);
}
