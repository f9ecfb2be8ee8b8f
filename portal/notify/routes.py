from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.access.guard import SignedIn, deny, guard
from portal.access.queries import memberships_for
from portal.audit.services import View, record_views
from portal.forms import ConfirmForm
from portal.notify import bp, services
from portal.notify import groups as groups_of
from portal.notify.forms import GroupReadForm, PreferencesForm
from portal.notify.models import EVENT_KINDS, default_mode
from portal.notify.services import ALWAYS_AT_ONCE
from portal.paging import NotAPage, asked_page, page_count


@bp.get("/notifications")
@guard(SignedIn())
def index():
    try:
        page = asked_page()
    except NotAPage:
        return _notices_page(problem=_("That is not a page number. Pages are numbered 1, 2, 3 and so on."), status=400)
    groups, total = groups_of.page_of_groups(current_user, page)
    if not groups and page > 1:
        total = groups_of.count_groups(current_user)
        pages = page_count(total, groups_of.PER_PAGE)
        return _notices_page(
            problem=_("There is no page %(page)d of your notifications: they fill %(pages)d.", page=page, pages=pages),
            last_page=pages if total else None,
            status=404,
        )
    html = _notices_page(groups=groups, page=page, pages=page_count(total, groups_of.PER_PAGE))
    # A notice says what changed in which circle's plan: each circle's record
    # says its notices were seen. After rendering, one statement for the page.
    circles = sorted({group.circle_id for group in groups if group.circle_id is not None})
    if circles:
        roles = {membership.circle_id: membership.role for membership in memberships_for(current_user)}
        record_views(View(circle_id, roles[circle_id], None, "notifications_viewed") for circle_id in circles if circle_id in roles)
    return html


def _notices_page(*, groups=(), page=1, pages=1, problem=None, last_page=None, status=200):
    return render_template(
        "notify/index.html",
        groups=groups,
        page=page,
        pages=pages,
        problem=problem,
        last_page=last_page,
        confirm=ConfirmForm(),
        group_form=GroupReadForm(formdata=None),
    ), status


@bp.post("/notifications/<int:notification_id>/open")
@guard(SignedIn())
def open_notification(notification_id: int):
    notification = services.visible_notification(current_user, notification_id)
    if notification is None:
        deny(404)
    if ConfirmForm().validate_on_submit():
        services.mark_read(current_user, notification)
    return redirect(notification.link or url_for("dashboard.index"))


@bp.post("/notifications/read")
@guard(SignedIn())
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash(_("All notifications are marked as read."), "success")
    else:
        flash(_("Nothing was marked as read: the page had expired. Please try again."), "error")
    return redirect(url_for("notify.index"))


@bp.post("/notifications/group/read")
@guard(SignedIn())
def mark_group_read():
    form = GroupReadForm()
    if not form.validate_on_submit():
        flash(_("Nothing was marked as read: that group of notices was not found. Please try again."), "error")
        return redirect(url_for("notify.index"))
    marked = services.mark_group_read(current_user, form.circle_id, form.kind.data, form.section_kind)
    if marked:
        flash(ngettext("%(num)d notice is marked as read.", "%(num)d notices are marked as read.", marked), "success")
    else:
        flash(_("Those notices were already read."), "success")
    return redirect(url_for("notify.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@guard(SignedIn())
def settings():
    saved = services.preferences_of(current_user)
    form = PreferencesForm(data={kind: (saved[kind].mode if kind in saved else default_mode(kind)) for kind in EVENT_KINDS})
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
