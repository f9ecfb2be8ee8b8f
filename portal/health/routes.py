from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.access.guard import Public, guard
from portal.extensions import db
from portal.health import bp


@bp.get("/healthz")
@guard(Public())
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: the database did not answer")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
