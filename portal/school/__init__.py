"""School coordination: the counselor's caseload, the teacher's week, quick
episodes, deadline flexibility over time, moving school, and the return to
school after hospital or absence."""

from flask import Blueprint

bp = Blueprint("school", __name__)

# What the school adds to the plan's pages and the dashboard is registered on
# their hooks (portal/hooks.py) as the package is imported; create_app
# imports it, for its blueprint, before any request.
from portal.school import dashboard, plan_pages, returning  # noqa: E402, F401
