/* on-air-audio-fanout.c
 *
 * WebRTC viewers' sound: viewers whose offers agree on Opus's payload
 * type share one payloader (queue ! rtpopuspay ! tee) on the Opus stage;
 * each viewer is a tap, a leaky queue into a sink pad of its webrtcbin,
 * in the same media stream as its video so that the browser plays them in
 * sync (RTCP sender reports from one pipeline clock do the rest). A tap
 * holds its packets until the viewer's ICE is up, as the video's does.
 * The Opus stage, and with it the encoder, is held while any tap exists.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-audio-fanout"

#include "config.h"

#include <gst/webrtc/webrtc.h>

#include "on-air-audio-private.h"

/* A viewer that falls behind sheds sound after this much, rather than
 * playing it late: the browser conceals the gap. */
#define TAP_QUEUE_MAX_TIME (200 * GST_MSECOND)

typedef struct
{
  guint       pt;
  guint       users;
  GPtrArray  *elements; /* queue ! rtpopuspay ! tee */
  GstPad     *request_pad;
  GstElement *tee;
} AudioGroup;

struct _OnAirAudioTap
{
  AudioGroup *group;
  GstElement *queue;
  GstElement *webrtcbin;
  GstPad     *tee_pad;
  GstPad     *webrtc_pad;
  gint        open;    /* atomic */
  gssize      packets; /* atomic */
};

/* ---------------------------------------------------------------------- */
/* the offer                                                              */

static gboolean
media_receives (const GstSDPMedia *media)
{
  /* Port 0 is no refusal here: a max-bundle offer may mark every m-line
   * but the first bundle-only, with port 0. */
  return gst_sdp_media_get_attribute_val (media, "sendonly") == NULL &&
         gst_sdp_media_get_attribute_val (media, "inactive") == NULL;
}

gboolean
on_air_sdp_choose_audio (const GstSDPMessage *offer, guint *pt)
{
  g_return_val_if_fail (offer != NULL, FALSE);

  for (guint m = 0; m < gst_sdp_message_medias_len (offer); m++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer, m);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") != 0)
        continue;
      if (!media_receives (media))
        return FALSE;
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
        {
          const char *fmt = gst_sdp_media_get_format (media, f);
          char *end = NULL;
          guint64 p = g_ascii_strtoull (fmt, &end, 10);
          g_autoptr(GstCaps) caps = NULL;
          const GstStructure *s;

          if (end == fmt || *end != '\0' || p < 96 || p > 127)
            continue;
          caps = gst_sdp_media_get_caps_from_media (media, (int) p);
          if (caps == NULL || gst_caps_is_empty (caps))
            continue;
          s = gst_caps_get_structure (caps, 0);
          if (g_strcmp0 (gst_structure_get_string (s, "encoding-name"), "OPUS") == 0)
            {
              *pt = p;
              return TRUE;
            }
        }
      return FALSE; /* only the first audio m-line counts */
    }
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* payloader groups                                                       */

static AudioGroup *
group_acquire (OnAirBroadcast *self, guint pt)
{
  OnAirAudio *audio = self->audio;
  AudioGroup *group;
  GstElement *pay;

  for (guint i = 0; i < audio->groups->len; i++)
    {
      group = g_ptr_array_index (audio->groups, i);
      if (group->pt == pt)
        {
          group->users++;
          return group;
        }
    }
  pay = gst_element_factory_make ("rtpopuspay", NULL);
  if (pay == NULL)
    return NULL;
  /* The encoder's DTX frames (a few bytes of silence) are sent, not
   * dropped: with gaps in the sound, Chromium held the picture back for
   * lip sync and the page, seeing no frame for 3 s, fell back to MJPEG
   * (about one load in three, e2e tests). */
  g_object_set (pay, "pt", pt, NULL);

  group = g_new0 (AudioGroup, 1);
  group->pt = pt;
  group->users = 1;
  group->tee = gst_element_factory_make ("tee", NULL);
  g_object_set (group->tee, "allow-not-linked", TRUE, NULL);
  group->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  g_ptr_array_add (group->elements, gst_object_ref_sink (on_air_make_queue (FALSE, 0, 200 * GST_MSECOND)));
  g_ptr_array_add (group->elements, gst_object_ref_sink (pay));
  g_ptr_array_add (group->elements, gst_object_ref_sink (group->tee));
  on_air_audio_opus_acquire (self);
  group->request_pad = on_air_audio_chain_attach (self, audio->opus_tee, group->elements, NULL);
  g_ptr_array_add (audio->groups, group);
  return group;
}

static void
group_release (OnAirBroadcast *self, AudioGroup *group)
{
  if (--group->users > 0)
    return;
  g_ptr_array_remove (self->audio->groups, group);
  on_air_audio_chain_free (self, self->audio->opus_tee, group->request_pad, group->elements);
  on_air_audio_opus_release (self);
  g_free (group);
}

/* ---------------------------------------------------------------------- */
/* taps                                                                   */

static GstPadProbeReturn
hold_until_open_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirAudioTap *tap = user_data;

  if (!g_atomic_int_get (&tap->open))
    return GST_PAD_PROBE_DROP;
  g_atomic_pointer_add (&tap->packets, 1);
  return GST_PAD_PROBE_OK;
}

/* The same media stream id on every sink pad of @webrtcbin: browsers
 * synchronise only tracks of one stream. */
static void
share_msid (GstElement *webrtcbin, const char *msid)
{
  g_autoptr(GstIterator) it = gst_element_iterate_sink_pads (webrtcbin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GObject *pad = g_value_get_object (&item);

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "msid") != NULL)
        g_object_set (pad, "msid", msid, NULL);
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

OnAirAudioTap *
on_air_broadcast_attach_audio (OnAirBroadcast *self, GstElement *webrtcbin, guint pt, const char *msid)
{
  OnAirAudioTap *tap;
  AudioGroup *group;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) queue_sink = NULL;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), NULL);
  g_return_val_if_fail (pt >= 96 && pt <= 127, NULL);

  if (self->pipeline == NULL || self->audio->opus_tee == NULL)
    return NULL;
  group = group_acquire (self, pt);
  if (group == NULL)
    return NULL;

  tap = g_new0 (OnAirAudioTap, 1);
  tap->group = group;
  tap->webrtcbin = gst_object_ref (webrtcbin);
  tap->queue = gst_object_ref (on_air_make_queue (TRUE, 0, TAP_QUEUE_MAX_TIME));
  gst_bin_add (GST_BIN (self->pipeline), tap->queue);
  queue_src = gst_element_get_static_pad (tap->queue, "src");
  tap->webrtc_pad = gst_element_request_pad_simple (webrtcbin, "sink_%u");
  gst_pad_link (queue_src, tap->webrtc_pad);
  share_msid (webrtcbin, msid);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, hold_until_open_probe, tap, NULL);
  gst_element_sync_state_with_parent (tap->queue);

  queue_sink = gst_element_get_static_pad (tap->queue, "sink");
  tap->tee_pad = on_air_request_viewer_pad (group->tee);
  gst_pad_link (tap->tee_pad, queue_sink);
  g_ptr_array_add (self->audio->taps, tap);
  return tap;
}

void
on_air_broadcast_open_audio (OnAirBroadcast *self, OnAirAudioTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  g_atomic_int_set (&tap->open, 1);
}

void
on_air_broadcast_detach_audio (OnAirBroadcast *self, OnAirAudioTap *tap)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (tap != NULL);

  if (!g_ptr_array_remove (self->audio->taps, tap))
    return;
  gst_pad_unlink (tap->tee_pad, GST_PAD_PEER (tap->tee_pad));
  gst_element_release_request_pad (tap->group->tee, tap->tee_pad);
  gst_clear_object (&tap->tee_pad);
  /* The viewer's webrtcbin is the video tap's to stop; its pad goes. */
  gst_element_set_state (tap->queue, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), tap->queue);
  if (GST_OBJECT_PARENT (tap->webrtc_pad) != NULL)
    gst_element_release_request_pad (tap->webrtcbin, tap->webrtc_pad);
  gst_clear_object (&tap->webrtc_pad);
  gst_clear_object (&tap->queue);
  gst_clear_object (&tap->webrtcbin);
  group_release (self, tap->group);
  g_free (tap);
}

guint64
on_air_audio_tap_get_packets_sent (OnAirAudioTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return g_atomic_pointer_get (&tap->packets);
}

/* The pipeline stops: peers let go of their taps when their video tap is
 * lost; any left are detached here. */
void
on_air_audio_fanout_lose_all (OnAirBroadcast *self)
{
  while (self->audio->taps->len > 0)
    on_air_broadcast_detach_audio (self, g_ptr_array_index (self->audio->taps, self->audio->taps->len - 1));
}
