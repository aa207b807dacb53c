/* on-air-sound-panel.c
 *
 * While broadcasting: whether viewers hear sound and what it is, a small
 * level meter, and a mute switch that silences every viewer at once.
 * The broadcast's level is read ten times a second on the main context
 * (it is kept by the audio stage over each 100 ms); nothing here runs on
 * a streaming thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-sound-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "on-air-audio.h"
#include "on-air-sound-panel.h"

/* The level's own window: faster would show the same value again. */
#define REFRESH_MS 100

struct _OnAirSoundPanel
{
  AdwPreferencesGroup  parent_instance;

  /* template */
  AdwActionRow        *sound_row;
  GtkImage            *sound_icon;
  GtkLevelBar         *level_bar;
  GtkSwitch           *mute_switch;

  OnAirBroadcast      *broadcast;
  guint                refresh_source;
  gboolean             sharing;
};

G_DEFINE_FINAL_TYPE (OnAirSoundPanel, on_air_sound_panel, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_SHARING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_sharing (OnAirSoundPanel *self, gboolean sharing)
{
  if (self->sharing == sharing)
    return;
  self->sharing = sharing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHARING]);
}

static void
show_state (OnAirSoundPanel *self)
{
  OnAirBroadcast *b = self->broadcast;
  gboolean on = b != NULL && !g_str_equal (on_air_broadcast_get_audio_state (b), "off");
  gboolean muted = gtk_switch_get_active (self->mute_switch);
  gboolean listening = on && on_air_broadcast_is_sharing_audio (b);
  const char *source = on ? on_air_broadcast_get_audio_source (b) : NULL;
  double level = on ? on_air_broadcast_get_audio_level (b) : -1;
  g_autofree char *subtitle = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self), on);
  if (!on)
    {
      set_sharing (self, FALSE);
      return;
    }
  if (muted)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->sound_row), _("Muted"));
  else if (listening)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->sound_row), _("Sound on"));
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->sound_row), _("No one is listening yet"));
  if (source != NULL)
    /* TRANSLATORS: %s says where the sound comes from, e.g. “Test tone” */
    subtitle = g_strdup_printf (_("Viewers hear: %s"), source);
  else
    subtitle = g_strdup (_("This source has no sound: viewers hear silence"));
  adw_action_row_set_subtitle (self->sound_row, subtitle);
  gtk_image_set_from_icon_name (self->sound_icon, muted ? "audio-volume-muted-symbolic"
                                                        : "audio-volume-high-symbolic");
  /* Opus passed through is not decoded: no level to show. */
  gtk_widget_set_visible (GTK_WIDGET (self->level_bar), level >= 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->level_bar), !muted);
  gtk_level_bar_set_value (self->level_bar, CLAMP (level, 0, 1));
  set_sharing (self, listening && !muted);
}

static gboolean
refresh (gpointer data)
{
  show_state (data);
  return G_SOURCE_CONTINUE;
}

static void
on_mute_toggled (OnAirSoundPanel *self)
{
  if (self->broadcast != NULL)
    on_air_broadcast_set_audio_muted (self->broadcast, gtk_switch_get_active (self->mute_switch));
  show_state (self);
}

/* ---------------------------------------------------------------------- */

static void
on_air_sound_panel_dispose (GObject *object)
{
  OnAirSoundPanel *self = ON_AIR_SOUND_PANEL (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_object (&self->broadcast);
  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_SOUND_PANEL);

  G_OBJECT_CLASS (on_air_sound_panel_parent_class)->dispose (object);
}

static void
on_air_sound_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirSoundPanel *self = ON_AIR_SOUND_PANEL (object);

  switch (prop_id)
    {
    case PROP_SHARING:
      g_value_set_boolean (value, self->sharing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_sound_panel_class_init (OnAirSoundPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = on_air_sound_panel_dispose;
  object_class->get_property = on_air_sound_panel_get_property;

  properties[PROP_SHARING] =
    g_param_spec_boolean ("sharing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-sound-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirSoundPanel, sound_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirSoundPanel, sound_icon);
  gtk_widget_class_bind_template_child (widget_class, OnAirSoundPanel, level_bar);
  gtk_widget_class_bind_template_child (widget_class, OnAirSoundPanel, mute_switch);
}

static void
on_air_sound_panel_init (OnAirSoundPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->mute_switch, "notify::active", G_CALLBACK (on_mute_toggled), self);
  show_state (self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

void
on_air_sound_panel_set_broadcast (OnAirSoundPanel *self, OnAirBroadcast *broadcast)
{
  g_return_if_fail (ON_AIR_IS_SOUND_PANEL (self));
  g_return_if_fail (broadcast == NULL || ON_AIR_IS_BROADCAST (broadcast));

  if (!g_set_object (&self->broadcast, broadcast))
    return;
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (broadcast != NULL)
    {
      on_air_broadcast_set_audio_muted (broadcast, gtk_switch_get_active (self->mute_switch));
      self->refresh_source = g_timeout_add (REFRESH_MS, refresh, self);
    }
  show_state (self);
}

gboolean
on_air_sound_panel_get_sharing (OnAirSoundPanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_SOUND_PANEL (self), FALSE);
  return self->sharing;
}
