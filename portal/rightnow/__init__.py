"""Right now: the safety plan's first steps, who can be reached at this hour,
and tappable numbers; the page a check-in leads to when it answers the direct
question with yes or not sure, and the card a young person's or caregiver's
home page opens with."""

from flask import Blueprint

bp = Blueprint("rightnow", __name__)

# What right now adds after a save and to the dashboard is registered on their
# hooks (portal/hooks.py) as the package is imported; create_app imports it,
# for its blueprint, before any request.
from portal.rightnow import check_ins, dashboard  # noqa: E402, F401
