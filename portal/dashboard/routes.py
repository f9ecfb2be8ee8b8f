from flask import render_template, request
from flask_login import current_user

from portal.access import finding as finder
from portal.access import policy
from portal.access.guard import SignedIn, guard
from portal.audit.services import View, record_views
from portal.dashboard import bp
from portal.dashboard.services import (
    HOME_ROLES,
    OTHERS_PER_PAGE,
    attention_page,
    home_memberships,
    page_context,
    roles_held,
)
from portal.paging import strict_page


@bp.get("/dashboard")
@guard(SignedIn())
def index():
    # Both pages are read (and refused) before anything is gathered for them.
    asked, asked_others = strict_page("page"), strict_page("circles_page")
    home = home_memberships(current_user)
    attention = attention_page(current_user, asked, home)
    cards = attention.items
    problem = None
    try:
        # Searching looks through every circle; otherwise the list holds the ones not above.
        search = finder.finding_from(request.args, {}, attention_default=None)
        if not search.narrowed:
            search = finder.Finding(needs_attention=False, roles_left_out=HOME_ROLES)
        others = finder.find(current_user, search, asked_others, OTHERS_PER_PAGE)
    except finder.FindingRefused as refused:
        problem, search, others = str(refused), finder.Finding(), None
    shown = {card.membership.id: card.membership for card in cards}
    around = [m for m in home if m.id not in shown]
    context, views_around = page_context([*shown.values(), *around], roles_held(current_user))
    page = render_template(
        "dashboard/index.html",
        cards=cards,
        attention=attention,
        others=others,
        search=search,
        searching=bool(request.args.get("q")),
        problem=problem,
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
