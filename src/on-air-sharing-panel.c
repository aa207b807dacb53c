/* on-air-sharing-panel.c
 *
 * The port, whether viewers need an access code and whether they hear
 * sound, as the next Start Broadcasting uses them. Both are bound to the settings; the command
 * line may override them for this run without saving anything.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-sharing-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "on-air-sharing-panel.h"

struct _OnAirSharingPanel
{
  AdwPreferencesGroup  parent_instance;

  /* template */
  AdwEntryRow         *title_row;
  AdwActionRow        *port_row;
  GtkSpinButton       *port_spin;
  GtkSwitch           *open_switch;
  GtkSwitch           *sound_switch;

  GSettings           *settings;
  int                  port;  /* the spin's, or the command line's until the user changes it */

  /* Set while the command line's choices are shown: they are not saved. */
  gboolean             applying_command_line;
};

G_DEFINE_FINAL_TYPE (OnAirSharingPanel, on_air_sharing_panel, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_PORT,
  PROP_OPEN,
  PROP_BROADCAST_TITLE,
  PROP_SOUND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_port_origin (OnAirSharingPanel *self)
{
  g_autofree char *text = NULL;

  /* The command line may ask for a port the spin button does not offer. */
  if (self->port == 0)
    text = g_strdup (_("Any free port, as the command line asked"));
  else if (self->port < 1024)
    text = g_strdup_printf (_("Port %d, as the command line asked"), self->port);
  else
    text = g_strdup (_("From 1024 to 65535"));
  adw_action_row_set_subtitle (self->port_row, text);
}

static void
set_port (OnAirSharingPanel *self, int port)
{
  if (self->port == port)
    return;
  self->port = port;
  show_port_origin (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

static void
on_port_changed (OnAirSharingPanel *self)
{
  if (!self->applying_command_line)
    set_port (self, gtk_spin_button_get_value_as_int (self->port_spin));
}

static void
on_title_changed (OnAirSharingPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROADCAST_TITLE]);
}

static void
on_open_changed (OnAirSharingPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}

static void
on_sound_changed (OnAirSharingPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOUND]);
}

/* The bindings' way to the settings: what the user sets is saved, what
 * the command line asked for is not (NULL leaves the key alone). */
static GVariant *
save_unless_command_line (const GValue *value, const GVariantType *type, gpointer user_data)
{
  OnAirSharingPanel *self = user_data;

  if (self->applying_command_line)
    return NULL;
  if (G_VALUE_HOLDS_BOOLEAN (value))
    return g_variant_new_boolean (g_value_get_boolean (value));
  if (G_VALUE_HOLDS_STRING (value))
    return g_variant_new_string (g_value_get_string (value) ? g_value_get_string (value) : "");
  /* Rounded as gtk_spin_button_get_value_as_int() does; ports are positive. */
  return g_variant_new_int32 ((gint32) (g_value_get_double (value) + 0.5));
}

static void
bind_setting (OnAirSharingPanel *self, const char *key, gpointer widget, const char *property)
{
  /* Read once: the command line's choices must not be replaced by the
   * saved ones while this window is open. */
  g_settings_bind_with_mapping (self->settings, key, widget, property,
                                G_SETTINGS_BIND_GET | G_SETTINGS_BIND_SET |
                                G_SETTINGS_BIND_GET_NO_CHANGES | G_SETTINGS_BIND_NO_SENSITIVITY,
                                NULL, save_unless_command_line, self, NULL);
}

/* ---------------------------------------------------------------------- */

static void
on_air_sharing_panel_dispose (GObject *object)
{
  OnAirSharingPanel *self = ON_AIR_SHARING_PANEL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_SHARING_PANEL);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (on_air_sharing_panel_parent_class)->dispose (object);
}

static void
on_air_sharing_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirSharingPanel *self = ON_AIR_SHARING_PANEL (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_OPEN:
      g_value_set_boolean (value, on_air_sharing_panel_get_open (self));
      break;
    case PROP_BROADCAST_TITLE:
      g_value_set_string (value, on_air_sharing_panel_get_title (self));
      break;
    case PROP_SOUND:
      g_value_set_boolean (value, on_air_sharing_panel_get_sound (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_sharing_panel_class_init (OnAirSharingPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = on_air_sharing_panel_dispose;
  object_class->get_property = on_air_sharing_panel_get_property;

  properties[PROP_PORT] =
    g_param_spec_int ("port", NULL, NULL, 0, 65535, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPEN] =
    g_param_spec_boolean ("open", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BROADCAST_TITLE] =
    g_param_spec_string ("broadcast-title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOUND] =
    g_param_spec_boolean ("sound", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-sharing-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirSharingPanel, title_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSharingPanel, port_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSharingPanel, port_spin);
  gtk_widget_class_bind_template_child (widget_class, OnAirSharingPanel, open_switch);
  gtk_widget_class_bind_template_child (widget_class, OnAirSharingPanel, sound_switch);
}

static void
on_air_sharing_panel_init (OnAirSharingPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  bind_setting (self, "port", self->port_spin, "value");
  bind_setting (self, "open-to-network", self->open_switch, "active");
  bind_setting (self, "title", self->title_row, "text");
  bind_setting (self, "sound", self->sound_switch, "active");
  self->port = g_settings_get_int (self->settings, "port");
  show_port_origin (self);

  g_signal_connect_swapped (self->port_spin, "value-changed", G_CALLBACK (on_port_changed), self);
  g_signal_connect_swapped (self->open_switch, "notify::active", G_CALLBACK (on_open_changed), self);
  g_signal_connect_swapped (self->title_row, "changed", G_CALLBACK (on_title_changed), self);
  g_signal_connect_swapped (self->sound_switch, "notify::active", G_CALLBACK (on_sound_changed), self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

void
on_air_sharing_panel_apply_command_line (OnAirSharingPanel *self, int port, gboolean open,
                                         const char *title, gboolean no_sound)
{
  g_return_if_fail (ON_AIR_IS_SHARING_PANEL (self));

  self->applying_command_line = TRUE;
  if (title != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->title_row), title);
  if (port >= 0)
    {
      set_port (self, port);
      gtk_spin_button_set_value (self->port_spin, CLAMP (port, 1024, 65535));
    }
  if (open)
    gtk_switch_set_active (self->open_switch, TRUE);
  if (no_sound)
    gtk_switch_set_active (self->sound_switch, FALSE);
  self->applying_command_line = FALSE;
}

/* The title viewers see; empty: the broadcast's own (the camera's name). */
const char *
on_air_sharing_panel_get_title (OnAirSharingPanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_SHARING_PANEL (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->title_row));
}

int
on_air_sharing_panel_get_port (OnAirSharingPanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_SHARING_PANEL (self), 0);
  return self->port;
}

gboolean
on_air_sharing_panel_get_open (OnAirSharingPanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_SHARING_PANEL (self), FALSE);
  return gtk_switch_get_active (self->open_switch);
}

/* Whether viewers hear the source's sound. */
gboolean
on_air_sharing_panel_get_sound (OnAirSharingPanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_SHARING_PANEL (self), TRUE);
  return gtk_switch_get_active (self->sound_switch);
}
