/* on-air-source-picker.c
 *
 * The cameras GstDeviceMonitor sees (kept up to date as they come and
 * go), a network camera, and the test pattern. For the network camera,
 * an address row and a password row.
 *
 * The RTSP address may carry a password: the picker saves it in the
 * settings and hands it on, but shows it only in the password row, which
 * masks it; never in the address row, a title or a log line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-source-picker"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <string.h>

#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-source-picker.h"
#include "on-air-source-spec.h"

#define SOURCE_ID_RTSP "rtsp"
#define SOURCE_ID_TEST "test"

struct _OnAirSourcePicker
{
  AdwPreferencesGroup  parent_instance;

  /* template */
  AdwComboRow         *source_row;
  AdwEntryRow         *rtsp_url_row;
  AdwPasswordEntryRow *rtsp_password_row;
  GtkLabel            *rtsp_error_label;

  GSettings           *settings;

  /* One id per row ("v4l2:///dev/videoN", "pipewire://NODE", "rtsp", "test"). */
  GstDeviceMonitor    *monitor;
  guint                monitor_watch;
  GtkStringList       *source_names;
  GPtrArray           *source_ids;
  char                *chosen_id;   /* the row chosen, even while unplugged */

  /* Set while the code changes the combo, so the handler meant for the
   * user neither saves the choice nor announces it. */
  gboolean             updating;
};

G_DEFINE_FINAL_TYPE (OnAirSourcePicker, on_air_source_picker, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_CHOSEN,
  N_PROPS
};

enum {
  SOURCE_CHOSEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
replace_string (char **place, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*place);
  *place = copy;
}

/* ---------------------------------------------------------------------- */
/* RTSP address: the entry never shows the password                       */

static char *
escape_userinfo (const char *text)
{
  /* ':' and '@' must be escaped inside a user name or password. */
  return g_uri_escape_string (text, "!$&'()*+,;=", FALSE);
}

/* The address the user typed, the password row's password put in (when
 * not empty). NULL with @error set when it is not an RTSP address. */
static char *
rtsp_url_from_rows (OnAirSourcePicker *self, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->rtsp_url_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->rtsp_password_row));
  g_autoptr(OnAirSourceSpec) spec = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("Type the address of the network camera."));
      return NULL;
    }

  spec = on_air_source_spec_parse (stripped, NULL);
  if (spec == NULL || on_air_source_spec_get_kind (spec) != ON_AIR_SOURCE_RTSP)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("This is not an RTSP address. It looks like rtsp://192.168.1.50:554/stream."));
      return NULL;
    }

  uri = g_uri_parse (stripped, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  g_assert (uri != NULL); /* the spec parsed it */
  if (*password == '\0')
    return g_strdup (stripped);

  escaped = escape_userinfo (password);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (uri),
                               g_uri_get_user (uri) ? g_uri_get_user (uri) : "",
                               escaped, NULL,
                               g_uri_get_host (uri), g_uri_get_port (uri),
                               g_uri_get_path (uri), g_uri_get_query (uri),
                               g_uri_get_fragment (uri));
}

/* Shows @url in the rows: the address with its user name in the entry,
 * the password (if any) only in the password row, which masks it. */
static void
set_rtsp_rows (OnAirSourcePicker *self, const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *password = NULL;

  uri = url ? g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL) : NULL;
  if (uri == NULL)
    {
      /* Not a URI: nothing to hide in it, but show it only if it has no '@'. */
      gtk_editable_set_text (GTK_EDITABLE (self->rtsp_url_row),
                             url && strchr (url, '@') == NULL ? url : "");
      return;
    }

  shown = g_uri_join_with_user (G_URI_FLAGS_ENCODED,
                                g_uri_get_scheme (uri), g_uri_get_user (uri), NULL, NULL,
                                g_uri_get_host (uri), g_uri_get_port (uri),
                                g_uri_get_path (uri), g_uri_get_query (uri),
                                g_uri_get_fragment (uri));
  if (g_uri_get_password (uri) != NULL)
    password = g_uri_unescape_string (g_uri_get_password (uri), NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->rtsp_url_row), shown);
  gtk_editable_set_text (GTK_EDITABLE (self->rtsp_password_row), password ? password : "");
}

static void
show_rtsp_error (OnAirSourcePicker *self, const char *message)
{
  gtk_label_set_text (self->rtsp_error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->rtsp_url_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->rtsp_url_row), "error");
}

/* ---------------------------------------------------------------------- */
/* the rows, following the cameras                                       */

static guint
find_source_row (OnAirSourcePicker *self, const char *id)
{
  for (guint i = 0; id != NULL && i < self->source_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->source_ids, i), id))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* The picker row a source belongs to. */
static const char *
source_row_id (const char *source)
{
  if (source == NULL)
    return NULL;
  if (g_ascii_strncasecmp (source, "rtsp", 4) == 0)
    return SOURCE_ID_RTSP;
  return source;
}

static void
select_source_row (OnAirSourcePicker *self, const char *id)
{
  guint row = find_source_row (self, id);
  gboolean changed = g_strcmp0 (id, self->chosen_id) != 0;
  gboolean rtsp;

  replace_string (&self->chosen_id, id);
  self->updating = TRUE;
  adw_combo_row_set_selected (self->source_row, row);
  self->updating = FALSE;

  rtsp = on_air_source_picker_get_rtsp_chosen (self);
  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_url_row), rtsp);
  gtk_widget_set_visible (GTK_WIDGET (self->rtsp_password_row), rtsp);
  if (!rtsp)
    show_rtsp_error (self, NULL);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOSEN]);
}

/* Cameras as GstDeviceMonitor sees them, then RTSP, then the test pattern. */
static void
fill_sources (OnAirSourcePicker *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GList *cameras = self->monitor ? on_air_camera_list (self->monitor) : NULL;
  guint n;

  /* The engine's own list: a PipeWire camera, not its V4L2 node again. */
  for (GList *l = cameras; l != NULL; l = l->next)
    {
      OnAirCamera *camera = l->data;

      g_ptr_array_add (names, g_strdup (camera->name));
      g_ptr_array_add (ids, g_strdup (camera->id));
    }
  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);

  g_ptr_array_add (names, g_strdup (_("Network camera (RTSP)…")));
  g_ptr_array_add (ids, g_strdup (SOURCE_ID_RTSP));
  g_ptr_array_add (names, g_strdup (_("Test pattern")));
  g_ptr_array_add (ids, g_strdup (SOURCE_ID_TEST));
  g_ptr_array_add (names, NULL);

  self->updating = TRUE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->source_names));
  gtk_string_list_splice (self->source_names, 0, n, (const char * const *) names->pdata);
  g_ptr_array_unref (self->source_ids);
  self->source_ids = g_steal_pointer (&ids);
  self->updating = FALSE;

  select_source_row (self, self->chosen_id);
}

static gboolean
is_camera_id (const char *id)
{
  return g_str_has_prefix (id, "v4l2://") || g_str_has_prefix (id, "pipewire://");
}

static const char *
first_camera (OnAirSourcePicker *self)
{
  const char *id = g_ptr_array_index (self->source_ids, 0);

  return is_camera_id (id) ? id : NULL;
}

static gboolean
on_monitor_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  OnAirSourcePicker *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_ADDED ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_REMOVED)
    fill_sources (self);
  return G_SOURCE_CONTINUE;
}

static void
stop_monitor (OnAirSourcePicker *self)
{
  if (self->monitor == NULL)
    return;

  gst_device_monitor_stop (self->monitor);
  g_clear_handle_id (&self->monitor_watch, g_source_remove);
  g_clear_object (&self->monitor);
}

/* Cameras come and go while the window is open. */
static void
start_monitor (OnAirSourcePicker *self)
{
  GstBus *bus;

  self->monitor = on_air_camera_monitor_new ();
  bus = gst_device_monitor_get_bus (self->monitor);
  self->monitor_watch = gst_bus_add_watch (bus, on_monitor_message, self);
  gst_object_unref (bus);
  if (!gst_device_monitor_start (self->monitor))
    {
      g_debug ("No camera monitor: only RTSP and the test pattern are offered");
      stop_monitor (self);
    }
}

/* ---------------------------------------------------------------------- */
/* what the user does                                                     */

static void
on_source_selected (OnAirSourcePicker *self)
{
  guint selected = adw_combo_row_get_selected (self->source_row);
  const char *id;

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;

  id = g_ptr_array_index (self->source_ids, selected);
  select_source_row (self, id);
  g_settings_set_string (self->settings, "source", id);

  if (g_str_equal (id, SOURCE_ID_RTSP))
    {
      g_autofree char *url = rtsp_url_from_rows (self, NULL);

      g_signal_emit (self, signals[SOURCE_CHOSEN], 0, url);
      if (url == NULL)
        gtk_widget_grab_focus (GTK_WIDGET (self->rtsp_url_row));
    }
  else
    g_signal_emit (self, signals[SOURCE_CHOSEN], 0, id);
}

static void
on_rtsp_apply (OnAirSourcePicker *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = rtsp_url_from_rows (self, &error);

  if (url == NULL)
    {
      show_rtsp_error (self, error->message);
      return;
    }
  show_rtsp_error (self, NULL);
  /* A password typed into the address moves to the password row. */
  set_rtsp_rows (self, url);
  g_settings_set_string (self->settings, "rtsp-url", url);
  g_signal_emit (self, signals[SOURCE_CHOSEN], 0, url);
}

static void
on_rtsp_changed (OnAirSourcePicker *self)
{
  show_rtsp_error (self, NULL);
}

/* ---------------------------------------------------------------------- */

static void
on_air_source_picker_dispose (GObject *object)
{
  OnAirSourcePicker *self = ON_AIR_SOURCE_PICKER (object);

  stop_monitor (self);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_SOURCE_PICKER);

  G_OBJECT_CLASS (on_air_source_picker_parent_class)->dispose (object);
}

static void
on_air_source_picker_finalize (GObject *object)
{
  OnAirSourcePicker *self = ON_AIR_SOURCE_PICKER (object);

  g_clear_pointer (&self->source_ids, g_ptr_array_unref);
  g_clear_object (&self->source_names);
  g_free (self->chosen_id);

  G_OBJECT_CLASS (on_air_source_picker_parent_class)->finalize (object);
}

static void
on_air_source_picker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirSourcePicker *self = ON_AIR_SOURCE_PICKER (object);

  switch (prop_id)
    {
    case PROP_CHOSEN:
      g_value_set_string (value, self->chosen_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_source_picker_class_init (OnAirSourcePickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = on_air_source_picker_dispose;
  object_class->finalize = on_air_source_picker_finalize;
  object_class->get_property = on_air_source_picker_get_property;

  properties[PROP_CHOSEN] =
    g_param_spec_string ("chosen", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SOURCE_CHOSEN] =
    g_signal_new ("source-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-source-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirSourcePicker, source_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSourcePicker, rtsp_url_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSourcePicker, rtsp_password_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSourcePicker, rtsp_error_label);
}

static void
on_air_source_picker_init (OnAirSourcePicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  self->source_names = gtk_string_list_new (NULL);
  self->source_ids = g_ptr_array_new_with_free_func (g_free);
  adw_combo_row_set_model (self->source_row, G_LIST_MODEL (self->source_names));

  start_monitor (self);
  fill_sources (self);

  g_signal_connect_swapped (self->source_row, "notify::selected", G_CALLBACK (on_source_selected), self);
  g_signal_connect_swapped (self->rtsp_url_row, "apply", G_CALLBACK (on_rtsp_apply), self);
  g_signal_connect_swapped (self->rtsp_password_row, "apply", G_CALLBACK (on_rtsp_apply), self);
  g_signal_connect_swapped (self->rtsp_url_row, "changed", G_CALLBACK (on_rtsp_changed), self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

char *
on_air_source_picker_restore (OnAirSourcePicker *self, const char *source)
{
  g_autofree char *chosen = NULL;
  g_autofree char *saved_rtsp = NULL;
  const char *row;

  g_return_val_if_fail (ON_AIR_IS_SOURCE_PICKER (self), NULL);

  saved_rtsp = g_settings_get_string (self->settings, "rtsp-url");
  chosen = g_strdup (source);
  if (chosen == NULL)
    {
      chosen = g_settings_get_string (self->settings, "source");
      /* A saved camera that is gone: start as on first run. */
      if (is_camera_id (chosen) && find_source_row (self, chosen) == GTK_INVALID_LIST_POSITION)
        g_clear_pointer (&chosen, g_free);
      else if (g_strcmp0 (chosen, SOURCE_ID_RTSP) == 0)
        replace_string (&chosen, *saved_rtsp ? saved_rtsp : SOURCE_ID_RTSP);
    }

  if (chosen == NULL || *chosen == '\0' || g_str_equal (chosen, "auto"))
    replace_string (&chosen, first_camera (self) ? first_camera (self) : SOURCE_ID_TEST);
  else if (g_str_equal (chosen, "camera") && first_camera (self) != NULL)
    replace_string (&chosen, first_camera (self));

  row = source_row_id (chosen);
  if (g_str_equal (row, SOURCE_ID_RTSP))
    {
      set_rtsp_rows (self, g_str_equal (chosen, SOURCE_ID_RTSP) ? saved_rtsp : chosen);
      select_source_row (self, SOURCE_ID_RTSP);
      if (g_str_equal (chosen, SOURCE_ID_RTSP))
        return NULL;
    }
  else
    {
      set_rtsp_rows (self, saved_rtsp);
      select_source_row (self, row);
    }
  return g_steal_pointer (&chosen);
}

const char *
on_air_source_picker_get_chosen (OnAirSourcePicker *self)
{
  g_return_val_if_fail (ON_AIR_IS_SOURCE_PICKER (self), NULL);
  return self->chosen_id;
}

gboolean
on_air_source_picker_get_rtsp_chosen (OnAirSourcePicker *self)
{
  g_return_val_if_fail (ON_AIR_IS_SOURCE_PICKER (self), FALSE);
  return g_strcmp0 (self->chosen_id, SOURCE_ID_RTSP) == 0;
}
