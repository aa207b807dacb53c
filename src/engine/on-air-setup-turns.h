/* on-air-setup-turns.h: at most a few viewers set up at once, the rest in line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _OnAirSetupTurns OnAirSetupTurns;
typedef struct _OnAirSetupTurn  OnAirSetupTurn;

/* Starts the setup of @data (main context). */
typedef void (*OnAirSetupStart) (gpointer data);

/* @turns setups run at once. One that has run @hold_ms gives its turn to
 * the next even if it is not done; one that has waited @wait_ms starts
 * even if no turn is free. Main context only. */
OnAirSetupTurns *on_air_setup_turns_new         (guint            turns,
                                                 guint            hold_ms,
                                                 guint            wait_ms);
/* Every turn handed out must have been left first. */
void             on_air_setup_turns_free        (OnAirSetupTurns *self);
/* Everyone in line leaves it without starting (their drop runs), as when
 * the server stops: nobody starts a setup on their way out. */
void             on_air_setup_turns_drop_waiting (OnAirSetupTurns *self);
guint            on_air_setup_turns_get_running (OnAirSetupTurns *self);
guint            on_air_setup_turns_get_waiting (OnAirSetupTurns *self);

/* Gets in line: @start runs with @data now if a turn is free, else when
 * one is. If it leaves the line before @start ran, @drop runs with @data
 * instead, and the turn is gone (on_air_setup_turns_drop_waiting()), or
 * is freed when left. */
OnAirSetupTurn  *on_air_setup_turns_enter       (OnAirSetupTurns *self,
                                                 OnAirSetupStart  start,
                                                 GDestroyNotify   drop,
                                                 gpointer         data);
/* The setup is done, or was given up: its turn goes to the next in line
 * (or it leaves the line without starting). Frees @turn. */
void             on_air_setup_turn_leave        (OnAirSetupTurns *self,
                                                 OnAirSetupTurn  *turn);

G_END_DECLS
