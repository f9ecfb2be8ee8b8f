from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access.guard import SignedIn, deny, guard
from portal.access.queries import memberships_for
from portal.audit.services import View, record_views
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.notify import bp, services
from portal.notify.forms import PreferencesForm
from portal.notify.models import EVENT_KINDS, Notification
from portal.notify.services import ALWAYS_AT_ONCE
from portal.paging import requested_page

PER_PAGE = 50


@bp.get("/notifications")
@guard(SignedIn())
def index():
    page = requested_page()
    notifications = db.session.scalars(
        services.visible_notifications(current_user)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    shown = notifications[:PER_PAGE]
    html = render_template(
        "notify/index.html",
        notifications=shown,
        has_next=len(notifications) > PER_PAGE,
        page=page,
        confirm=ConfirmForm(),
    )
    # A notice says what changed in which circle's plan: each circle's record
    # says its notices were seen. After rendering, one statement for the page.
    circles = sorted({notice.circle_id for notice in shown if notice.circle_id is not None})
    if circles:
        roles = {membership.circle_id: membership.role for membership in memberships_for(current_user)}
        record_views(View(circle_id, roles[circle_id], None, "notifications_viewed") for circle_id in circles if circle_id in roles)
    return html


@bp.post("/notifications/<int:notification_id>/open")
@guard(SignedIn())
def open_notification(notification_id: int):
    notification = services.visible_notification(current_user, notification_id)
    if notification is None:
        deny(404)
    if ConfirmForm().validate_on_submit():
        services.mark_read(notification)
    return redirect(notification.link or url_for("dashboard.index"))


@bp.post("/notifications/read")
@guard(SignedIn())
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notify.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@guard(SignedIn())
def settings():
    saved = services.preferences_of(current_user)
    form = PreferencesForm(data={kind: (saved[kind].mode if kind in saved else "immediate") for kind in EVENT_KINDS})
    if request.method == "POST":
        form = PreferencesForm()
    if form.validate_on_submit():
        services.save_preferences(current_user, {kind: form[kind].data for kind in EVENT_KINDS})
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notify.settings"))
    status = 422 if request.method == "POST" else 200
    labels = services.event_labels(current_user)
    for kind in EVENT_KINDS:
        form[kind].label.text = labels[kind]
    always = sorted({kind for kind, _ in ALWAYS_AT_ONCE})
    return render_template("notify/settings.html", form=form, always=[labels[k] for k in always]), status
