/* on-air-audio-source.c
 *
 * The audio part of a source unit: the test pattern's tone, a webcam's
 * own microphone (on_air_camera_find_microphone()), an RTSP camera's
 * audio track. A unit's sound leaves through its "audio" pad,
 * dropped there until the unit becomes the source (so a source being
 * tried is never heard), then linked into the raw stage's mixer, or for
 * an RTSP camera's Opus straight into the Opus stage. AAC, G.711 and the
 * rest are decoded here, once, whatever the number of viewers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-audio-source"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "on-air-audio-private.h"
#include "on-air-camera.h"

/* Streaming thread: nothing leaves before the unit is the source, and
 * the end of a source's sound is not the end of the mixer's. */
static GstPadProbeReturn
hold_audio_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirAudioUnit *audio = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    return GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS ? GST_PAD_PROBE_DROP
                                                                            : GST_PAD_PROBE_OK;
  return g_atomic_int_get (&audio->linked) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void
set_output (OnAirAudioUnit *audio, GstPad *pad, OnAirAudioKind kind, const char *codec,
            const char *description)
{
  audio->codec = g_strdup (codec);
  audio->description = g_strdup (description);
  gst_ghost_pad_set_target (GST_GHOST_PAD (audio->ghost), pad);
  g_atomic_int_set (&audio->kind, kind);
}

/* The microphone of the camera the unit opened, if it has one; a camera
 * without one is silence. */
static void
build_microphone (OnAirSourceUnit *unit)
{
  g_autoptr(GstDevice) camera = on_air_camera_find (unit->self->camera_id);
  g_autoptr(GstDevice) microphone = camera ? on_air_camera_find_microphone (camera) : NULL;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GstPad) out = NULL;
  GstElement *bin;

  if (microphone == NULL || (bin = on_air_audio_mic_new (microphone)) == NULL)
    return;
  name = gst_device_get_display_name (microphone);
  /* TRANSLATORS: %s is the microphone's name, as the system gives it */
  description = g_strdup_printf (_("Camera microphone (%s)"), name);
  gst_bin_add (GST_BIN (unit->bin), bin);
  out = gst_element_get_static_pad (bin, "src");
  set_output (unit->audio, out, ON_AIR_AUDIO_RAW, "pcm", description);
  g_debug ("%s", description);
}

/* When the last buffer has left hold_audio_probe(). */
static void
audio_unit_record_free (gpointer data)
{
  OnAirAudioUnit *audio = data;

  g_free (audio->codec);
  g_free (audio->description);
  g_free (audio);
}

void
on_air_audio_unit_build (OnAirSourceUnit *unit)
{
  OnAirAudioUnit *audio = g_new0 (OnAirAudioUnit, 1);
  g_autoptr(GstCaps) any = gst_caps_new_any ();
  GstPadTemplate *templ = gst_pad_template_new ("audio", GST_PAD_SRC, GST_PAD_ALWAYS, any);

  unit->audio = audio;
  audio->ghost = gst_ghost_pad_new_no_target_from_template ("audio", templ);
  gst_object_unref (templ);
  gst_element_add_pad (unit->bin, audio->ghost);
  /* The probe owns the unit's record: a buffer may be in it while the
   * unit is freed (on_air_audio_unit_free() removes it). */
  audio->hold_probe = gst_pad_add_probe (audio->ghost, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                                         hold_audio_probe, audio, audio_unit_record_free);
  if (!unit->self->audio->enabled)
    return;

  if (g_str_equal (unit->kind, "test"))
    {
      GstElement *tone = on_air_audio_tone_new ();
      g_autoptr(GstPad) out = gst_element_get_static_pad (tone, "src");

      gst_bin_add (GST_BIN (unit->bin), tone);
      set_output (audio, out, ON_AIR_AUDIO_RAW, "pcm", _("Test tone"));
    }
  else if (g_str_equal (unit->kind, "camera"))
    build_microphone (unit);
}

/* ---------------------------------------------------------------------- */
/* RTSP                                                                   */

/* The codec name people and /api/status read, from an RTP encoding name. */
static const char *
codec_name (const char *encoding)
{
  if (encoding == NULL)
    return "unknown";
  if (g_ascii_strcasecmp (encoding, "OPUS") == 0)
    return "opus";
  if (g_ascii_strcasecmp (encoding, "MPEG4-GENERIC") == 0 || g_ascii_strcasecmp (encoding, "MP4A-LATM") == 0)
    return "aac";
  if (g_ascii_strcasecmp (encoding, "PCMA") == 0)
    return "pcma";
  if (g_ascii_strcasecmp (encoding, "PCMU") == 0)
    return "pcmu";
  if (g_ascii_strcasecmp (encoding, "L16") == 0)
    return "pcm";
  return "other";
}

/* Streaming thread: decodebin found the camera's sound. */
static void
on_audio_decoded (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  GstElement *convert = user_data;
  g_autoptr(GstPad) sink = gst_element_get_static_pad (convert, "sink");
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);

  if (caps != NULL && g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "audio/") &&
      !gst_pad_is_linked (sink))
    gst_pad_link (pad, sink);
}

/* The elements from rtspsrc's audio pad to the unit's "audio" pad; the
 * last one's source pad is the output. */
static GPtrArray *
make_rtsp_audio_chain (const char *encoding, OnAirAudioKind *kind)
{
  GPtrArray *chain = g_ptr_array_new ();

  if (g_ascii_strcasecmp (encoding, "OPUS") == 0 && gst_element_factory_find ("rtpopusdepay") != NULL)
    {
      /* An Opus camera's sound goes to viewers as it came. */
      g_ptr_array_add (chain, gst_element_factory_make ("rtpopusdepay", NULL));
      *kind = ON_AIR_AUDIO_OPUS;
    }
  else
    {
      GstElement *decodebin = gst_element_factory_make ("decodebin", NULL);
      GstElement *convert = gst_element_factory_make ("audioconvert", NULL);

      g_signal_connect_object (decodebin, "pad-added", G_CALLBACK (on_audio_decoded), convert, 0);
      g_ptr_array_add (chain, decodebin);
      g_ptr_array_add (chain, convert);
      g_ptr_array_add (chain, gst_element_factory_make ("audioresample", NULL));
      g_ptr_array_add (chain, on_air_make_capsfilter (ON_AIR_AUDIO_CAPS));
      *kind = ON_AIR_AUDIO_RAW;
    }
  return chain;
}

static void
link_on_main (OnAirBroadcast *self, gpointer bin)
{
  if (self->source != NULL && self->source->bin == bin)
    on_air_audio_unit_link (self->source);
}

gboolean
on_air_audio_unit_claim_rtsp (OnAirSourceUnit *unit, GstPad *pad)
{
  OnAirAudioUnit *audio = unit->audio;
  g_autoptr(GstCaps) caps = gst_pad_query_caps (pad, NULL);
  const char *encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GstPad) first_sink = NULL;
  g_autoptr(GstPad) out = NULL;
  g_autofree char *description = NULL;
  OnAirAudioKind kind = ON_AIR_AUDIO_NONE;
  gboolean claim;

  if (audio == NULL || !unit->self->audio->enabled || encoding == NULL)
    return FALSE;
  GST_OBJECT_LOCK (unit->bin);
  claim = !audio->claimed;
  audio->claimed = TRUE;
  GST_OBJECT_UNLOCK (unit->bin);
  if (!claim)
    return FALSE;

  chain = make_rtsp_audio_chain (encoding, &kind);
  for (guint i = 0; i < chain->len; i++)
    gst_bin_add (GST_BIN (unit->bin), g_ptr_array_index (chain, i));
  /* decodebin's pad comes later: it is linked in on_audio_decoded(). */
  for (guint i = kind == ON_AIR_AUDIO_RAW ? 1 : 0; i + 1 < chain->len; i++)
    gst_element_link (g_ptr_array_index (chain, i), g_ptr_array_index (chain, i + 1));
  out = gst_element_get_static_pad (g_ptr_array_index (chain, chain->len - 1), "src");
  /* TRANSLATORS: %s is an audio codec, e.g. AAC */
  description = g_strdup_printf (_("Camera audio (%s)"), encoding);
  set_output (audio, out, kind, codec_name (encoding), description);
  for (guint i = chain->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (chain, i - 1));
  first_sink = gst_element_get_static_pad (g_ptr_array_index (chain, 0), "sink");
  gst_pad_link (pad, first_sink);
  /* The video may have made the unit the source already. */
  on_air_broadcast_call_on_main (unit->self, link_on_main, unit->bin);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* into the stages and out                                                */

void
on_air_audio_unit_link (OnAirSourceUnit *unit)
{
  OnAirBroadcast *self = unit->self;
  OnAirAudioUnit *audio = unit->audio;
  OnAirAudioKind kind = g_atomic_int_get (&audio->kind);

  if (g_atomic_int_get (&audio->linked) || self->audio->raw_tee == NULL || kind == ON_AIR_AUDIO_NONE)
    return;
  if (kind == ON_AIR_AUDIO_OPUS)
    on_air_audio_set_passthrough (self, audio->ghost);
  else
    {
      audio->stage_pad = gst_element_request_pad_simple (self->audio->mixer, "sink_%u");
      gst_pad_link (audio->ghost, audio->stage_pad);
    }
  g_atomic_int_set (&audio->linked, 1);
  g_debug ("Sound live: %s", audio->description);
}

OnAirAudioUnit *
on_air_audio_live_unit (OnAirBroadcast *self)
{
  if (self->source == NULL || self->source->audio == NULL || !g_atomic_int_get (&self->source->audio->linked))
    return NULL;
  return self->source->audio;
}

/* Before the unit's bin goes: its sound leaves the stages. */
void
on_air_audio_unit_free (OnAirSourceUnit *unit)
{
  OnAirAudioUnit *audio = g_steal_pointer (&unit->audio);
  gboolean was_linked;

  if (audio == NULL)
    return;
  was_linked = g_atomic_int_get (&audio->linked);
  g_atomic_int_set (&audio->linked, 0);
  if (was_linked)
    {
      g_autoptr(GstPad) peer = gst_pad_get_peer (audio->ghost);

      if (peer != NULL)
        gst_pad_unlink (audio->ghost, peer);
      if (audio->stage_pad != NULL && unit->self->audio->mixer != NULL)
        gst_element_release_request_pad (unit->self->audio->mixer, audio->stage_pad);
      if (g_atomic_int_get (&audio->kind) == ON_AIR_AUDIO_OPUS && unit->self->audio->opus_tee != NULL)
        on_air_audio_set_passthrough (unit->self, NULL);
    }
  gst_clear_object (&audio->stage_pad);
  gst_pad_remove_probe (audio->ghost, audio->hold_probe);
}
