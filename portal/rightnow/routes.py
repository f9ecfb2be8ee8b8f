from flask import g, render_template

from portal.access import policy
from portal.access.guard import Section, guard
from portal.access.queries import standing_for
from portal.audit.services import record_view
from portal.rightnow import bp
from portal.rightnow.check_ins import just_answered
from portal.rightnow.services import right_now_for


@bp.get("/circles/<int:circle_id>/right-now")
@guard(Section(policy.READ, kind="safety_plan"))
def page(circle_id: int):
    membership = g.membership
    right_now = right_now_for([membership], {circle_id: standing_for(membership)})[circle_id]
    record_view("view", membership, "safety_plan")
    if "care_team" in right_now.sections_shown:
        record_view("view", membership, "care_team")
    return render_template(
        "rightnow/page.html", circle=g.circle, right_now=right_now, after_check_in=just_answered(circle_id)
    )
