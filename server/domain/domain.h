/* domain.h: phonghop's pure domain logic, the one header consumers include.
 *
 * No I/O, no database, no sockets, no clock, no global state: every function computes from its
 * arguments, so all of it is unit-tested without a server (tests/unit/domain/). Modules:
 *  - vote.h     vote rules: thresholds as data, tallies, elections, confidence votes, minutes text
 *  - journal.h  canonical journal entries and the meeting's SHA-256 hash chain
 *  - attend.h   attendance from check-in/check-out events, presence quorum
 *  - floor.h    the speaker queue, grants and time limits as state and events
 *  - meeting.h  a meeting's kinds and lifecycle, and what each state allows
 *  - agenda.h   the agenda's two levels, reorder plans, the version that refuses stale edits
 * Objects (AttendRoll, Floor) have one owner and one thread; values are plain structs.
 */
#pragma once

#include "agenda.h"
#include "attend.h"
#include "floor.h"
#include "journal.h"
#include "meeting.h"
#include "vote.h"
