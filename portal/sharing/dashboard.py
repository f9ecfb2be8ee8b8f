"""The link to the young person's page about their say in sharing, on their
dashboard: offered in each circle where the policy gives the reader the
young person's own part (recording that they disagree)."""

from __future__ import annotations

from flask import url_for

from portal import hooks
from portal.access import policy
from portal.access.queries import standings


@hooks.dashboard_context.register
def dashboard_context(memberships) -> dict:
    standing = standings(memberships)
    links = {
        m.circle_id: url_for("sharing.your_say", circle_id=m.circle_id)
        for m in memberships
        if policy.can_act(m.role, "record_disagreement", standing[m.id])
    }
    return {"your_say_links": links} if links else {}
