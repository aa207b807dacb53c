/* on-air-webrtc-peer.c: one WebRTC viewer, from its offer to its close
 *
 * Each viewer gets its own webrtcbin; the broadcast links it behind the
 * payloader shared by every viewer with the same codec and payload type.
 * This file follows the viewer's ICE and DTLS states and the timers that
 * end a viewer who never connects or goes quiet; on-air-sdp.c reads the
 * offer and on-air-webrtcbin.c tunes the webrtcbin. webrtcbin calls back
 * on its own threads: those callbacks only chain promises or hand a
 * result to the main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-webrtc-peer"

#include "config.h"

#include <gst/webrtc/webrtc.h>

#include "on-air-audio.h"
#include "on-air-error.h"
#include "on-air-webrtc-peer.h"
#include "on-air-webrtc-peer-private.h"
#include "on-air-webrtcbin.h"

#define GATHER_TIMEOUT_MS 5000
/* From the answer: ICE on a LAN takes well under a second; a viewer that
 * never connects (it left, or its packets never reach us) gives its slot
 * back after this. */
#define CONNECT_TIMEOUT_S 6
#define DISCONNECTED_GRACE_S 10
#define LIVENESS_CHECK_S 2

G_DEFINE_FINAL_TYPE (OnAirWebrtcPeer, on_air_webrtc_peer, G_TYPE_OBJECT)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_RUNG,
  PROP_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* main-context helpers                                                   */

/* Any thread: runs @func on the peer's context, holding a ref. */
void
_on_air_webrtc_peer_run_on_main (OnAirWebrtcPeer *self, GSourceFunc func)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, func, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
}

guint
_on_air_webrtc_peer_add_timeout (OnAirWebrtcPeer *self, guint ms, GSourceFunc func)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  return g_source_attach (source, self->context);
}

static void
fail_answer (OnAirWebrtcPeer *self, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->answer_task);

  g_clear_handle_id (&self->gather_timeout, g_source_remove);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

typedef struct
{
  OnAirWebrtcPeer *self;
  char *message;
} PeerError;

static gboolean
peer_error_on_main (gpointer user_data)
{
  PeerError *pe = user_data;

  fail_answer (pe->self, g_error_new_literal (ON_AIR_ERROR, ON_AIR_ERROR_NEGOTIATION, pe->message));
  return G_SOURCE_REMOVE;
}

static void
peer_error_free (gpointer user_data)
{
  PeerError *pe = user_data;

  g_object_unref (pe->self);
  g_free (pe->message);
  g_free (pe);
}

/* Any thread: fails the pending answer with @message on the peer's context. */
static void
report_negotiation_error (OnAirWebrtcPeer *self, const char *message)
{
  g_autoptr(GSource) source = g_idle_source_new ();
  PeerError *pe = g_new0 (PeerError, 1);

  pe->self = g_object_ref (self);
  pe->message = g_strdup (message);
  g_source_set_callback (source, peer_error_on_main, pe, peer_error_free);
  g_source_attach (source, self->context);
}

/* ---------------------------------------------------------------------- */
/* liveness                                                               */

/* Any packet from the viewer (RTCP reports, transport-cc feedback, media
 * if it sent any) proves it is still there. libnice's own keepalives are
 * one-way, so ICE alone would never notice a phone that walked away. */
static GstPadProbeReturn
received_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  g_atomic_pointer_set (&self->last_received, (gssize) g_get_monotonic_time ());
  return GST_PAD_PROBE_OK;
}

static gboolean
check_liveness (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  gint64 last = g_atomic_pointer_get (&self->last_received);

  if (self->connected && g_get_monotonic_time () - last > DISCONNECTED_GRACE_S * G_USEC_PER_SEC)
    {
      g_debug ("Peer %s: nothing received for %d s", self->id, DISCONNECTED_GRACE_S);
      self->liveness_timer = 0;
      on_air_webrtc_peer_close (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* ICE and DTLS states (main context)                                     */

static gboolean never_connected (gpointer user_data);

/* Main context: the answer with every candidate gathered so far. */
static gboolean
deliver_answer (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  g_autoptr(GTask) task = NULL;
  GstWebRTCSessionDescription *local = NULL;
  char *text;

  if (self->answer_task == NULL || self->webrtcbin == NULL)
    return G_SOURCE_REMOVE;

  g_object_get (self->webrtcbin, "local-description", &local, NULL);
  if (local == NULL)
    {
      fail_answer (self, g_error_new_literal (ON_AIR_ERROR, ON_AIR_ERROR_NEGOTIATION,
                                              "No local description"));
      return G_SOURCE_REMOVE;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);

  g_clear_handle_id (&self->gather_timeout, g_source_remove);
  g_atomic_pointer_set (&self->last_received, (gssize) g_get_monotonic_time ());
  on_air_webrtcbin_probe_received (self->webrtcbin, received_probe, self);
  self->answered_at = g_get_monotonic_time ();
  g_debug ("Peer %s: answered %" G_GINT64_FORMAT " ms after the offer", self->id,
           (self->answered_at - self->offered_at) / 1000);
  self->liveness_timer = _on_air_webrtc_peer_add_timeout (self, LIVENESS_CHECK_S * 1000, check_liveness);
  if (!self->connected && self->connect_timeout == 0)
    self->connect_timeout = _on_air_webrtc_peer_add_timeout (self, CONNECT_TIMEOUT_S * 1000, never_connected);
  task = g_steal_pointer (&self->answer_task);
  g_task_return_pointer (task, text, g_free);
  return G_SOURCE_REMOVE;
}

static gboolean
gather_timed_out (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  self->gather_timeout = 0;
  g_debug ("Peer %s: ICE gathering slow, answering with what we have", self->id);
  deliver_answer (self);
  return G_SOURCE_REMOVE;
}

static gboolean
disconnected_too_long (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  self->disconnected_timeout = 0;
  g_debug ("Peer %s: disconnected for %d s", self->id, DISCONNECTED_GRACE_S);
  on_air_webrtc_peer_close (self);
  return G_SOURCE_REMOVE;
}

static gboolean
never_connected (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;

  self->connect_timeout = 0;
  g_debug ("Peer %s: never connected", self->id);
  on_air_webrtc_peer_close (self);
  return G_SOURCE_REMOVE;
}

/* ICE is up, and the DTLS handshake starts. Media is let through from
 * now on, beginning with a keyframe the broadcast asks for: webrtcbin holds
 * it until DTLS is done, so the keyframe is encoded while the handshake
 * runs instead of after it, and the first picture comes sooner. */
static void
open_media (OnAirWebrtcPeer *self)
{
  if (self->tap == NULL || self->media_open)
    return;
  self->media_open = TRUE;
  /* Nothing has reached webrtcbin yet: the tap opens below. */
  on_air_webrtcbin_bypass_unused_fec (self->webrtcbin);
  on_air_broadcast_open_webrtc (self->broadcast, self->tap);
  if (self->audio_tap != NULL)
    on_air_broadcast_open_audio (self->broadcast, self->audio_tap);
  _on_air_webrtc_peer_watch_link (self);
}

static gboolean
ice_state_on_main (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  GstWebRTCICEConnectionState state;
  gboolean was_connected;

  if (self->webrtcbin == NULL || self->closed)
    return G_SOURCE_REMOVE;

  g_object_get (self->webrtcbin, "ice-connection-state", &state, NULL);
  switch (state)
    {
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      if (!self->connected)
        g_debug ("Peer %s: ICE connected %" G_GINT64_FORMAT " ms after the answer", self->id,
                 (g_get_monotonic_time () - self->answered_at) / 1000);
      g_clear_handle_id (&self->disconnected_timeout, g_source_remove);
      g_clear_handle_id (&self->connect_timeout, g_source_remove);
      was_connected = self->connected;
      self->connected = TRUE;
      open_media (self);
      if (!was_connected)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
      if (self->disconnected_timeout == 0)
        self->disconnected_timeout = _on_air_webrtc_peer_add_timeout (self, DISCONNECTED_GRACE_S * 1000,
                                                  disconnected_too_long);
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED:
      on_air_webrtc_peer_close (self);
      break;
    default:
      break;
    }
  return G_SOURCE_REMOVE;
}

static gboolean
connection_state_on_main (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  GstWebRTCPeerConnectionState state;

  if (self->webrtcbin == NULL || self->closed)
    return G_SOURCE_REMOVE;
  g_object_get (self->webrtcbin, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && self->tap != NULL)
    {
      g_debug ("Peer %s: connected %" G_GINT64_FORMAT " ms after the answer", self->id,
               (g_get_monotonic_time () - self->answered_at) / 1000);
      open_media (self); /* done at ICE connected, unless that was missed */
    }
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    on_air_webrtc_peer_close (self);
  return G_SOURCE_REMOVE;
}

/* The broadcast can no longer feed this viewer (its webrtcbin failed, or
 * the pipeline is going away). */
static void
on_tap_lost (OnAirRtpTap *tap, gpointer user_data)
{
  on_air_webrtc_peer_close (user_data);
}

/* ---------------------------------------------------------------------- */
/* webrtcbin threads                                                      */

static void
on_connection_state (GObject *webrtcbin, GParamSpec *pspec, gpointer user_data)
{
  _on_air_webrtc_peer_run_on_main (user_data, connection_state_on_main);
}

static void
on_ice_connection_state (GObject *webrtcbin, GParamSpec *pspec, gpointer user_data)
{
  _on_air_webrtc_peer_run_on_main (user_data, ice_state_on_main);
}

static void
on_ice_gathering_state (GObject *webrtcbin, GParamSpec *pspec, gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtcbin, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && g_atomic_int_get (&self->answer_ready))
    _on_air_webrtc_peer_run_on_main (self, deliver_answer);
}

static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  GstWebRTCSessionDescription *answer = NULL;
  const GstStructure *reply;
  GstWebRTCICEGatheringState gathering;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    {
      gst_promise_unref (promise);
      report_negotiation_error (self, "The answer was not created");
      return;
    }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);

  if (answer == NULL)
    {
      /* webrtcbin found no transceiver matching the offered codecs. */
      report_negotiation_error (self, "The offer's video codecs cannot be answered");
      return;
    }

  g_signal_emit_by_name (self->webrtcbin, "set-local-description", answer, NULL);
  gst_webrtc_session_description_free (answer);

  g_atomic_int_set (&self->answer_ready, 1);
  g_object_get (self->webrtcbin, "ice-gathering-state", &gathering, NULL);
  if (gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    _on_air_webrtc_peer_run_on_main (self, deliver_answer);
}

void
_on_air_webrtc_peer_on_remote_set (GstPromise *promise, gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  GstPromise *next;

  gst_promise_unref (promise);
  next = gst_promise_new_with_change_func (on_answer_created, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtcbin, "create-answer", NULL, next);
}

/* ---------------------------------------------------------------------- */
/* setup (main context)                                                   */

/* Makes this viewer's webrtcbin, tuned for the LAN, and has the broadcast
 * feed it the chosen codec. */
static gboolean
attach_webrtcbin (OnAirWebrtcPeer *self, GError **error)
{
  g_autofree char *name = g_strdup_printf ("webrtc-%s", self->id);

  self->webrtcbin = gst_element_factory_make ("webrtcbin", name);
  if (self->webrtcbin == NULL)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                           "The GStreamer element “webrtcbin” is not installed");
      return FALSE;
    }
  gst_object_ref_sink (self->webrtcbin);
  gst_util_set_object_arg (G_OBJECT (self->webrtcbin), "bundle-policy", "max-bundle");
  on_air_webrtcbin_disable_upnp (self->webrtcbin);
  on_air_webrtcbin_disable_ice_tcp (self->webrtcbin);
  on_air_webrtcbin_pace_checks_faster (self->webrtcbin);
  on_air_webrtcbin_send_unsynced (self->webrtcbin);
  if (self->bind_address != NULL && !on_air_webrtcbin_restrict_to_address (self->webrtcbin, self->bind_address))
    {
      gst_clear_object (&self->webrtcbin);
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_NEGOTIATION,
                   "WebRTC cannot be limited to %s", self->bind_address);
      return FALSE;
    }
  g_signal_connect_object (self->webrtcbin, "notify::ice-gathering-state",
                           G_CALLBACK (on_ice_gathering_state), self, 0);
  g_signal_connect_object (self->webrtcbin, "notify::ice-connection-state",
                           G_CALLBACK (on_ice_connection_state), self, 0);
  g_signal_connect_object (self->webrtcbin, "notify::connection-state",
                           G_CALLBACK (on_connection_state), self, 0);

  self->tap = on_air_broadcast_attach_webrtc (self->broadcast, self->webrtcbin, self->codec, self->pt,
                                              on_tap_lost, self);
  if (self->tap == NULL)
    {
      gst_clear_object (&self->webrtcbin);
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                           "The video source is not running");
      return FALSE;
    }
  /* Sound in the same bundle, when the offer asks for Opus. */
  if (self->audio_pt != 0)
    self->audio_tap = on_air_broadcast_attach_audio (self->broadcast, self->webrtcbin, self->audio_pt, name);

  /* Phones on Wi-Fi lose a packet or two in a hundred: resent on NACK,
   * it arrives before the picture it belongs to is due. */
  on_air_webrtcbin_enable_retransmission (self->webrtcbin);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
on_air_webrtc_peer_dispose (GObject *object)
{
  OnAirWebrtcPeer *self = ON_AIR_WEBRTC_PEER (object);

  on_air_webrtc_peer_close (self);
  g_clear_object (&self->broadcast);

  G_OBJECT_CLASS (on_air_webrtc_peer_parent_class)->dispose (object);
}

static void
on_air_webrtc_peer_finalize (GObject *object)
{
  OnAirWebrtcPeer *self = ON_AIR_WEBRTC_PEER (object);

  g_free (self->id);
  g_free (self->bind_address);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (on_air_webrtc_peer_parent_class)->finalize (object);
}

static void
on_air_webrtc_peer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirWebrtcPeer *self = ON_AIR_WEBRTC_PEER (object);

  switch (prop_id)
    {
    case PROP_RUNG:
      g_value_set_int (value, self->link.shown_rung);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_webrtc_peer_class_init (OnAirWebrtcPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = on_air_webrtc_peer_dispose;
  object_class->finalize = on_air_webrtc_peer_finalize;
  object_class->get_property = on_air_webrtc_peer_get_property;

  /* An OnAirRung. */
  properties[PROP_RUNG] =
    g_param_spec_int ("rung", NULL, NULL, ON_AIR_RUNG_HIGH, ON_AIR_RUNG_LOW, ON_AIR_RUNG_HIGH,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* ICE is up (it then stays TRUE): the answer was used. */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
on_air_webrtc_peer_init (OnAirWebrtcPeer *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

OnAirWebrtcPeer *
on_air_webrtc_peer_new (OnAirBroadcast *broadcast, const char *id)
{
  OnAirWebrtcPeer *self;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (broadcast), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (ON_AIR_TYPE_WEBRTC_PEER, NULL);
  self->broadcast = g_object_ref (broadcast);
  self->id = g_strdup (id);
  return self;
}

void
on_air_webrtc_peer_set_bind_address (OnAirWebrtcPeer *self, const char *address)
{
  g_return_if_fail (ON_AIR_IS_WEBRTC_PEER (self));
  g_return_if_fail (self->webrtcbin == NULL);

  g_free (self->bind_address);
  self->bind_address = g_strdup (address);
}

const char *
on_air_webrtc_peer_get_id (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), NULL);
  return self->id;
}

const char *
on_air_webrtc_peer_get_codec_name (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), NULL);
  return self->codec == ON_AIR_CODEC_H264 ? "H264" : "VP8";
}

guint64
on_air_webrtc_peer_get_frames_sent (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), 0);
  return self->tap ? on_air_rtp_tap_get_frames_sent (self->tap) : 0;
}

guint64
on_air_webrtc_peer_get_frames_dropped (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), 0);
  return self->tap ? on_air_rtp_tap_get_frames_dropped (self->tap) : 0;
}

OnAirRung
on_air_webrtc_peer_get_rung (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), ON_AIR_RUNG_HIGH);
  return self->link.shown_rung;
}

gboolean
on_air_webrtc_peer_is_connected (OnAirWebrtcPeer *self)
{
  g_return_val_if_fail (ON_AIR_IS_WEBRTC_PEER (self), FALSE);
  return self->connected;
}

void
on_air_webrtc_peer_answer_async (OnAirWebrtcPeer     *self,
                                 GstSDPMessage       *offer,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GstSDPMessage) owned_offer = offer;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ON_AIR_IS_WEBRTC_PEER (self));
  g_return_if_fail (offer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, on_air_webrtc_peer_answer_async);

  if (self->answer_task != NULL || self->webrtcbin != NULL || self->closed)
    {
      g_task_return_new_error (task, ON_AIR_ERROR, ON_AIR_ERROR_NEGOTIATION,
                               "This viewer has already negotiated");
      return;
    }
  if (!on_air_sdp_choose_audio (offer, &self->audio_pt))
    self->audio_pt = 0;
  if (!on_air_sdp_choose_video_codec (offer, &self->codec, &self->pt, &error) ||
      !attach_webrtcbin (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->answer_task = g_steal_pointer (&task);
  self->offered_at = g_get_monotonic_time ();
  self->gather_timeout = _on_air_webrtc_peer_add_timeout (self, GATHER_TIMEOUT_MS, gather_timed_out);

  self->offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER,
                                                    g_steal_pointer (&owned_offer));
  _on_air_webrtc_peer_negotiate_when_caps_arrive (self);
}

char *
on_air_webrtc_peer_answer_finish (OnAirWebrtcPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
on_air_webrtc_peer_close (OnAirWebrtcPeer *self)
{
  g_return_if_fail (ON_AIR_IS_WEBRTC_PEER (self));

  if (self->closed)
    return;
  self->closed = TRUE;

  g_clear_handle_id (&self->connect_timeout, g_source_remove);
  g_clear_handle_id (&self->disconnected_timeout, g_source_remove);
  g_clear_handle_id (&self->liveness_timer, g_source_remove);
  _on_air_webrtc_peer_stop_watching_link (self);
  _on_air_webrtc_peer_stop_waiting_for_caps (self);
  g_clear_pointer (&self->offer, gst_webrtc_session_description_free);
  if (self->answer_task != NULL)
    fail_answer (self, g_error_new_literal (ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED,
                                            "The broadcast was interrupted"));

  if (self->webrtcbin != NULL)
    g_signal_handlers_disconnect_by_data (self->webrtcbin, self);
  if (self->tap != NULL)
    on_air_broadcast_detach_webrtc (self->broadcast, g_steal_pointer (&self->tap));
  /* After the video's: that stops the webrtcbin the sound's queue feeds. */
  if (self->audio_tap != NULL)
    on_air_broadcast_detach_audio (self->broadcast, g_steal_pointer (&self->audio_tap));
  if (self->webrtcbin != NULL)
    on_air_webrtcbin_retire (g_steal_pointer (&self->webrtcbin));

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
}
