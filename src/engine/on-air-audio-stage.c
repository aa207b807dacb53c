/* on-air-audio-stage.c
 *
 * The broadcast's sound, as two stages beside the video's: raw audio and
 * Opus. The raw stage is an audiomixer fed by a live silence source and,
 * while there is one, the source's own sound: so viewers get silence on
 * the same Opus stream while the slate runs or a source has no audio, and
 * every sound is clocked by the pipeline clock, as the video is. The Opus
 * stage is fed by one encoder (48 kHz, 20 ms, in-band FEC, DTX) that
 * exists only while a viewer takes sound, or by an RTSP camera's own Opus,
 * untouched. Mute is applied at the one place all sound goes through, so
 * it takes effect at once for every viewer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-audio-stage"

#include "config.h"

#include <stdlib.h>

#include "on-air-audio-private.h"

/* What a late source buffer may take before the mixer goes on without it. */
#define MIXER_LATENCY (10 * GST_MSECOND)
/* The level's window, in samples: 100 ms. */
#define LEVEL_WINDOW (ON_AIR_AUDIO_RATE / 10)

/* ---------------------------------------------------------------------- */
/* element chains off an audio tee                                        */

GstPad *
on_air_audio_chain_attach (OnAirBroadcast *self, GstElement *from, GPtrArray *elements, GstPad *to)
{
  g_autoptr(GstPad) first_sink = NULL;
  GstPad *request;

  g_assert (elements->len > 0);
  for (guint i = 0; i < elements->len; i++)
    gst_bin_add (GST_BIN (self->pipeline), g_ptr_array_index (elements, i));
  for (guint i = 0; i + 1 < elements->len; i++)
    if (!gst_element_link (g_ptr_array_index (elements, i), g_ptr_array_index (elements, i + 1)))
      g_critical ("Cannot link an audio chain");
  if (to != NULL)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (g_ptr_array_index (elements, elements->len - 1), "src");

      gst_pad_link (last_src, to);
    }
  for (guint i = elements->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (elements, i - 1));
  request = gst_element_request_pad_simple (from, "src_%u");
  first_sink = gst_element_get_static_pad (g_ptr_array_index (elements, 0), "sink");
  gst_pad_link (request, first_sink);
  return request;
}

void
on_air_audio_chain_free (OnAirBroadcast *self, GstElement *from, GstPad *request_pad, GPtrArray *elements)
{
  if (request_pad != NULL)
    {
      g_autoptr(GstPad) peer = gst_pad_get_peer (request_pad);

      if (peer != NULL)
        gst_pad_unlink (request_pad, peer);
      gst_element_release_request_pad (from, request_pad);
      gst_object_unref (request_pad);
    }
  /* Downstream first, as with the video's branches. */
  for (guint i = elements->len; i > 0; i--)
    {
      GstElement *element = g_ptr_array_index (elements, i - 1);

      gst_element_set_state (element, GST_STATE_NULL);
      if (self->pipeline != NULL && GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
        gst_bin_remove (GST_BIN (self->pipeline), element);
    }
  g_ptr_array_unref (elements);
}

static GPtrArray *
element_list (void)
{
  return g_ptr_array_new_with_free_func (gst_object_unref);
}

static void
list_add (GPtrArray *list, GstElement *element)
{
  g_ptr_array_add (list, gst_object_ref_sink (element));
}

/* ---------------------------------------------------------------------- */
/* the Opus encoder                                                       */

static void
start_encoder (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;
  g_autoptr(GstPad) opus_sink = gst_element_get_static_pad (audio->opus_tee, "sink");
  GstElement *enc = gst_element_factory_make ("opusenc", NULL);

  g_assert (audio->encoder == NULL);
  if (enc == NULL)
    {
      g_message ("No Opus encoder (opusenc): viewers get no sound");
      return;
    }
  g_object_set (enc, "bitrate", 32000, "inband-fec", TRUE, "dtx", TRUE,
                /* FEC is only written when the encoder expects loss. */
                "packet-loss-percentage", 10, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "frame-size", "20");
  audio->encoder = element_list ();
  /* A slow encoder sheds input instead of delaying the sound. */
  list_add (audio->encoder, on_air_make_queue (TRUE, 0, 100 * GST_MSECOND));
  list_add (audio->encoder, enc);
  audio->encoder_pad = on_air_audio_chain_attach (self, audio->raw_tee, audio->encoder, opus_sink);
  g_debug ("Started raw audio → opus");
}

static void
stop_encoder (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;

  if (audio->encoder == NULL)
    return;
  on_air_audio_chain_free (self, audio->raw_tee, g_steal_pointer (&audio->encoder_pad),
                           g_steal_pointer (&audio->encoder));
  g_debug ("Stopped raw audio → opus");
}

void
on_air_audio_opus_acquire (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;

  if (audio->opus_users++ == 0 && !audio->passthrough)
    start_encoder (self);
}

void
on_air_audio_opus_release (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;

  g_assert (audio->opus_users > 0);
  if (--audio->opus_users == 0)
    stop_encoder (self);
}

/* Main context: @pad (a source unit's Opus) feeds the Opus stage in place
 * of the encoder; NULL: it went, the encoder takes over if needed. */
void
on_air_audio_set_passthrough (OnAirBroadcast *self, GstPad *pad)
{
  OnAirAudio *audio = self->audio;
  g_autoptr(GstPad) opus_sink = gst_element_get_static_pad (audio->opus_tee, "sink");

  if (pad != NULL)
    {
      stop_encoder (self);
      if (gst_pad_link (pad, opus_sink) != GST_PAD_LINK_OK)
        g_warning ("Cannot pass the camera's Opus through");
      audio->passthrough = TRUE;
      return;
    }
  audio->passthrough = FALSE;
  if (audio->opus_users > 0 && audio->encoder == NULL)
    start_encoder (self);
}

/* ---------------------------------------------------------------------- */
/* level and mute                                                         */

/* Streaming thread: the peak over each 100 ms, before mute. */
static GstPadProbeReturn
level_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirAudio *audio = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  for (gsize i = 0; i + 1 < map.size; i += 2)
    {
      gint16 sample = (gint16) (map.data[i] | (map.data[i + 1] << 8));

      audio->level_peak = MAX (audio->level_peak, abs (sample));
    }
  audio->level_samples += map.size / 2;
  gst_buffer_unmap (buffer, &map);
  if (audio->level_samples >= LEVEL_WINDOW)
    {
      g_atomic_int_set (&audio->level, audio->level_peak * 1000 / 32768);
      audio->level_peak = 0;
      audio->level_samples = 0;
    }
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: a camera's Opus goes nowhere while muted (the mixer's
 * volume mutes everything else). */
static GstPadProbeReturn
mute_opus_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirAudio *audio = user_data;

  return audio->passthrough && g_atomic_int_get (&audio->muted) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* ---------------------------------------------------------------------- */
/* the stages                                                             */

static gboolean
make_stage_elements (OnAirAudio *audio, GPtrArray *list)
{
  GstElement *mixer = gst_element_factory_make ("audiomixer", "audio-mixer");
  GstElement *silence = gst_element_factory_make ("audiotestsrc", "audio-silence");
  GstElement *volume = gst_element_factory_make ("volume", NULL);

  if (mixer == NULL || silence == NULL || volume == NULL)
    {
      g_message ("audiomixer, audiotestsrc or volume is missing: no sound");
      g_clear_pointer (&mixer, gst_object_unref);
      g_clear_pointer (&silence, gst_object_unref);
      g_clear_pointer (&volume, gst_object_unref);
      return FALSE;
    }
  g_object_set (silence, "is-live", TRUE, "samplesperbuffer", ON_AIR_AUDIO_BUFFER_SAMPLES, NULL);
  gst_util_set_object_arg (G_OBJECT (silence), "wave", "silence");
  g_object_set (mixer, "latency", (guint64) MIXER_LATENCY, NULL);
  gst_util_set_object_arg (G_OBJECT (mixer), "start-time-selection", "first");
  g_object_set (volume, "mute", g_atomic_int_get (&audio->muted) != 0, NULL);
  audio->silence = silence;
  audio->mixer = mixer;
  audio->volume = volume;
  list_add (list, silence);
  list_add (list, on_air_make_capsfilter (ON_AIR_AUDIO_CAPS));
  list_add (list, mixer);
  list_add (list, on_air_make_capsfilter (ON_AIR_AUDIO_CAPS));
  list_add (list, volume);
  return TRUE;
}

/* Main context, with the pipeline: the raw and Opus stages, silent until
 * a source brings sound. Nothing when sound is off. */
void
on_air_audio_build (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;
  g_autoptr(GPtrArray) list = element_list ();
  g_autoptr(GstPad) volume_sink = NULL;
  g_autoptr(GstPad) opus_sink = NULL;

  if (!audio->enabled || !make_stage_elements (audio, list))
    return;
  audio->raw_tee = gst_element_factory_make ("tee", "audio-raw-tee");
  audio->opus_tee = gst_element_factory_make ("tee", "audio-opus-tee");
  g_object_set (audio->raw_tee, "allow-not-linked", TRUE, NULL);
  g_object_set (audio->opus_tee, "allow-not-linked", TRUE, NULL);
  list_add (list, audio->raw_tee);
  for (guint i = 0; i < list->len; i++)
    gst_bin_add (GST_BIN (self->pipeline), g_ptr_array_index (list, i));
  gst_bin_add (GST_BIN (self->pipeline), audio->opus_tee);
  for (guint i = 0; i + 1 < list->len; i++)
    gst_element_link (g_ptr_array_index (list, i), g_ptr_array_index (list, i + 1));

  volume_sink = gst_element_get_static_pad (audio->volume, "sink");
  gst_pad_add_probe (volume_sink, GST_PAD_PROBE_TYPE_BUFFER, level_probe, audio, NULL);
  opus_sink = gst_element_get_static_pad (audio->opus_tee, "sink");
  gst_pad_add_probe (opus_sink, GST_PAD_PROBE_TYPE_BUFFER, mute_opus_probe, audio, NULL);
}

/* Main context, before the pipeline stops: viewers' taps are gone. */
void
on_air_audio_teardown (OnAirBroadcast *self)
{
  OnAirAudio *audio = self->audio;

  on_air_audio_fanout_lose_all (self);
  stop_encoder (self);
  audio->opus_users = 0;
  audio->passthrough = FALSE;
  audio->silence = audio->mixer = audio->volume = NULL;
  audio->raw_tee = audio->opus_tee = NULL;
  g_atomic_int_set (&audio->level, 0);
}

void
on_air_audio_free (OnAirBroadcast *self)
{
  OnAirAudio *audio = g_steal_pointer (&self->audio);

  g_ptr_array_unref (audio->groups);
  g_ptr_array_unref (audio->taps);
  g_free (audio);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

void
on_air_broadcast_set_audio_enabled (OnAirBroadcast *self, gboolean enabled)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  self->audio->enabled = enabled;
}

gboolean
on_air_broadcast_get_audio_enabled (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return self->audio->enabled;
}

void
on_air_broadcast_set_audio_muted (OnAirBroadcast *self, gboolean muted)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));

  g_atomic_int_set (&self->audio->muted, muted ? 1 : 0);
  if (self->audio->volume != NULL)
    g_object_set (self->audio->volume, "mute", muted, NULL);
}

gboolean
on_air_broadcast_get_audio_muted (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return g_atomic_int_get (&self->audio->muted) != 0;
}

const char *
on_air_broadcast_get_audio_state (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  if (self->audio->raw_tee == NULL)
    return "off";
  return on_air_audio_live_unit (self) != NULL ? "live" : "silence";
}

const char *
on_air_broadcast_get_audio_source (OnAirBroadcast *self)
{
  OnAirAudioUnit *unit;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  unit = on_air_audio_live_unit (self);
  return unit != NULL ? unit->description : NULL;
}

const char *
on_air_broadcast_get_audio_codec (OnAirBroadcast *self)
{
  OnAirAudioUnit *unit;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);
  unit = on_air_audio_live_unit (self);
  return unit != NULL ? unit->codec : NULL;
}

gboolean
on_air_broadcast_get_audio_passthrough (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return self->audio->passthrough;
}

double
on_air_broadcast_get_audio_level (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), -1);
  if (self->audio->raw_tee == NULL || self->audio->passthrough)
    return -1;
  return g_atomic_int_get (&self->audio->level) / 1000.0;
}

guint
on_air_broadcast_count_audio_encoders (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), 0);
  return self->audio->encoder != NULL ? 1 : 0;
}

gboolean
on_air_broadcast_is_sharing_audio (OnAirBroadcast *self)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  return self->audio->taps->len > 0;
}

/* From on_air_broadcast_init(): sound is on until the owner says not. */
void
on_air_audio_init (OnAirBroadcast *self)
{
  self->audio = g_new0 (OnAirAudio, 1);
  self->audio->enabled = TRUE;
  self->audio->groups = g_ptr_array_new ();
  self->audio->taps = g_ptr_array_new ();
}
