from flask import render_template
from flask_login import current_user

from portal.access import policy
from portal.access.guard import SignedIn, guard
from portal.dashboard import bp
from portal.dashboard.services import dashboard_for


@bp.get("/dashboard")
@guard(SignedIn())
def index():
    return render_template(
        "dashboard/index.html",
        cards=dashboard_for(current_user),
        role_labels=policy.ROLE_LABELS,
        can_create=current_user.staff_role in policy.CIRCLE_CREATOR_ROLES,
    )
