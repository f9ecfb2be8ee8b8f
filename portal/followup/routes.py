from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.access import policy
from portal.access.guard import CircleAction, Public, Section, SignedIn, guard
from portal.access.queries import member_can, standing_for
from portal.access.sections import section_access
from portal.audit.services import View, record_view, record_views, record_views_at_once
from portal.followup import bp, charts, due, ical, linking, schedule, services
from portal.followup import caseload as caseloads
from portal.followup import reviews as review_queries
from portal.followup.forms import RecordReviewForm
from portal.forms import ConfirmForm, select_choices
from portal.languages import moment
from portal.paging import requested_page
from portal.plan import presenters
from portal.plan import queries as plan_queries
from portal.plan.sections import spec_for
from portal.timezone import local_day_text, to_utc

READ = policy.READ
CASELOAD_PER_PAGE = 25


@bp.get("/clinician/caseload")
@guard(SignedIn())
def caseload():
    found = caseloads.caseload(current_user, requested_page(), CASELOAD_PER_PAGE)
    page = render_template(
        "followup/caseload.html",
        caseload=found,
        due_by=due.due_by,
        local_date=local_day_text,
        labels=schedule.FOLLOW_UP_LABELS,
        now=clock.now(),
    )
    # After rendering (committing expires what the page reads), in one statement for the whole page.
    record_views(
        View(entry.membership.circle_id, entry.membership.role, section)
        for entry in found.items
        for section in entry.sections_shown()
    )
    return page


def _readable_kinds(membership) -> list[str]:
    return list(policy.readable_sections(membership.role, standing_for(membership)))


@bp.get("/circles/<int:circle_id>/reviews")
@guard(CircleAction("view_circle"))
def reviews(circle_id: int):
    membership = g.membership
    kinds = _readable_kinds(membership)
    # The next review is a follow-up: shown only to those who may read plan reviews.
    sees_reviews = review_queries.reaches_kind(membership, "plan_review")
    return render_template(
        "followup/reviews.html",
        circle=g.circle,
        specs=[spec_for(kind, membership.role) for kind in kinds],
        last=review_queries.last_reviews(circle_id, kinds),
        sees_reviews=sees_reviews,
        next_review=review_queries.next_plan_review(circle_id) if sees_reviews else None,
        can_record=policy.can_act(membership.role, "record_review"),
        now=clock.now(),
    )


def _review_form(kinds, meetings, can_book: bool) -> RecordReviewForm:
    form = RecordReviewForm()
    form.sections.choices = select_choices((kind, spec_for(kind).title) for kind in kinds)
    meeting_choices = [("", _("Not at a booked plan review"))]
    meeting_choices += [
        (str(m.id), _("The plan review booked for %(day)s, %(time)s", day=local_day_text(m.due_at),
                      time=moment(m.due_at, "time")))
        for m in meetings
    ]
    form.held_at.choices = select_choices(meeting_choices)
    if not can_book:
        del form.next_review_at
        del form.next_review_with
    return form


@bp.route("/circles/<int:circle_id>/reviews/new", methods=["GET", "POST"])
@guard(CircleAction("record_review"))
def record_review(circle_id: int):
    membership = g.membership
    kinds = _readable_kinds(membership)
    now = clock.now()
    meetings = review_queries.review_meetings(circle_id, now) if review_queries.reaches_kind(membership, "plan_review") else []
    # Marking the meeting attended and booking the next one are changes to the
    # follow-ups: offered only to those who may make them.
    can_book = member_can(membership, "follow_ups", policy.EDIT) and review_queries.reaches_kind(membership, "plan_review")
    if not can_book:
        meetings = []
    form = _review_form(kinds, meetings, can_book)
    if form.validate_on_submit():
        held_at = next((m for m in meetings if str(m.id) == form.held_at.data), None)
        next_review = None
        if can_book and form.next_review_at.data is not None:
            next_review = (to_utc(form.next_review_at.data), (form.next_review_with.data or "").strip())
        chosen = [kind for kind in kinds if kind in form.sections.data]
        services.record_review(circle_id, current_user, chosen, held_at=held_at, next_review=next_review)
        count = len(chosen)
        flash(ngettext("The review of %(num)s part of the plan was recorded.",
                       "The review of %(num)s parts of the plan was recorded.", count), "success")
        return redirect(url_for("followup.reviews", circle_id=circle_id))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "followup/record_review.html",
            circle=g.circle,
            form=form,
            last=review_queries.last_reviews(circle_id, kinds),
            latest=review_queries.latest_versions(circle_id),
            can_book=can_book,
        ),
        status,
    )


@bp.get("/circles/<int:circle_id>/setback-reviews/<int:review_id>")
@guard(Section(READ, kind="setback_reviews"))
def setback_review(circle_id: int, review_id: int):
    membership = g.membership
    spec = spec_for("setback_reviews", membership.role)
    review = plan_queries.item_or_404(circle_id, spec, membership, review_id)
    access = section_access(membership, spec)
    record_view("view", membership, "setback_reviews", item_id=review.id)
    return render_template(
        "followup/setback_review.html",
        circle=g.circle,
        spec=spec,
        review=review,
        title=presenters.headline(spec, review, access.readable),
        fields=presenters.shown_fields(spec, review, access.readable, skip_empty=True),
        changes=linking.changes_following(circle_id, review.id, membership),
    )


@bp.get("/circles/<int:circle_id>/progress/charts")
@guard(Section(READ, kind="progress"))
def progress_charts(circle_id: int):
    period = request.args.get("period", charts.DEFAULT_PERIOD)
    if period not in charts.PERIODS:
        period = charts.DEFAULT_PERIOD
    spec = spec_for("progress", g.membership.role)
    check_ins = plan_queries.items(circle_id, spec, g.membership)
    readable = section_access(g.membership, spec).readable
    drawn, start, end = charts.charts_for(check_ins, period, clock.today(), shows=lambda field: field in readable)
    record_view("view", g.membership, "progress")
    return render_template(
        "followup/progress_charts.html",
        circle=g.circle,
        spec=spec,
        charts=drawn,
        period=period,
        periods=charts.PERIODS,
        start=start,
        end=end,
        count=len(drawn[0].rows) if drawn else 0,
    )


# -- the calendar -------------------------------------------------------------


def _calendar_page(token: str | None = None, status: int = 200):
    feed = services.current_feed(current_user)
    url = url_for("followup.calendar_feed", token=token, _external=True) if token else None
    return (
        render_template(
            "followup/calendar.html", feed=feed, url=url, confirm=ConfirmForm(),
            upcoming=len(ical.upcoming_follow_ups_for(current_user)),
        ),
        status,
    )


@bp.get("/calendar")
@guard(SignedIn())
def calendar():
    return _calendar_page()


@bp.post("/calendar/renew")
@guard(SignedIn())
def calendar_renew():
    if not ConfirmForm().validate_on_submit():
        flash(_("That form had expired. Please try again."), "error")
        return redirect(url_for("followup.calendar"))
    token = services.renew_feed(current_user._get_current_object())
    # Shown on this response only, never put in the session cookie or a redirect.
    return _calendar_page(token)


@bp.post("/calendar/stop")
@guard(SignedIn())
def calendar_stop():
    if ConfirmForm().validate_on_submit():
        if services.stop_feed(current_user._get_current_object()):
            flash(_("Your calendar link no longer works. Calendar apps will stop showing your appointments."), "success")
    return redirect(url_for("followup.calendar"))


TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


@bp.get("/calendar/<token>.ics")
@guard(Public())
def calendar_feed(token: str):
    if len(token) != TOKEN_LENGTH:
        abort(404)
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    feed = ical.feed_for(owner)
    response = Response(feed.body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=support-circle.ics"
    # Each fetch shows when the follow-ups are: the owner's view, from wherever the app fetched it.
    record_views_at_once("calendar_feed", "follow_ups", feed.circle_roles, user=owner)
    return response
