/* on-air-setup-turns.c
 *
 * A class scanning the QR code together sends a hundred offers within a
 * second. Setting a viewer up (its webrtcbin, the answer, ICE, the DTLS
 * handshake) is work that a hundred at once put on the cores in the same
 * second as sending to a hundred more viewers, and the viewers already
 * watching paid: their encoder dropped frames and their packets went out
 * late. So at most a few set up at once, the others wait in line for a
 * turn, in the order they came: the viewers watching lose fewer frames,
 * and in a burst of a hundred the last joiner's first picture comes about
 * half a second later (bench/README.md, "Turns to set up"). A setup that
 * takes long (a client gone quiet) gives its turn up after a while, and
 * nobody waits in line so long that the page's own timeout would fire.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-setup-turns"

#include "config.h"

#include "on-air-setup-turns.h"

typedef enum
{
  TURN_WAITING,
  TURN_RUNNING,
  TURN_RELEASED, /* ran, its turn is back; the caller has not left yet */
} TurnState;

struct _OnAirSetupTurn
{
  OnAirSetupTurns *owner;
  OnAirSetupStart  start;
  GDestroyNotify   drop;
  gpointer         data;
  TurnState        state;
  gint64           queued_at;
  GList            link;       /* in owner->waiting while it waits */
  guint            hold_timer; /* while it runs */
};

struct _OnAirSetupTurns
{
  guint   turns;
  guint   hold_ms;
  guint   wait_ms;
  guint   running;
  GQueue  waiting;
  guint   wait_timer;
  gboolean pumping;
};

static void pump (OnAirSetupTurns *self);

static gboolean
hold_over (gpointer user_data)
{
  OnAirSetupTurn *turn = user_data;
  OnAirSetupTurns *self = turn->owner;

  turn->hold_timer = 0;
  g_debug ("A setup held its turn %u ms: the next one goes", self->hold_ms);
  turn->state = TURN_RELEASED;
  self->running--;
  pump (self);
  return G_SOURCE_REMOVE;
}

/* @turn is out of the line. Last: start() may leave or enter. */
static void
start (OnAirSetupTurns *self, OnAirSetupTurn *turn)
{
  turn->state = TURN_RUNNING;
  self->running++;
  turn->hold_timer = g_timeout_add (self->hold_ms, hold_over, turn);
  turn->start (turn->data);
}

static gboolean
waited_too_long (gpointer user_data)
{
  OnAirSetupTurns *self = user_data;

  self->wait_timer = 0;
  pump (self);
  return G_SOURCE_REMOVE;
}

/* @turn leaves the line without starting: its caller hears it dropped. */
static void
drop_from_line (OnAirSetupTurns *self, OnAirSetupTurn *turn)
{
  g_queue_unlink (&self->waiting, &turn->link);
  if (turn->drop != NULL)
    turn->drop (turn->data);
}

/* Starts whoever may: the first in line while turns are free, and anyone
 * who has waited wait_ms whether or not one is. */
static void
pump (OnAirSetupTurns *self)
{
  if (self->pumping)
    return; /* a start() below entered or left: the loop goes on */
  self->pumping = TRUE;
  for (;;)
    {
      OnAirSetupTurn *head = g_queue_peek_head (&self->waiting);
      gint64 now = g_get_monotonic_time ();

      if (head == NULL)
        break;
      if (self->running >= self->turns && now - head->queued_at < (gint64) self->wait_ms * 1000)
        break;
      if (self->running >= self->turns)
        g_debug ("A setup waited %u ms for a turn: it starts without one", self->wait_ms);
      g_queue_unlink (&self->waiting, &head->link);
      start (self, head);
    }
  self->pumping = FALSE;

  g_clear_handle_id (&self->wait_timer, g_source_remove);
  if (!g_queue_is_empty (&self->waiting))
    {
      OnAirSetupTurn *head = g_queue_peek_head (&self->waiting);
      gint64 due = head->queued_at + (gint64) self->wait_ms * 1000 - g_get_monotonic_time ();

      self->wait_timer = g_timeout_add ((guint) CLAMP (due / 1000 + 1, 1, self->wait_ms + 1),
                                        waited_too_long, self);
    }
}

OnAirSetupTurns *
on_air_setup_turns_new (guint turns, guint hold_ms, guint wait_ms)
{
  OnAirSetupTurns *self;

  g_return_val_if_fail (turns > 0, NULL);
  self = g_new0 (OnAirSetupTurns, 1);
  self->turns = turns;
  self->hold_ms = hold_ms;
  self->wait_ms = wait_ms;
  g_queue_init (&self->waiting);
  return self;
}

void
on_air_setup_turns_drop_waiting (OnAirSetupTurns *self)
{
  OnAirSetupTurn *turn;

  g_clear_handle_id (&self->wait_timer, g_source_remove);
  while ((turn = g_queue_peek_head (&self->waiting)) != NULL)
    {
      drop_from_line (self, turn);
      g_free (turn);
    }
}

void
on_air_setup_turns_free (OnAirSetupTurns *self)
{
  if (self == NULL)
    return;
  if (self->running > 0)
    g_critical ("%u setup turns were not left", self->running);
  on_air_setup_turns_drop_waiting (self);
  g_free (self);
}

guint
on_air_setup_turns_get_running (OnAirSetupTurns *self)
{
  return self->running;
}

guint
on_air_setup_turns_get_waiting (OnAirSetupTurns *self)
{
  return self->waiting.length;
}

OnAirSetupTurn *
on_air_setup_turns_enter (OnAirSetupTurns *self, OnAirSetupStart start_func, GDestroyNotify drop, gpointer data)
{
  OnAirSetupTurn *turn;

  g_return_val_if_fail (self != NULL && start_func != NULL, NULL);

  turn = g_new0 (OnAirSetupTurn, 1);
  turn->owner = self;
  turn->start = start_func;
  turn->drop = drop;
  turn->data = data;
  turn->queued_at = g_get_monotonic_time ();
  turn->link.data = turn;
  turn->state = TURN_WAITING;
  g_queue_push_tail_link (&self->waiting, &turn->link);
  pump (self);
  return turn;
}

void
on_air_setup_turn_leave (OnAirSetupTurns *self, OnAirSetupTurn *turn)
{
  g_return_if_fail (self != NULL && turn != NULL && turn->owner == self);

  switch (turn->state)
    {
    case TURN_WAITING:
      drop_from_line (self, turn);
      break;
    case TURN_RUNNING:
      g_clear_handle_id (&turn->hold_timer, g_source_remove);
      self->running--;
      break;
    case TURN_RELEASED:
      break;
    }
  g_free (turn);
  pump (self);
}
