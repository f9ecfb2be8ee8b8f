"""Who has seen this plan (DESIGN.md, principle 7): the circle's page that
reads the audit trail back to the people it concerns.

A feature above access and audit: it needs the guard to load the circle and
the policy's words for roles and sections, and the audit trail must not
import either (portal/access/guard.py records its refusals there). The
blueprint keeps the name "audit", so its endpoint and templates are the ones
the page always had.
"""

from flask import Blueprint

bp = Blueprint("audit", __name__)
