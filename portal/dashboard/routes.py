from flask import render_template
from flask_login import current_user

from portal.access import policy
from portal.access.guard import SignedIn, guard
from portal.audit.services import View, record_views
from portal.dashboard import bp
from portal.dashboard.services import dashboard_for
from portal.followup import plan_pages as followup_pages
from portal.school import dashboard as school_dashboard


@bp.get("/dashboard")
@guard(SignedIn())
def index():
    cards = dashboard_for(current_user)
    memberships = [card.membership for card in cards]
    school_notes = school_dashboard.notes_for(memberships)
    page = render_template(
        "dashboard/index.html",
        cards=cards,
        role_labels=policy.ROLE_LABELS,
        can_create=current_user.staff_role in policy.CIRCLE_CREATOR_ROLES,
        school_notes=school_notes,
        school_links=school_dashboard.links_for(memberships),
        followup_links=followup_pages.dashboard_links(memberships),
    )
    # After rendering: recording commits, which would expire the rows the page
    # reads. Every item quotes a part of a plan (what is overdue, when an
    # episode was, which adjustment ends): one statement for the whole page.
    record_views(
        [View(card.membership.circle_id, card.membership.role, item.section) for card in cards for item in card.items]
        + school_dashboard.views_shown(school_notes, memberships)
    )
    return page
