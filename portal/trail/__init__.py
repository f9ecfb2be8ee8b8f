""""Who has seen this plan": the audit trail as a circle's members read it.

The trail's records are portal/audit's; this page is a feature above the
policy, so audit (below the policy) never needs to ask it. The blueprint keeps
the name "audit" that its endpoint has always had."""

from flask import Blueprint

bp = Blueprint("audit", __name__)
