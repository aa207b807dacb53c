/* on-air-live-panel.c
 *
 * While broadcasting: the link viewers open, as text to copy and as a QR
 * code to scan, the choice of this computer's address it uses, and the
 * list of people watching.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-live-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "on-air-lan.h"
#include "on-air-live-panel.h"
#include "on-air-qr.h"
#include "on-air-viewer-row.h"

/* Pixels across the QR code, quiet zone included: at four pixels per
 * millimetre (a 96 dpi screen) about 7 cm, which a phone reads from well
 * beyond arm's length (scan distance is roughly ten times the size). */
#define QR_TARGET_SIZE 280

struct _OnAirLivePanel
{
  GtkBox               parent_instance;

  /* template */
  GtkPicture          *qr_picture;
  GtkLabel            *url_label;
  GtkWidget           *address_group;
  AdwComboRow         *address_row;
  AdwPreferencesGroup *viewers_group;
  GtkListBox          *viewers_list;

  GListModel          *viewers;
  GtkStringList       *addresses;
  gboolean             has_link;
  guint                port;
  char                *token;       /* NULL when open to the network */
  char                *viewer_url;
  GdkTexture          *qr_texture;

  /* Set while the code changes the address row, so the handler meant
   * for the user does not rebuild the link. */
  gboolean             updating;
};

G_DEFINE_FINAL_TYPE (OnAirLivePanel, on_air_live_panel, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_VIEWERS,
  PROP_VIEWER_URL,
  PROP_QR_TEXTURE,
  N_PROPS
};

enum {
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* viewers                                                                */

static GtkWidget *
create_viewer_row (gpointer item, gpointer user_data)
{
  return on_air_viewer_row_new (item);
}

static void
update_viewer_count (OnAirLivePanel *self)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (self->viewers != NULL)
    n = g_list_model_get_n_items (self->viewers);
  if (n == 0)
    text = g_strdup (_("No one is watching yet"));
  else
    text = g_strdup_printf (ngettext ("%u person is watching", "%u people are watching", n), n);
  adw_preferences_group_set_description (self->viewers_group, text);
}

static void
on_viewers_changed (OnAirLivePanel *self, guint position, guint removed, guint added, GListModel *model)
{
  update_viewer_count (self);
}

/* ---------------------------------------------------------------------- */
/* the viewer link and its QR code                                        */

static void
update_viewer_url (OnAirLivePanel *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *previous_url = g_steal_pointer (&self->viewer_url);
  g_autoptr(GdkTexture) previous_qr = g_steal_pointer (&self->qr_texture);
  guint selected = adw_combo_row_get_selected (self->address_row);
  const char *address = NULL;

  if (self->has_link && selected != GTK_INVALID_LIST_POSITION)
    address = gtk_string_list_get_string (self->addresses, selected);

  if (address != NULL)
    {
      self->viewer_url = on_air_lan_viewer_url (address, self->port, self->token);
      self->qr_texture = on_air_qr_texture_new (self->viewer_url, QR_TARGET_SIZE, &error);
      if (self->qr_texture == NULL)
        g_signal_emit (self, signals[ERROR], 0, error->message);
    }

  gtk_label_set_text (self->url_label, self->viewer_url ? self->viewer_url : "");
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (self->qr_texture));
  if (g_strcmp0 (previous_url, self->viewer_url) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWER_URL]);
  if (previous_qr != self->qr_texture)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QR_TEXTURE]);
}

static void
on_address_selected (OnAirLivePanel *self)
{
  if (!self->updating)
    update_viewer_url (self);
}

static void
fill_addresses (OnAirLivePanel *self, const char *bind)
{
  g_auto(GStrv) addresses = NULL;
  g_autofree char *previous = NULL;
  guint selected = adw_combo_row_get_selected (self->address_row);
  guint n;

  if (selected != GTK_INVALID_LIST_POSITION)
    previous = g_strdup (gtk_string_list_get_string (self->addresses, selected));

  /* Listening on one address: that is the only one a viewer can use. */
  if (bind != NULL && !g_str_equal (bind, "0.0.0.0") && !g_str_equal (bind, "::"))
    addresses = g_strdupv ((char *[]) { (char *) bind, NULL });
  else
    addresses = on_air_lan_addresses ();

  self->updating = TRUE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->addresses));
  gtk_string_list_splice (self->addresses, 0, n, (const char * const *) addresses);
  selected = 0;
  for (guint i = 0; previous != NULL && addresses[i] != NULL; i++)
    if (g_str_equal (addresses[i], previous))
      selected = i;
  adw_combo_row_set_selected (self->address_row, selected);
  self->updating = FALSE;

  gtk_widget_set_visible (self->address_group, g_strv_length (addresses) > 1);
}

/* ---------------------------------------------------------------------- */

static void
on_air_live_panel_dispose (GObject *object)
{
  OnAirLivePanel *self = ON_AIR_LIVE_PANEL (object);

  on_air_live_panel_set_viewers (self, NULL);
  g_clear_object (&self->qr_texture);

  gtk_widget_dispose_template (GTK_WIDGET (self), ON_AIR_TYPE_LIVE_PANEL);

  G_OBJECT_CLASS (on_air_live_panel_parent_class)->dispose (object);
}

static void
on_air_live_panel_finalize (GObject *object)
{
  OnAirLivePanel *self = ON_AIR_LIVE_PANEL (object);

  g_clear_object (&self->addresses);
  g_free (self->token);
  g_free (self->viewer_url);

  G_OBJECT_CLASS (on_air_live_panel_parent_class)->finalize (object);
}

static void
on_air_live_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirLivePanel *self = ON_AIR_LIVE_PANEL (object);

  switch (prop_id)
    {
    case PROP_VIEWERS:
      g_value_set_object (value, self->viewers);
      break;
    case PROP_VIEWER_URL:
      g_value_set_string (value, self->viewer_url);
      break;
    case PROP_QR_TEXTURE:
      g_value_set_object (value, self->qr_texture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_live_panel_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OnAirLivePanel *self = ON_AIR_LIVE_PANEL (object);

  switch (prop_id)
    {
    case PROP_VIEWERS:
      on_air_live_panel_set_viewers (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_live_panel_class_init (OnAirLivePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = on_air_live_panel_dispose;
  object_class->finalize = on_air_live_panel_finalize;
  object_class->get_property = on_air_live_panel_get_property;
  object_class->set_property = on_air_live_panel_set_property;

  properties[PROP_VIEWERS] =
    g_param_spec_object ("viewers", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIEWER_URL] =
    g_param_spec_string ("viewer-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QR_TEXTURE] =
    g_param_spec_object ("qr-texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onair/OnAir/on-air-live-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, url_label);
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, address_group);
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, address_row);
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, viewers_group);
  gtk_widget_class_bind_template_child (widget_class, OnAirLivePanel, viewers_list);
}

static void
on_air_live_panel_init (OnAirLivePanel *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->addresses = gtk_string_list_new (NULL);
  adw_combo_row_set_model (self->address_row, G_LIST_MODEL (self->addresses));

  placeholder = gtk_label_new (_("When someone opens the link, they appear here."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (self->viewers_list, placeholder);

  g_signal_connect_swapped (self->address_row, "notify::selected", G_CALLBACK (on_address_selected), self);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

void
on_air_live_panel_show_link (OnAirLivePanel *self, const char *bind, guint port, const char *token)
{
  g_return_if_fail (ON_AIR_IS_LIVE_PANEL (self));
  g_return_if_fail (port > 0);

  self->has_link = TRUE;
  self->port = port;
  g_free (self->token);
  self->token = g_strdup (token);
  fill_addresses (self, bind);
  update_viewer_url (self);
}

void
on_air_live_panel_clear_link (OnAirLivePanel *self)
{
  g_return_if_fail (ON_AIR_IS_LIVE_PANEL (self));

  self->has_link = FALSE;
  self->port = 0;
  g_clear_pointer (&self->token, g_free);
  update_viewer_url (self);
}

void
on_air_live_panel_set_viewers (OnAirLivePanel *self, GListModel *viewers)
{
  g_return_if_fail (ON_AIR_IS_LIVE_PANEL (self));
  g_return_if_fail (viewers == NULL || G_IS_LIST_MODEL (viewers));

  if (self->viewers == viewers)
    return;

  if (self->viewers != NULL)
    {
      gtk_list_box_bind_model (self->viewers_list, NULL, NULL, NULL, NULL);
      g_signal_handlers_disconnect_by_data (self->viewers, self);
      g_clear_object (&self->viewers);
    }
  if (viewers != NULL)
    {
      self->viewers = g_object_ref (viewers);
      gtk_list_box_bind_model (self->viewers_list, viewers, create_viewer_row, NULL, NULL);
      g_signal_connect_object (viewers, "items-changed", G_CALLBACK (on_viewers_changed), self,
                               G_CONNECT_SWAPPED);
    }
  update_viewer_count (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWERS]);
}

GListModel *
on_air_live_panel_get_viewers (OnAirLivePanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_LIVE_PANEL (self), NULL);
  return self->viewers;
}

const char *
on_air_live_panel_get_viewer_url (OnAirLivePanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_LIVE_PANEL (self), NULL);
  return self->viewer_url;
}

GdkTexture *
on_air_live_panel_get_qr_texture (OnAirLivePanel *self)
{
  g_return_val_if_fail (ON_AIR_IS_LIVE_PANEL (self), NULL);
  return self->qr_texture;
}
