"""School coordination: the counselor's caseload, the teacher's week, quick
episodes, deadline flexibility over time, and moving school."""

from flask import Blueprint

bp = Blueprint("school", __name__)
