/* on-air-preview-view.c
 *
 * The picture of the source while it plays; otherwise a page that says
 * what is happening: starting, reconnecting, failed (with a countdown to
 * the next try), or no source chosen yet. It asks the broadcast for
 * preview frames at the size the picture shows them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-preview-view"

#include "config.h"

#include <glib/gi18n.h>

#include "on-air-preview-view.h"

struct _OnAirPreviewView
{
  GtkWidget              parent_instance;

  /* template */
  GtkStack              *preview_stack;
  GtkPicture            *preview_picture;
  AdwStatusPage         *status_page;
  AdwStatusPage         *starting_page;

  OnAirBroadcast        *broadcast;
  gboolean               wants_address;
  OnAirPreviewPaintable *preview;
  int                    preview_width;  /* asked of the engine */
  int                    preview_height;
  guint                  preview_resize;
  guint                  retry_tick;
};

G_DEFINE_FINAL_TYPE (OnAirPreviewView, on_air_preview_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BROADCAST,
  PROP_WANTS_ADDRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_page (OnAirPreviewView *self);

/* ---------------------------------------------------------------------- */
/* the page                                                               */

static gboolean
on_retry_tick (gpointer user_data)
{
  update_page (user_data);
  return G_SOURCE_CONTINUE;
}

static void
set_status (OnAirPreviewView *self, const char *icon, const char *title, const char *description)
{
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->preview_stack, "status");
}

static void
set_starting (OnAirPreviewView *self, const char *title)
{
  adw_status_page_set_title (self->starting_page, title);
  adw_status_page_set_description (self->starting_page,
                                   on_air_broadcast_get_description (self->broadcast));
  gtk_stack_set_visible_child_name (self->preview_stack, "starting");
}

/* Returns whether a retry is due. */
static gboolean
show_failure (OnAirPreviewView *self)
{
  const char *message = on_air_broadcast_get_error_message (self->broadcast);
  guint retry = on_air_broadcast_get_retry_seconds (self->broadcast);
  g_autofree char *next = NULL;
  g_autofree char *text = NULL;

  on_air_preview_paintable_clear (self->preview);
  if (retry > 0)
    /* Translators: %u is a number of seconds. */
    next = g_strdup_printf (ngettext ("Retrying in %u s", "Retrying in %u s", retry), retry);
  else
    next = g_strdup (_("Choose another source, or fix the problem and choose this one again."));
  text = g_strdup_printf ("%s\n\n%s", message ? message : "", next);
  set_status (self, "camera-disabled-symbolic", _("No Picture"), text);
  return retry > 0;
}

/* What the view shows follows the source's state. */
static void
update_page (OnAirPreviewView *self)
{
  OnAirSourceState state;
  gboolean failed = FALSE;

  if (self->broadcast == NULL)
    {
      if (self->wants_address)
        set_status (self, "camera-web-symbolic", _("Which Network Camera?"),
                    _("Type its RTSP address, for example rtsp://192.168.1.50:554/stream, and press Enter."));
      else
        set_status (self, "camera-disabled-symbolic", _("No Source"),
                    _("Choose what to show."));
    }
  else
    {
      state = on_air_broadcast_get_state (self->broadcast);
      switch (state)
        {
        case ON_AIR_SOURCE_STATE_LIVE:
          if (on_air_preview_paintable_get_texture (self->preview) != NULL)
            gtk_stack_set_visible_child_name (self->preview_stack, "preview");
          else
            set_starting (self, _("Starting…"));
          break;

        case ON_AIR_SOURCE_STATE_STARTING:
        case ON_AIR_SOURCE_STATE_RECONNECTING:
          on_air_preview_paintable_clear (self->preview);
          set_starting (self, state == ON_AIR_SOURCE_STATE_STARTING ? _("Starting…")
                                                                    : _("Reconnecting…"));
          break;

        case ON_AIR_SOURCE_STATE_FAILED:
          failed = show_failure (self);
          break;

        case ON_AIR_SOURCE_STATE_STOPPED:
        default:
          on_air_preview_paintable_clear (self->preview);
          set_status (self, "camera-disabled-symbolic", _("Stopped"), NULL);
          break;
        }
    }

  /* A countdown while a retry is due. */
  if (failed && self->retry_tick == 0)
    self->retry_tick = g_timeout_add_seconds (1, on_retry_tick, self);
  else if (!failed)
    g_clear_handle_id (&self->retry_tick, g_source_remove);
}

/* The page follows the properties through their notifications, so that a
 * caller who changes both with notifications frozen changes the page once
 * (a crossfade from a page shown for no time would be seen). */
static void
on_notify (OnAirPreviewView *self, GParamSpec *pspec, gpointer user_data)
{
  update_page (self);
}

/* ---------------------------------------------------------------------- */
/* the broadcast's frames                                                 */

static void
on_preview_frame (OnAirBroadcast *broadcast, GstSample *sample, OnAirPreviewView *self)
{
  gboolean first = on_air_preview_paintable_get_texture (self->preview) == NULL;

  on_air_preview_paintable_push_sample (self->preview, sample);
  if (first)
    update_page (self);
}

static void
on_state_changed (OnAirBroadcast *broadcast, GParamSpec *pspec, OnAirPreviewView *self)
{
  update_page (self);
}

/* Frames the size they are shown at: the renderer then draws them 1:1
 * instead of scaling every frame on the main thread. */
static gboolean
resize_preview (gpointer user_data)
{
  OnAirPreviewView *self = user_data;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int width;
  int height;

  self->preview_resize = 0;
  on_air_preview_paintable_get_display_size (self->preview, &width, &height);
  width = CLAMP (width * scale, 16, ON_AIR_PREVIEW_MAX_WIDTH);
  height = CLAMP (height * scale, 16, ON_AIR_PREVIEW_MAX_HEIGHT);
  if (ABS (width - self->preview_width) <= 2 && ABS (height - self->preview_height) <= 2)
    return G_SOURCE_REMOVE;

  self->preview_width = width;
  self->preview_height = height;
  if (self->broadcast != NULL)
    {
      on_air_broadcast_release_preview (self->broadcast);
      on_air_broadcast_acquire_preview (self->broadcast, width, height);
    }
  return G_SOURCE_REMOVE;
}

static void
on_display_size_changed (OnAirPreviewView *self)
{
  /* Once the window has stopped changing size. */
  g_clear_handle_id (&self->preview_resize, g_source_remove);
  self->preview_resize = g_timeout_add (300, resize_preview, self);
}

static void
detach_broadcast (OnAirPreviewView *self)
{
  if (self->broadcast == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->broadcast, self);
  on_air_broadcast_release_preview (self->broadcast);
  g_clear_object (&self->broadcast);
  on_air_preview_paintable_clear (self->preview);
}

/* ---------------------------------------------------------------------- */

static void
on_air_preview_view_dispose (GObject *object)
{
  OnAirPreviewView *self = ON_AIR_PREVIEW_VIEW (object);

  g_clear_handle_id (&self->retry_tick, g_source_remove);
  g_clear_handle_id (&self->preview_resize, g_source_remove);
  detach_broadcast (self);
  g_clear_object (&self->preview);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_PREVIEW_VIEW);

  G_OBJECT_CLASS (on_air_preview_view_parent_class)->dispose (object);
}

static void
on_air_preview_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirPreviewView *self = ON_AIR_PREVIEW_VIEW (object);

  switch (prop_id)
    {
    case PROP_BROADCAST:
      g_value_set_object (value, self->broadcast);
      break;
    case PROP_WANTS_ADDRESS:
      g_value_set_boolean (value, self->wants_address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_preview_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OnAirPreviewView *self = ON_AIR_PREVIEW_VIEW (object);

  switch (prop_id)
    {
    case PROP_BROADCAST:
      on_air_preview_view_set_broadcast (self, g_value_get_object (value));
      break;
    case PROP_WANTS_ADDRESS:
      on_air_preview_view_set_wants_address (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_preview_view_class_init (OnAirPreviewViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = on_air_preview_view_dispose;
  object_class->get_property = on_air_preview_view_get_property;
  object_class->set_property = on_air_preview_view_set_property;

  properties[PROP_BROADCAST] =
    g_param_spec_object ("broadcast", NULL, NULL, ON_AIR_TYPE_BROADCAST,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WANTS_ADDRESS] =
    g_param_spec_boolean ("wants-address", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-preview-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirPreviewView, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, OnAirPreviewView, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, OnAirPreviewView, status_page);
  gtk_widget_class_bind_template_child (widget_class, OnAirPreviewView, starting_page);
}

static void
on_air_preview_view_init (OnAirPreviewView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->preview = on_air_preview_paintable_new ();
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (self->preview));
  g_signal_connect_object (self->preview, "display-size-changed",
                           G_CALLBACK (on_display_size_changed), self, G_CONNECT_SWAPPED);
  /* Until the first frame is drawn and its size known. */
  self->preview_width = 640;
  self->preview_height = 360;

  g_signal_connect (self, "notify::broadcast", G_CALLBACK (on_notify), NULL);
  g_signal_connect (self, "notify::wants-address", G_CALLBACK (on_notify), NULL);
  update_page (self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

void
on_air_preview_view_set_broadcast (OnAirPreviewView *self, OnAirBroadcast *broadcast)
{
  g_return_if_fail (ON_AIR_IS_PREVIEW_VIEW (self));
  g_return_if_fail (broadcast == NULL || ON_AIR_IS_BROADCAST (broadcast));

  if (self->broadcast == broadcast)
    return;

  detach_broadcast (self);
  if (broadcast != NULL)
    {
      self->broadcast = g_object_ref (broadcast);
      g_signal_connect_object (broadcast, "preview-frame", G_CALLBACK (on_preview_frame), self, 0);
      g_signal_connect_object (broadcast, "notify::state", G_CALLBACK (on_state_changed), self, 0);
      on_air_broadcast_acquire_preview (broadcast, self->preview_width, self->preview_height);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCAST]);
}

OnAirBroadcast *
on_air_preview_view_get_broadcast (OnAirPreviewView *self)
{
  g_return_val_if_fail (ON_AIR_IS_PREVIEW_VIEW (self), NULL);
  return self->broadcast;
}

void
on_air_preview_view_set_wants_address (OnAirPreviewView *self, gboolean wants_address)
{
  g_return_if_fail (ON_AIR_IS_PREVIEW_VIEW (self));

  wants_address = !!wants_address;
  if (self->wants_address == wants_address)
    return;
  self->wants_address = wants_address;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WANTS_ADDRESS]);
}

gboolean
on_air_preview_view_get_wants_address (OnAirPreviewView *self)
{
  g_return_val_if_fail (ON_AIR_IS_PREVIEW_VIEW (self), FALSE);
  return self->wants_address;
}

OnAirPreviewPaintable *
on_air_preview_view_get_paintable (OnAirPreviewView *self)
{
  g_return_val_if_fail (ON_AIR_IS_PREVIEW_VIEW (self), NULL);
  return self->preview;
}
