/* on-air-branch.c
 *
 * A branch is a chain of elements fed from one stage tee through a request
 * pad: a producer that makes another format, an appsink slot, the MJPEG
 * sink, an RTP payloader group. Attaching one holds its input stage;
 * freeing it lets the stage go. Also the element makers branches share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-branch"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "on-air-broadcast-private.h"
#include "on-air-error.h"

GstElement *
on_air_make_element (const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                 _("The GStreamer element “%s” is not installed"), factory);
  return element;
}

GstElement *
on_air_make_queue (gboolean leaky, guint max_buffers, guint64 max_time)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);

  g_object_set (queue,
                "max-size-buffers", max_buffers,
                "max-size-bytes", 0,
                "max-size-time", max_time,
                NULL);
  if (leaky)
    gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  return queue;
}

GstElement *
on_air_make_capsfilter (const char *caps_string)
{
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_string);

  g_object_set (filter, "caps", caps, NULL);
  return filter;
}

static GstPadProbeReturn
drop_reconfigure_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_RECONFIGURE)
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

/* A pad of @tee for one viewer. The viewer takes the caps the tee has
 * (the new pad holds its sticky events), so nothing upstream needs to
 * negotiate again for it, and nothing will: linking the pad, and the
 * links webrtcbin makes inside as it answers, send RECONFIGURE upstream,
 * which would have the encoder and the source negotiate once more, each
 * with an ALLOCATION query that waits in every queue of every branch
 * until it has drained. A hundred viewers joining at once did that about
 * three hundred times, and the source stood still for up to 0.4 s at a
 * time (bench/run.py --joins). The probe drops RECONFIGURE on its way up
 * through this pad only. */
GstPad *
on_air_request_viewer_pad (GstElement *tee)
{
  GstPad *pad = gst_element_request_pad_simple (tee, "src_%u");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, drop_reconfigure_probe, NULL, NULL);
  return pad;
}

OnAirBranch *
on_air_branch_new (OnAirFmt input)
{
  OnAirBranch *branch = g_new0 (OnAirBranch, 1);

  branch->input = input;
  branch->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  return branch;
}

void
on_air_branch_add (OnAirBranch *branch, GstElement *element)
{
  g_ptr_array_add (branch->elements, gst_object_ref_sink (element));
}

void
on_air_branch_discard (OnAirBranch *branch)
{
  g_ptr_array_unref (branch->elements);
  g_free (branch);
}

/* Adds the branch to the pipeline, links it from its input stage's tee
 * and, when @output is given, into @output. Returns FALSE if the formats
 * do not link (nothing is left in the pipeline then). */
gboolean
on_air_branch_attach (OnAirBroadcast *self, OnAirBranch *branch, GstPad *output)
{
  GPtrArray *els = branch->elements;
  GstElement *first = g_ptr_array_index (els, 0);
  GstElement *last = g_ptr_array_index (els, els->len - 1);
  g_autoptr(GstPad) first_sink = NULL;

  g_assert (els->len > 0);

  for (guint i = 0; i < els->len; i++)
    gst_bin_add (GST_BIN (self->pipeline), g_ptr_array_index (els, i));
  for (guint i = 0; i + 1 < els->len; i++)
    if (!gst_element_link (g_ptr_array_index (els, i), g_ptr_array_index (els, i + 1)))
      goto fail;
  if (output != NULL)
    {
      g_autoptr(GstPad) last_src = gst_element_get_static_pad (last, "src");

      if (gst_pad_link (last_src, output) != GST_PAD_LINK_OK)
        goto fail;
    }

  /* Downstream first, so nothing pushes into an element not yet playing. */
  for (guint i = els->len; i > 0; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (els, i - 1));

  on_air_stage_acquire (self, branch->input);
  branch->input_pad = gst_element_request_pad_simple (self->stages[branch->input].tee, "src_%u");
  first_sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (branch->input_pad, first_sink) != GST_PAD_LINK_OK)
    {
      g_critical ("Cannot link a %s branch", on_air_fmt_name (branch->input));
      return FALSE;
    }
  return TRUE;

fail:
  g_critical ("Cannot link the elements of a %s branch", on_air_fmt_name (branch->input));
  for (guint i = 0; i < els->len; i++)
    {
      gst_element_set_state (g_ptr_array_index (els, i), GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), g_ptr_array_index (els, i));
    }
  return FALSE;
}

void
on_air_branch_free (OnAirBroadcast *self, OnAirBranch *branch)
{
  GPtrArray *els = branch->elements;

  if (branch->input_pad != NULL)
    {
      GstElement *tee = self->stages[branch->input].tee;
      GstPad *peer = gst_pad_get_peer (branch->input_pad);

      if (peer != NULL)
        {
          gst_pad_unlink (branch->input_pad, peer);
          gst_object_unref (peer);
        }
      gst_element_release_request_pad (tee, branch->input_pad);
      gst_clear_object (&branch->input_pad);
    }

  /* Downstream first: a queue's thread blocked pushing into a later element
   * is released (flushing) before the queue itself is stopped. */
  for (guint i = els->len; i > 0; i--)
    {
      GstElement *element = g_ptr_array_index (els, i - 1);

      gst_element_set_state (element, GST_STATE_NULL);
      if (self->pipeline != NULL && GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
        gst_bin_remove (GST_BIN (self->pipeline), element);
    }

  g_ptr_array_unref (els);
  on_air_stage_release (self, branch->input);
  g_free (branch);
}
