"""Clinical follow-through: follow-ups that cannot slip, plan reviews,
setback reviews linked to the changes that followed, progress over time, and
a private calendar of one's own appointments."""

from flask import Blueprint

bp = Blueprint("followup", __name__)
