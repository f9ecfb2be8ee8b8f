"""The circles a transaction changed by a plain UPDATE or DELETE, which the
session's own bookkeeping does not see.

A feature that writes so notes the circle here; the dashboard's attention
table (portal/dashboard/attention.py) reads the same note, with the rows the
session flushed, and recomputes those circles before the write commits. A
leaf, so that features note a change without importing the dashboard."""

from __future__ import annotations

from portal.extensions import db

# The key in the session's info: the circles whose dashboard rows this
# transaction must recompute before it commits.
TOUCHED = "attention_touched_circles"


def changed(circle_id: int) -> None:
    """Say that a write made around the session's unit of work (a conditional
    UPDATE) changed this circle: its rows are recomputed when the write commits."""
    db.session.info.setdefault(TOUCHED, set()).add(circle_id)
