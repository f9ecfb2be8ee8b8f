"""The organisation admin's screen for setting the organisation up: its name,
whether it is a school or a clinic, and the time zone its people read and
type times in (empty: the deployment's). Nothing here reads a circle's plan."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from portal.access.guard import OrgAdmin, guard
from portal.admin import bp
from portal.admin import organisation_services as services
from portal.auth.models import ORGANISATION_KINDS
from portal.forms import choose_first, select_choices

KIND_LABELS = {"school": _l("School"), "clinic": _l("Clinic")}
if set(KIND_LABELS) != set(ORGANISATION_KINDS):
    raise RuntimeError("every kind of organisation needs a label")


class OrganisationForm(FlaskForm):
    organisation_name = StringField(
        _l("Name"),
        [
            DataRequired(message=_l("Please enter the organisation's name.")),
            Length(max=200, message=_l("Please keep this under 200 characters.")),
        ],
        description=_l("As its people and families know it."),
    )
    kind = SelectField(
        _l("Kind of organisation"),
        [DataRequired(message=_l("Please choose whether this is a school or a clinic."))],
        choices=choose_first(_l("Choose one"), [(kind, KIND_LABELS[kind]) for kind in ORGANISATION_KINDS]),
    )
    # Validated against the offered zones here (a SelectField of ~400 names
    # would say only "Not a valid choice"), and loaded with zoneinfo.
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=False,
        description=_l("The times your people read and type in Support Circle, and in their emails, are in this zone."),
    )

    def offer_zones(self, deployment_zone: str) -> None:
        own = _("The portal's own (%(zone)s)", zone=deployment_zone)
        self.timezone.choices = select_choices(
            [("", own), *((name, name.replace("_", " ")) for name in services.offered_zones())]
        )

    def validate_timezone(self, field):
        if field.data and not services.known_zone(field.data):
            raise ValidationError(_("That is not a time zone we know. Please choose one from the list."))


def _page(form, status=200):
    return render_template("admin/organisation.html", form=form, organisation=current_user.organisation), status


@bp.route("/organisation", methods=["GET", "POST"])
@guard(OrgAdmin())
def organisation():
    organisation = current_user.organisation
    if request.method == "GET":
        form = OrganisationForm(
            formdata=None,
            data={
                "organisation_name": organisation.name,
                "kind": organisation.kind,
                "timezone": organisation.timezone or "",
            },
        )
    else:
        form = OrganisationForm()
    form.offer_zones(current_app.config["TIMEZONE"])
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 422)
    problem = services.kind_change_problem(organisation, form.kind.data, str(KIND_LABELS[form.kind.data]).lower())
    if problem:
        form.kind.errors.append(problem)
        return _page(form, 409)
    changed = services.set_up(
        current_user._get_current_object(),
        name=form.organisation_name.data,
        kind=form.kind.data,
        timezone=form.timezone.data or None,
    )
    flash(_("Your organisation is set up as you saved it.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("admin.organisation"))
