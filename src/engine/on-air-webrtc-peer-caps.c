/* on-air-webrtc-peer-caps.c
 *
 * One viewer's answer waits for the stream's caps: webrtcbin writes the
 * SSRC (and RTX's pairing with it) from them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-webrtc-peer"

#include "config.h"

#include "on-air-webrtc-peer-private.h"
#include "on-air-webrtcbin.h"

/* How long the answer waits for the stream's caps to reach webrtcbin. */
#define CAPS_WAIT_MS 1000
/* How soon to look again when the caps event has passed the probe but
 * the pad has not stored it yet. */
#define CAPS_RECHECK_MS 5

/* webrtcbin's sink pads, in the order the peer asks for them: the
 * picture's, then the sound's. */
static const char *const pad_names[] = { "sink_0", "sink_1" };

/* ---------------------------------------------------------------------- */
/* waiting for the caps                                                   */

void
_on_air_webrtc_peer_stop_waiting_for_caps (OnAirWebrtcPeer *self)
{
  g_clear_handle_id (&self->caps_timeout, g_source_remove);
  g_clear_handle_id (&self->caps_recheck, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->caps_pads); i++)
    {
      if (self->caps_probes[i] != 0)
        gst_pad_remove_probe (self->caps_pads[i], self->caps_probes[i]);
      self->caps_probes[i] = 0;
      gst_clear_object (&self->caps_pads[i]);
    }
}

/* Main context: hands webrtcbin the offer; it answers from there. */
static void
negotiate (OnAirWebrtcPeer *self)
{
  GstWebRTCSessionDescription *offer = g_steal_pointer (&self->offer);
  GstPromise *promise;

  _on_air_webrtc_peer_stop_waiting_for_caps (self);
  if (offer == NULL || self->closed)
    {
      g_clear_pointer (&offer, gst_webrtc_session_description_free);
      return;
    }
  promise = gst_promise_new_with_change_func (_on_air_webrtc_peer_on_remote_set, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtcbin, "set-remote-description", offer, promise);
  gst_webrtc_session_description_free (offer);
}

/* Every pad waited for has its caps. The probe sees the caps event
 * before the pad has stored it, so it is the pad that says. */
static gboolean
caps_all_there (OnAirWebrtcPeer *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->caps_pads); i++)
    if (self->caps_pads[i] != NULL && !gst_pad_has_current_caps (self->caps_pads[i]))
      return FALSE;
  return TRUE;
}

static gboolean caps_arrived_on_main (gpointer user_data);

static gboolean
caps_recheck (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  self->caps_recheck = 0;
  return caps_arrived_on_main (self);
}

static gboolean
caps_arrived_on_main (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  if (self->offer == NULL)
    return G_SOURCE_REMOVE; /* answered already */
  if (caps_all_there (self))
    negotiate (self);
  else if (self->caps_recheck == 0)
    self->caps_recheck = _on_air_webrtc_peer_add_timeout (self, CAPS_RECHECK_MS, caps_recheck);
  return G_SOURCE_REMOVE;
}

static gboolean
caps_wait_timed_out (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  gboolean video_waiting = self->caps_pads[0] != NULL && !gst_pad_has_current_caps (self->caps_pads[0]);

  self->caps_timeout = 0;
  g_debug ("Peer %s: no %s caps after %d ms, answering without%s", self->id,
           video_waiting ? "video" : "sound", CAPS_WAIT_MS, video_waiting ? " (and without RTX)" : "");
  if (video_waiting && self->webrtcbin != NULL)
    on_air_webrtcbin_disable_retransmission (self->webrtcbin);
  negotiate (self);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
caps_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS)
    _on_air_webrtc_peer_run_on_main (user_data, caps_arrived_on_main);
  return GST_PAD_PROBE_OK;
}

/* webrtcbin writes each stream's SSRC into the answer from the caps on
 * its sink pad: for the picture, with the RTX stream's pairing with it
 * (a=ssrc-group:FID): answered before the caps are there, the answer
 * pairs the RTX SSRC with SSRC 0, and Chromium then often drops the
 * media; for the sound, with its msid: without it the browser puts the
 * sound in a stream of its own instead of the picture's (no lip sync, and
 * a page that shows the last stream it was given shows no picture). The
 * caps come with the next frame (at once when other viewers share the
 * payloader; with the first encoded frame otherwise). */
void
_on_air_webrtc_peer_negotiate_when_caps_arrive (OnAirWebrtcPeer *self)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (pad_names) == G_N_ELEMENTS (self->caps_pads));
  for (guint i = 0; i < G_N_ELEMENTS (pad_names); i++)
    {
      GstPad *pad = gst_element_get_static_pad (self->webrtcbin, pad_names[i]);

      if (pad != NULL && !gst_pad_has_current_caps (pad))
        self->caps_pads[i] = g_steal_pointer (&pad);
      gst_clear_object (&pad);
    }
  for (guint i = 0; i < G_N_ELEMENTS (self->caps_pads); i++)
    if (self->caps_pads[i] != NULL)
      self->caps_probes[i] = gst_pad_add_probe (self->caps_pads[i], GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, caps_probe,
                                                g_object_ref (self), g_object_unref);
  /* Also when caps came between the check above and the probes. */
  if (caps_all_there (self))
    {
      negotiate (self);
      return;
    }
  self->caps_timeout = _on_air_webrtc_peer_add_timeout (self, CAPS_WAIT_MS, caps_wait_timed_out);
}
