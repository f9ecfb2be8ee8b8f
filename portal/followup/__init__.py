"""Clinical follow-through: follow-ups that cannot slip, plan reviews,
setback reviews linked to the changes that followed, progress over time, and
a private calendar of one's own appointments."""

from flask import Blueprint

bp = Blueprint("followup", __name__)

# What follow-through adds to the plan's pages, the dashboard and the
# scheduler is registered on their hooks (portal/hooks.py) as the package is
# imported; create_app imports it, for its blueprint, before any request.
from portal.followup import aftercare, dashboard, medication_review, plan_pages, schedule  # noqa: E402, F401
