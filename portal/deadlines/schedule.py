"""When each milestone of a deadline falls due. Pure functions: no database access.

A deadline due on day D with reminder offsets [90, 30, 7, 1, 0] has milestones
`d-90` ... `d-0` at settings.PORTAL_REMINDER_HOUR local time on D-90 ... D, and `overdue`
at the end of D (local midnight). `next_action_at` is a cursor: the time of the earliest
milestone still to handle. Milestones that fell before the clock started, or while it was
paused, are passed over, never sent late in a bunch.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from portal.businessdays.calendar import at_local_time, end_of

OVERDUE = "overdue"


@dataclass(frozen=True, order=True)
class Milestone:
    at: datetime.datetime
    name: str

    @property
    def is_overdue(self) -> bool:
        return self.name == OVERDUE

    @property
    def days_before(self) -> int | None:
        return None if self.is_overdue else int(self.name.removeprefix("d-"))


def reminder_name(offset: int) -> str:
    return f"d-{offset}"


def milestones(due_on: datetime.date, offsets, *, hour: int | None = None) -> list[Milestone]:
    """Every milestone of a deadline due on `due_on`, in time order."""
    hour = settings.PORTAL_REMINDER_HOUR if hour is None else hour
    items = [
        Milestone(at_local_time(due_on - datetime.timedelta(days=offset), hour), reminder_name(offset))
        for offset in sorted(set(offsets), reverse=True)
    ]
    items.append(Milestone(end_of(due_on), OVERDUE))
    return sorted(items)


def next_after(
    due_on: datetime.date, offsets, moment: datetime.datetime, *, claimed=frozenset()
) -> datetime.datetime | None:
    """The time of the first milestone after `moment` not already claimed."""
    for milestone in milestones(due_on, offsets):
        if milestone.at > moment and milestone.name not in claimed:
            return milestone.at
    return None


def due_now(
    due_on: datetime.date, offsets, cursor: datetime.datetime, now: datetime.datetime, *, claimed=frozenset()
) -> list[Milestone]:
    """The milestones to claim at `now` for a deadline whose cursor is `cursor`.

    Of the reminders that came due since the cursor, only the latest is sent (a sweep that
    was down for a week sends "1 day left", not every reminder it missed); once the due date
    has passed only the overdue milestone is claimed.
    """
    window = [m for m in milestones(due_on, offsets) if cursor <= m.at <= now and m.name not in claimed]
    overdue = [m for m in window if m.is_overdue]
    return overdue or window[-1:]


def paused_days(paused_at: datetime.datetime, resumed_at: datetime.datetime, to_local) -> int:
    """Whole local days the clock stood still: resuming on the day it stopped adds none."""
    return max(0, (to_local(resumed_at) - to_local(paused_at)).days)
