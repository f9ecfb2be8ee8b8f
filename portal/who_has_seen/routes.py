from __future__ import annotations

from flask import g, render_template, request

from portal.access.guard import CircleAction, guard
from portal.paging import requested_page
from portal.who_has_seen import bp, trail, words


@bp.get("/circles/<int:circle_id>/who-has-seen")
@guard(CircleAction("view_audit"))
def who_has_seen(circle_id: int):
    reader = trail.Reader.of(g.membership)
    choices = trail.read_choices(request.args, circle_id, reader)
    people = trail.people(circle_id, reader)
    page, past_end = trail.entries(circle_id, reader, choices, requested_page())
    return render_template(
        "who_has_seen/page.html",
        circle=g.circle,
        as_you=words.speaks_as_you(reader.role),
        summary=trail.summary(circle_id, reader),
        choices=choices,
        people=people,
        parts=trail.parts(reader),
        periods=trail.PERIODS,
        groupings=trail.GROUPINGS,
        groups=trail.grouped(page.items, choices.by, reader, dict(people)),
        page=page,
        past_end=past_end,
    )
