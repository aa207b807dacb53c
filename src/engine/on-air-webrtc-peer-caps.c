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

/* ---------------------------------------------------------------------- */
/* waiting for the caps                                                   */

void
_on_air_webrtc_peer_stop_waiting_for_caps (OnAirWebrtcPeer *self)
{
  g_clear_handle_id (&self->caps_timeout, g_source_remove);
  if (self->caps_probe != 0)
    gst_pad_remove_probe (self->sink_pad, self->caps_probe);
  self->caps_probe = 0;
  gst_clear_object (&self->sink_pad);
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

static gboolean
caps_arrived_on_main (gpointer user_data)
{
  negotiate (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
caps_wait_timed_out (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  self->caps_timeout = 0;
  g_debug ("Peer %s: no caps after %d ms, answering without (and without RTX)", self->id, CAPS_WAIT_MS);
  if (self->webrtcbin != NULL)
    on_air_webrtcbin_disable_retransmission (self->webrtcbin);
  negotiate (self);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
caps_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  _on_air_webrtc_peer_run_on_main (user_data, caps_arrived_on_main);
  return GST_PAD_PROBE_OK;
}

/* webrtcbin writes the stream's SSRC into the answer from the caps on its
 * sink pad, and the RTX stream's pairing with it (a=ssrc-group:FID):
 * answered before the caps are there, the answer pairs the RTX SSRC with
 * SSRC 0, and Chromium then often drops the media. The caps come with
 * the next frame (at once when other viewers share the payloader; with
 * the first encoded frame otherwise). */
void
_on_air_webrtc_peer_negotiate_when_caps_arrive (OnAirWebrtcPeer *self)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (self->webrtcbin, "sink_0");

  if (pad == NULL || gst_pad_has_current_caps (pad))
    {
      negotiate (self);
      return;
    }
  self->sink_pad = g_steal_pointer (&pad);
  self->caps_probe = gst_pad_add_probe (self->sink_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, caps_probe,
                                        g_object_ref (self), g_object_unref);
  self->caps_timeout = _on_air_webrtc_peer_add_timeout (self, CAPS_WAIT_MS, caps_wait_timed_out);
}

