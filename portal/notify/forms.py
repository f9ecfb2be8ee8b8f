from flask_wtf import FlaskForm
from wtforms import SelectField

from portal.forms import select_choices
from portal.notify.models import DELIVERY_MODES, EVENT_KINDS
from portal.notify.services import EVENT_LABELS, MODE_LABELS


def preferences_form_class():
    attrs = {
        kind: SelectField(EVENT_LABELS[kind], choices=select_choices((m, MODE_LABELS[m]) for m in DELIVERY_MODES))
        for kind in EVENT_KINDS
    }
    return type("PreferencesForm", (FlaskForm,), attrs)


PreferencesForm = preferences_form_class()
