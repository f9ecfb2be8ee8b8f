from flask import render_template
from flask_login import current_user

from portal.access import policy
from portal.access.guard import SignedIn, guard
from portal.audit.services import View, record_views
from portal.dashboard import bp
from portal.dashboard.services import dashboard_for, page_context


@bp.get("/dashboard")
@guard(SignedIn())
def index():
    cards = dashboard_for(current_user)
    context, views_around = page_context([card.membership for card in cards])
    page = render_template(
        "dashboard/index.html",
        cards=cards,
        role_labels=policy.ROLE_LABELS,
        can_create=policy.creates_circles(current_user.staff_role),
        **context,
    )
    # After rendering: recording commits, which would expire the rows the page
    # reads. Every item quotes a part of a plan (what is overdue, when an
    # episode was, which adjustment ends): one statement for the whole page.
    record_views(
        [View(card.membership.circle_id, card.membership.role, item.section) for card in cards for item in card.items]
        + views_around
    )
    return page
