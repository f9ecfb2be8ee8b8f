from flask import render_template
from flask_babel import lazy_gettext as _l

from portal.access.guard import Public, guard
from portal.outages import works_when_down
from portal.urgent import bp

# When to get emergency help now, rather than wait for the next appointment.
EMERGENCY_SIGNS = (
    _l("A serious injury, or bleeding that is heavy or will not stop"),
    _l("Poisoning, or a possible overdose of any medicine or substance"),
    _l("A head injury"),
    _l("Loss of consciousness, even briefly"),
    _l("Signs of infection in a wound: spreading redness, heat, swelling, pus or fever"),
    _l("Active thoughts of suicide"),
    _l("A plan or intent to die"),
    _l("Hearing voices that tell them to hurt themselves"),
    _l("Being unable to stay safe, or you cannot keep them safe"),
)


@bp.get("/urgent-help")
@guard(Public())
@works_when_down  # served through an outage of Redis or the database (DESIGN.md, principle 8)
def help_page():
    return render_template("urgent/help.html", signs=EMERGENCY_SIGNS)
