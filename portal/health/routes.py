from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import outages
from portal.access.guard import Public, guard
from portal.extensions import db, limiter
from portal.health import bp
from portal.sessions.store import get_store


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.close()
        return False


def _checks() -> dict[str, tuple[bool, str]]:
    """Each dependency this deployment uses, whether it answers now, and
    which outage it stands for: the database always; Redis for sessions and
    for rate limits when they live there."""
    checks = {"database": (_database_answers(), outages.DATABASE)}
    store = get_store()
    if store.component == outages.REDIS:
        checks["session_store"] = (store.ping(), outages.REDIS)
    limits_uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if limiter.enabled and not limits_uri.startswith("memory://"):
        # Limits kept anywhere but Redis are kept in the database.
        component = outages.REDIS if limits_uri.startswith("redis") else outages.DATABASE
        checks["rate_limits"] = (limiter.storage.check(), component)
    return checks


@bp.get("/healthz")
@guard(Public())
@outages.works_when_down
def healthz():
    """The truth about the parts, for a load balancer or a monitor: 503 when
    any is down, naming which (never an address or an error's text)."""
    checks = _checks()
    healthy = all(ok for ok, _component in checks.values())
    for name, (ok, component) in checks.items():
        if healthy:
            outages.mark_up(component)
        elif not ok:
            outages.log_unavailable(name)
            outages.mark_down(component)
    body = {name: "ok" if ok else "unavailable" for name, (ok, _component) in checks.items()}
    if healthy:
        return jsonify(status="ok", checks=body)
    return jsonify(status="unavailable", checks=body), 503
