from flask import abort

from portal.access.guard import SignedIn, guard
from portal.forms import ConfirmForm
from portal.sessions import bp


@bp.post("/session/ping")
@guard(SignedIn())
def ping():
    """The idle warning's "stay signed in": any signed-in request counts as activity."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return "", 204
