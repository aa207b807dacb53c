/* on-air-viewer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-viewer"

#include "config.h"

#include "on-air-viewer.h"

struct _OnAirViewer
{
  GObject    parent_instance;
  char      *id;
  char      *kind;
  char      *remote_address;
  char      *codec;
  GDateTime *since;
  guint64    frames_sent;
  guint64    frames_dropped;
  char      *rung;
};

G_DEFINE_FINAL_TYPE (OnAirViewer, on_air_viewer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_REMOTE_ADDRESS,
  PROP_CODEC,
  PROP_SINCE,
  PROP_RUNG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_air_viewer_finalize (GObject *object)
{
  OnAirViewer *self = ON_AIR_VIEWER (object);

  g_free (self->id);
  g_free (self->kind);
  g_free (self->remote_address);
  g_free (self->codec);
  g_free (self->rung);
  g_clear_pointer (&self->since, g_date_time_unref);

  G_OBJECT_CLASS (on_air_viewer_parent_class)->finalize (object);
}

static void
on_air_viewer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirViewer *self = ON_AIR_VIEWER (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_KIND: g_value_set_string (value, self->kind); break;
    case PROP_REMOTE_ADDRESS: g_value_set_string (value, self->remote_address); break;
    case PROP_CODEC: g_value_set_string (value, self->codec); break;
    case PROP_SINCE: g_value_set_boxed (value, self->since); break;
    case PROP_RUNG: g_value_set_string (value, self->rung); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_viewer_class_init (OnAirViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = on_air_viewer_finalize;
  object_class->get_property = on_air_viewer_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REMOTE_ADDRESS] = g_param_spec_string ("remote-address", NULL, NULL, NULL,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CODEC] = g_param_spec_string ("codec", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SINCE] = g_param_spec_boxed ("since", NULL, NULL, G_TYPE_DATE_TIME,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* "high" or "low" for WebRTC viewers (on-air-broadcast.h), else NULL. */
  properties[PROP_RUNG] = g_param_spec_string ("rung", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
on_air_viewer_init (OnAirViewer *self)
{
}

OnAirViewer *
on_air_viewer_new (const char *id, const char *kind, const char *remote_address, const char *codec)
{
  OnAirViewer *self;

  g_return_val_if_fail (id != NULL && kind != NULL, NULL);

  self = g_object_new (ON_AIR_TYPE_VIEWER, NULL);
  self->id = g_strdup (id);
  self->kind = g_strdup (kind);
  self->remote_address = g_strdup (remote_address ? remote_address : "");
  self->codec = g_strdup (codec);
  self->since = g_date_time_new_now_utc ();
  return self;
}

const char *
on_air_viewer_get_id (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->id;
}

const char *
on_air_viewer_get_kind (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->kind;
}

const char *
on_air_viewer_get_remote_address (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->remote_address;
}

const char *
on_air_viewer_get_codec (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->codec;
}

GDateTime *
on_air_viewer_get_since (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->since;
}

guint64
on_air_viewer_get_frames_sent (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), 0);
  return self->frames_sent;
}

guint64
on_air_viewer_get_frames_dropped (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), 0);
  return self->frames_dropped;
}

void
on_air_viewer_set_frames (OnAirViewer *self, guint64 sent, guint64 dropped)
{
  g_return_if_fail (ON_AIR_IS_VIEWER (self));
  self->frames_sent = sent;
  self->frames_dropped = dropped;
}

const char *
on_air_viewer_get_rung (OnAirViewer *self)
{
  g_return_val_if_fail (ON_AIR_IS_VIEWER (self), NULL);
  return self->rung;
}

void
on_air_viewer_set_rung (OnAirViewer *self, const char *rung)
{
  g_return_if_fail (ON_AIR_IS_VIEWER (self));

  if (g_strcmp0 (self->rung, rung) == 0)
    return;
  g_free (self->rung);
  self->rung = g_strdup (rung);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNG]);
}
