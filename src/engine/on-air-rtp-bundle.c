/* on-air-rtp-bundle.c: a video frame's RTP packets passed on as one list
 *
 * rtph264pay pushes each NAL unit on its own (a list of fragments for a
 * large one, a buffer for a small one): three to five pushes a frame with
 * x264's slices, each of them, through the tee, a push into every viewer's
 * queue and a wake-up of every viewer's thread. Gathered here up to the
 * frame's last packet (the marker bit), a frame is one push and one
 * wake-up per viewer, and one pass through each viewer's webrtcbin.
 * The payloader makes a frame's packets at once from one encoded buffer,
 * so gathering them delays none of them by more than the payloading.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "on-air-rtp-bundle.h"

#include "on-air-rtp.h"

/* A stream without markers (a broken camera) still flows: a list this
 * long goes on without one. */
#define BUNDLE_MAX_PACKETS 512

struct _OnAirRtpBundle
{
  GstElement     parent_instance;
  GstPad        *sinkpad;
  GstPad        *srcpad;
  GstBufferList *pending; /* streaming thread only; cleared at state changes */
};

G_DEFINE_FINAL_TYPE (OnAirRtpBundle, on_air_rtp_bundle, GST_TYPE_ELEMENT)

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));

static GstFlowReturn
push_pending (OnAirRtpBundle *self)
{
  GstBufferList *list = g_steal_pointer (&self->pending);

  if (list == NULL)
    return GST_FLOW_OK;
  return gst_pad_push_list (self->srcpad, list);
}

static void
add (OnAirRtpBundle *self, GstBuffer *buffer)
{
  if (self->pending == NULL)
    self->pending = gst_buffer_list_new_sized (16);
  gst_buffer_list_add (self->pending, buffer);
}

/* The frame's last packet came, or the list is as long as it may grow. */
static GstFlowReturn
push_if_done (OnAirRtpBundle *self, gboolean ends)
{
  if (ends || gst_buffer_list_length (self->pending) >= BUNDLE_MAX_PACKETS)
    return push_pending (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  OnAirRtpBundle *self = ON_AIR_RTP_BUNDLE (parent);
  guint n = gst_buffer_list_length (list);
  gboolean ends;

  if (n == 0)
    {
      gst_buffer_list_unref (list);
      return GST_FLOW_OK;
    }
  ends = on_air_rtp_ends_frame (gst_buffer_list_get (list, n - 1));
  if (self->pending == NULL && ends)
    return gst_pad_push_list (self->srcpad, list); /* a whole frame already */

  for (guint i = 0; i < n; i++)
    add (self, gst_buffer_ref (gst_buffer_list_get (list, i)));
  gst_buffer_list_unref (list);
  return push_if_done (self, ends);
}

static GstFlowReturn
chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  OnAirRtpBundle *self = ON_AIR_RTP_BUNDLE (parent);
  gboolean ends = on_air_rtp_ends_frame (buffer);

  if (self->pending == NULL && ends)
    return gst_pad_push (self->srcpad, buffer);
  add (self, buffer);
  return push_if_done (self, ends);
}

/* A serialized event (caps, segment, EOS, gap) goes after the packets
 * before it; a flush drops them. */
static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  OnAirRtpBundle *self = ON_AIR_RTP_BUNDLE (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    g_clear_pointer (&self->pending, gst_buffer_list_unref);
  else if (GST_EVENT_IS_SERIALIZED (event))
    push_pending (self);
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
change_state (GstElement *element, GstStateChange transition)
{
  OnAirRtpBundle *self = ON_AIR_RTP_BUNDLE (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (on_air_rtp_bundle_parent_class)->change_state (element, transition);
  /* Pads deactivated: the streaming thread is out. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    g_clear_pointer (&self->pending, gst_buffer_list_unref);
  return ret;
}

static void
on_air_rtp_bundle_finalize (GObject *object)
{
  OnAirRtpBundle *self = ON_AIR_RTP_BUNDLE (object);

  g_clear_pointer (&self->pending, gst_buffer_list_unref);
  G_OBJECT_CLASS (on_air_rtp_bundle_parent_class)->finalize (object);
}

static void
on_air_rtp_bundle_class_init (OnAirRtpBundleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->finalize = on_air_rtp_bundle_finalize;
  element_class->change_state = change_state;
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "On Air RTP frame bundle", "Filter/Network/RTP",
                                         "Passes a video frame's RTP packets on as one buffer list",
                                         "On Air");
}

static void
on_air_rtp_bundle_init (OnAirRtpBundle *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, chain);
  gst_pad_set_chain_list_function (self->sinkpad, chain_list);
  gst_pad_set_event_function (self->sinkpad, sink_event);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

GstElement *
on_air_rtp_bundle_new (void)
{
  return g_object_new (ON_AIR_TYPE_RTP_BUNDLE, NULL);
}
