/* on-air-viewer-row.c
 *
 * One person watching: how they watch, from where, since when, and
 * whether a weak connection gets them the lower rung.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-viewer-row"

#include "config.h"

#include <glib/gi18n.h>

#include "on-air-viewer-row.h"

struct _OnAirViewerRow
{
  AdwActionRow  parent_instance;

  /* template */
  GtkLabel     *since_label;

  OnAirViewer  *viewer;
};

G_DEFINE_FINAL_TYPE (OnAirViewerRow, on_air_viewer_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_VIEWER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A kind the window does not know shows as it is. */
static const char *
kind_title (const char *kind)
{
  if (g_strcmp0 (kind, "webrtc") == 0)
    return _("Browser, live video (WebRTC)");
  if (g_strcmp0 (kind, "mjpeg") == 0)
    return _("Browser, picture stream (MJPEG)");
  return kind;
}

static void
update_subtitle (OnAirViewerRow *self)
{
  const char *address = on_air_viewer_get_remote_address (self->viewer);
  g_autofree char *text = NULL;

  if (g_strcmp0 (on_air_viewer_get_rung (self->viewer), "low") == 0)
    /* Translators: %s is a viewer's network address; the viewer's
     * connection cannot carry the full picture, so it gets a lighter one. */
    text = g_strdup_printf (_("%s · lower quality for a weak connection"), address);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), text != NULL ? text : address);
}

static void
on_air_viewer_row_constructed (GObject *object)
{
  OnAirViewerRow *self = ON_AIR_VIEWER_ROW (object);
  g_autoptr(GDateTime) since = g_date_time_to_local (on_air_viewer_get_since (self->viewer));
  g_autofree char *time = g_date_time_format (since, "%X");
  g_autofree char *since_text = NULL;

  G_OBJECT_CLASS (on_air_viewer_row_parent_class)->constructed (object);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), kind_title (on_air_viewer_get_kind (self->viewer)));
  update_subtitle (self);
  g_signal_connect_object (self->viewer, "notify::rung", G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);
  /* Translators: %s is a time of day, when a viewer started watching. */
  since_text = g_strdup_printf (_("since %s"), time);
  gtk_label_set_text (self->since_label, since_text);
}

static void
on_air_viewer_row_dispose (GObject *object)
{
  OnAirViewerRow *self = ON_AIR_VIEWER_ROW (object);

  g_clear_object (&self->viewer);
  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_VIEWER_ROW);

  G_OBJECT_CLASS (on_air_viewer_row_parent_class)->dispose (object);
}

static void
on_air_viewer_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirViewerRow *self = ON_AIR_VIEWER_ROW (object);

  switch (prop_id)
    {
    case PROP_VIEWER:
      g_value_set_object (value, self->viewer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_viewer_row_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OnAirViewerRow *self = ON_AIR_VIEWER_ROW (object);

  switch (prop_id)
    {
    case PROP_VIEWER:
      self->viewer = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_viewer_row_class_init (OnAirViewerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = on_air_viewer_row_constructed;
  object_class->dispose = on_air_viewer_row_dispose;
  object_class->get_property = on_air_viewer_row_get_property;
  object_class->set_property = on_air_viewer_row_set_property;

  properties[PROP_VIEWER] =
    g_param_spec_object ("viewer", NULL, NULL, ON_AIR_TYPE_VIEWER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-viewer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirViewerRow, since_label);
}

static void
on_air_viewer_row_init (OnAirViewerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
on_air_viewer_row_new (OnAirViewer *viewer)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (viewer), NULL);

  return g_object_new (ON_AIR_TYPE_VIEWER_ROW, "viewer", viewer, NULL);
}

OnAirViewer *
on_air_viewer_row_get_viewer (OnAirViewerRow *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER_ROW (self), NULL);
  return self->viewer;
}
