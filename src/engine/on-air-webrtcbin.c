/* on-air-webrtcbin.c: settings for each viewer's webrtcbin and its
 * libnice agent
 *
 * webrtcbin exposes neither libnice's agent nor its FEC encoders as API;
 * these reach them through the ICE object's "agent" property and the
 * bin's children, and leave anything that does not look as expected alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-webrtcbin"

#include "config.h"

#include <gst/webrtc/webrtc.h>
#ifdef HAVE_LIBNICE
#include <nice/agent.h>
#endif

#include "on-air-sdp.h"
#include "on-air-webrtcbin.h"

/* ---------------------------------------------------------------------- */
/* libnice agent                                                          */

/* libnice's NiceAgent behind @webrtcbin's ICE object, or NULL; a ref. */
static GObject *
nice_agent_of (GstElement *webrtcbin)
{
  g_autoptr(GObject) ice = NULL;
  GObject *agent = NULL;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  return agent;
}

static void
set_agent_property (GstElement *webrtcbin, const char *property, const GValue *value)
{
  g_autoptr(GObject) agent = nice_agent_of (webrtcbin);

  if (agent != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), property))
    g_object_set_property (agent, property, value);
}

static void
set_agent_flag (GstElement *webrtcbin, const char *property, gboolean value)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_BOOLEAN);
  g_value_set_boolean (&v, value);
  set_agent_property (webrtcbin, property, &v);
}

void
on_air_webrtcbin_disable_upnp (GstElement *webrtcbin)
{
  g_return_if_fail (GST_IS_ELEMENT (webrtcbin));

  /* libnice would search the LAN for a UPnP router for every viewer:
   * multicast noise and delay for nothing, as viewers are on the LAN. */
  set_agent_flag (webrtcbin, "upnp", FALSE);
}

/* Phones on the LAN reach us over UDP, and ICE-TCP would listen on three
 * more ports per viewer and lengthen the gathering every answer waits
 * for. Where UDP does not get through, the page falls back to MJPEG,
 * which is TCP. */
void
on_air_webrtcbin_disable_ice_tcp (GstElement *webrtcbin)
{
  g_return_if_fail (GST_IS_ELEMENT (webrtcbin));

  set_agent_flag (webrtcbin, "ice-tcp", FALSE);
}

/* libnice gathers candidates on every interface unless it is given its
 * local addresses: with --bind, WebRTC uses the address HTTP listens on
 * and no other. */
gboolean
on_air_webrtcbin_restrict_to_address (GstElement *webrtcbin, const char *address)
{
#ifdef HAVE_LIBNICE
  g_autoptr(GObject) agent = NULL;
  NiceAddress local;

  g_return_val_if_fail (GST_IS_ELEMENT (webrtcbin), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  agent = nice_agent_of (webrtcbin);
  nice_address_init (&local);
  if (agent == NULL || !NICE_IS_AGENT (agent) || !nice_address_set_from_string (&local, address))
    return FALSE;
  return nice_agent_add_local_address (NICE_AGENT (agent), &local);
#else
  return FALSE;
#endif
}

/* libnice sends its connectivity checks on a timer, every 20 ms by
 * default, and that includes the check it answers the browser's first
 * check with: ICE is up only when it comes back. A 5-ms pace (RFC 8445's
 * lowest) has it go out sooner. It only runs while checks are pending. */
void
on_air_webrtcbin_pace_checks_faster (GstElement *webrtcbin)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_return_if_fail (GST_IS_ELEMENT (webrtcbin));

  g_value_init (&v, G_TYPE_UINT);
  g_value_set_uint (&v, 5);
  set_agent_property (webrtcbin, "stun-pacing-timer", &v);
}

/* ---------------------------------------------------------------------- */
/* webrtcbin's children                                                   */

static gboolean
made_by (GstElement *element, const char *factory)
{
  GstElementFactory *f = gst_element_get_factory (element);

  return f != NULL && g_str_equal (GST_OBJECT_NAME (f), factory);
}

/* The child of @bin made by @factory, if there is exactly one; a ref. */
static GstElement *
find_child_by_factory (GstBin *bin, const char *factory)
{
  g_autoptr(GstIterator) it = gst_bin_iterate_elements (bin);
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);

      if (made_by (element, factory) && n++ == 0)
        found = gst_object_ref (element);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  if (n != 1)
    gst_clear_object (&found);
  return found;
}

void
on_air_webrtcbin_probe_received (GstElement          *webrtcbin,
                                 GstPadProbeCallback  probe,
                                 gpointer             user_data)
{
  g_autoptr(GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;

  g_return_if_fail (GST_IS_BIN (webrtcbin));
  g_return_if_fail (probe != NULL);

  it = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);

      if (made_by (element, "nicesrc"))
        {
          g_autoptr(GstPad) pad = gst_element_get_static_pad (element, "src");

          if (pad != NULL)
            gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                               probe, user_data, NULL);
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

/* ---------------------------------------------------------------------- */
/* retransmission                                                         */

/* What the retransmission buffer keeps. A NACK comes a round trip plus
 * the receiver's wait for reordering after the loss (Chromium: a few
 * tens of ms on Wi-Fi); a packet older than this would come too late to
 * be shown anyway. The packet bound only caps memory at high bitrates. */
#define RETRANSMIT_WINDOW_MS 500
#define RETRANSMIT_MAX_PACKETS 1000

static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  if (made_by (element, "rtprtxsend"))
    g_object_set (element,
                  "max-size-time", RETRANSMIT_WINDOW_MS,
                  "max-size-packets", RETRANSMIT_MAX_PACKETS,
                  NULL);
}

void
on_air_webrtcbin_enable_retransmission (GstElement *webrtcbin)
{
  g_autoptr(GObject) transceiver = NULL;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  g_signal_emit_by_name (webrtcbin, "get-transceiver", 0, &transceiver);
  if (transceiver == NULL || !g_object_class_find_property (G_OBJECT_GET_CLASS (transceiver), "do-nack"))
    return;
  /* webrtcbin then answers with nack and the offer's RTX payload type,
   * and puts an rtprtxsend behind the viewer's RTP session (1.22 makes it
   * before the answer's payload types are known, and fills in its
   * payload-type map from the answer). */
  g_object_set (transceiver, "do-nack", TRUE, NULL);
  g_signal_connect (webrtcbin, "deep-element-added", G_CALLBACK (on_deep_element_added), NULL);
}

void
on_air_webrtcbin_disable_retransmission (GstElement *webrtcbin)
{
  g_autoptr(GObject) transceiver = NULL;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  g_signal_emit_by_name (webrtcbin, "get-transceiver", 0, &transceiver);
  if (transceiver != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (transceiver), "do-nack"))
    g_object_set (transceiver, "do-nack", FALSE, NULL);
}

/* ---------------------------------------------------------------------- */
/* sending without waiting for the clock                                  */

static void
unsync (GstElement *element)
{
  if (made_by (element, "clocksync") || made_by (element, "nicesink"))
    g_object_set (element, "sync", FALSE, NULL);
}

static void
on_deep_sink_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  unsync (element);
}

static void
unsync_item (const GValue *item, gpointer user_data)
{
  unsync (g_value_get_object (item));
}

/* webrtcbin 1.22 holds each packet twice until the clock reaches its time
 * plus the pipeline's latency: in a clocksync behind every sink pad and in
 * its nicesink. Live media is paced by its source already, so the waits
 * only ever hold packets back: each viewer's thread waited on the clock
 * twice a frame, and each time viewers joined the pipeline's latency was
 * worked out again and every viewer's packets waited anew (viewers watching
 * through a burst of a hundred joins stood still for 50–130 ms at a time
 * in those waits; bench/run.py --joins). Sent as they come instead. */
void
on_air_webrtcbin_send_unsynced (GstElement *webrtcbin)
{
  g_autoptr(GstIterator) it = NULL;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  g_signal_connect (webrtcbin, "deep-element-added", G_CALLBACK (on_deep_sink_added), NULL);
  it = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  gst_iterator_foreach (it, unsync_item, NULL);
}

/* ---------------------------------------------------------------------- */
/* FEC bypass                                                             */

static gboolean
is_unused_fec_bin (GstElement *element)
{
  g_autoptr(GstElement) fec = NULL;
  g_autoptr(GstElement) red = NULL;
  guint fec_pt = 0;
  int red_pt = -1;

  if (!GST_IS_BIN (element))
    return FALSE;
  fec = find_child_by_factory (GST_BIN (element), "rtpulpfecenc");
  red = find_child_by_factory (GST_BIN (element), "rtpredenc");
  if (fec == NULL || red == NULL || GST_BIN (element)->numchildren != 2)
    return FALSE;
  g_object_get (fec, "pt", &fec_pt, NULL);
  g_object_get (red, "pt", &red_pt, NULL);
  /* As webrtcbin leaves them when the answer has neither: FEC without a
   * payload type (255), RED with 0. */
  return fec_pt > 127 && red_pt == 0;
}

/* TRUE if the answer we gave carries RED or ULPFEC. */
static gboolean
answered_fec (GstElement *webrtcbin)
{
  GstWebRTCSessionDescription *local = NULL;
  gboolean found;

  g_object_get (webrtcbin, "local-description", &local, NULL);
  if (local == NULL)
    return TRUE; /* unknown: do not touch anything */
  found = on_air_sdp_has_fec (local->sdp);
  gst_webrtc_session_description_free (local);
  return found;
}

/* Links @bin's upstream peer to its downstream peer and drops @bin; puts
 * the links back if the peers do not link. */
static void
link_around (GstElement *webrtcbin, GstElement *bin)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (bin, "sink");
  g_autoptr(GstPad) src = gst_element_get_static_pad (bin, "src");
  g_autoptr(GstPad) upstream = sink != NULL ? gst_pad_get_peer (sink) : NULL;
  g_autoptr(GstPad) downstream = src != NULL ? gst_pad_get_peer (src) : NULL;

  if (upstream == NULL || downstream == NULL)
    return;
  gst_pad_unlink (upstream, sink);
  gst_pad_unlink (src, downstream);
  if (gst_pad_link (upstream, downstream) != GST_PAD_LINK_OK)
    {
      gst_pad_link (upstream, sink);
      gst_pad_link (src, downstream);
      return;
    }
  gst_element_set_state (bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (webrtcbin), bin);
}

/* webrtcbin 1.22 puts an ULPFEC and a RED encoder in front of every send
 * session, in pass-through (payload type 0) when the answer has neither,
 * as ours never has. Neither handles buffer lists: each packet of a frame
 * then goes through the rest of webrtcbin on its own (session, SRTP,
 * libnice, one send call each) instead of the frame going as one list and
 * one sendmmsg(). Linking around them before media flows saves a large
 * share of the CPU each viewer costs (bench/README.md has the figures).
 * Anything that does not look exactly like that is left alone. */
void
on_air_webrtcbin_bypass_unused_fec (GstElement *webrtcbin)
{
  g_autoptr(GstIterator) it = NULL;
  g_autoptr(GPtrArray) unused = NULL;
  GValue item = G_VALUE_INIT;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  if (answered_fec (webrtcbin))
    return;
  it = gst_bin_iterate_elements (GST_BIN (webrtcbin));
  unused = g_ptr_array_new_with_free_func (gst_object_unref);
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      if (is_unused_fec_bin (g_value_get_object (&item)))
        g_ptr_array_add (unused, g_value_dup_object (&item));
      g_value_reset (&item);
    }
  g_value_unset (&item);

  for (guint i = 0; i < unused->len; i++)
    link_around (webrtcbin, g_ptr_array_index (unused, i));
}

/* GStreamer 1.22's DTLS elements connect to the GstDtlsConnection they
 * share with g_signal_connect_object(); each DTLS timer pending on the
 * system clock's thread holds the connection, so its last reference can
 * go there while the elements are disposed on another thread, and GLib
 * aborts the process (invalid_closure_notify: handler != NULL; fixed
 * upstream in 2026, gstreamer!11054). The timers of a finished handshake
 * are due within a second or two of its last flight, and nothing arms new
 * ones once the elements are stopped: a retired webrtcbin is let go after
 * they have all fired. A handshake that was still being retried when the
 * viewer left can have a longer one pending (2, 4, 8 s ...): not covered. */
#define RETIRE_AFTER_SECONDS 5
/* Each one keeps its ICE agent's sockets and thread until then; viewers
 * joining and leaving fast cannot pile up more than this many (the oldest
 * go at once, back to the old way's small risk). */
#define RETIRED_AT_MOST 64

typedef struct
{
  GstElement *element;
  GSource    *source;
} Retired;

static GMutex retired_lock;
static GQueue retired = G_QUEUE_INIT;  /* of Retired, oldest first */

static gboolean
let_go (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* The timeout's destroy notify: when it fired, or was destroyed early. */
static void
retired_free (gpointer data)
{
  Retired *r = data;

  g_mutex_lock (&retired_lock);
  g_queue_remove (&retired, r);
  g_mutex_unlock (&retired_lock);
  gst_object_unref (r->element);
  g_free (r);
}

void
on_air_webrtcbin_retire (GstElement *element)
{
  Retired *r;
  GSource *oldest = NULL;

  g_return_if_fail (GST_IS_ELEMENT (element));

  r = g_new0 (Retired, 1);
  r->element = element;
  r->source = g_timeout_source_new_seconds (RETIRE_AFTER_SECONDS);
  g_source_set_callback (r->source, let_go, r, retired_free);
  g_mutex_lock (&retired_lock);
  g_queue_push_tail (&retired, r);
  if (g_queue_get_length (&retired) > RETIRED_AT_MOST)
    oldest = g_source_ref (((Retired *) g_queue_peek_head (&retired))->source);
  g_mutex_unlock (&retired_lock);

  g_source_attach (r->source, g_main_context_get_thread_default ());
  g_source_unref (r->source);
  if (oldest != NULL)
    {
      g_source_destroy (oldest);
      g_source_unref (oldest);
    }
}

guint
on_air_webrtcbin_count_retired (void)
{
  guint n;

  g_mutex_lock (&retired_lock);
  n = g_queue_get_length (&retired);
  g_mutex_unlock (&retired_lock);
  return n;
}
