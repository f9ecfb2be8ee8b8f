"""Choosing from lists rather than typing: the school a circle's student
attends, from the schools in Support Circle (and the school put right when
it was recorded by mistake), and a teacher to add, from the
staff list of the circle's school. Each list is a GET search form that works
without JavaScript; the choice is then a POST with CSRF."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.access import policy, transitions
from portal.access.guard import CircleAction, guard
from portal.audit.services import record_now
from portal.circles import services as circle_services
from portal.school import bp, schools

# Ids are positive and fit the database's integer: anything else was not on a list.
LARGEST_ID = 2**31 - 1
CHOOSE_SCHOOL = _l("Please choose the school from the list.")
CHOOSE_TEACHER = _l("Please choose a teacher from the school's staff list.")


class SchoolChoiceForm(FlaskForm):
    school = IntegerField(
        _l("The school"), [DataRequired(message=CHOOSE_SCHOOL), NumberRange(1, LARGEST_ID, message=CHOOSE_SCHOOL)]
    )


class StaffChoiceForm(FlaskForm):
    teacher = IntegerField(
        _l("The teacher"), [DataRequired(message=CHOOSE_TEACHER), NumberRange(1, LARGEST_ID, message=CHOOSE_TEACHER)]
    )
    teacher_label = StringField(
        _l("What they teach"),
        [Optional(), Length(max=120, message=_l("Please keep this under 120 characters."))],
        description=_l("For example: Maths teacher, Form tutor. Other members see this next to their name."),
    )


def _search() -> tuple[str, str | None]:
    """The ?q= typed, and the problem with it, if any."""
    # Nobody types a NUL, and PostgreSQL cannot compare text holding one (as the forms', portal/security.py).
    search = request.args.get("q", "").replace("\x00", "")
    if len(search) > schools.LONGEST_SEARCH:
        return search[: schools.LONGEST_SEARCH], _(
            "Please search with fewer than %(count)d characters.", count=schools.LONGEST_SEARCH
        )
    return search, None


# --- Which school the student attends --------------------------------------------------------------


def _school_page(form, status=200, *, search=None, problem=None, correcting=False):
    circle = g.circle
    if search is None:
        search, problem = _search()
    found = schools.school_choices(g.membership, "" if problem else search)
    recorded = circle.school is not None
    correctable = recorded and schools.correctable(circle)
    return render_template(
        "school/record_school.html",
        circle=circle,
        form=form,
        search=search,
        problem=problem,
        found=found,
        recorded=recorded,
        correcting=correcting,
        # Offered to whoever the policy lets correct it, while nothing at the school depends on it.
        can_correct=correctable and policy.can_act(g.membership.role, "correct_school"),
        in_use=None if correctable or not recorded else schools.IN_USE,
        choosing=not recorded or (correcting and correctable),
        action=url_for("school.correct_school" if correcting else "school.record_school", circle_id=circle.id),
    ), (422 if problem and status == 200 else status)


@bp.route("/circles/<int:circle_id>/school/attends", methods=["GET", "POST"])
@guard(CircleAction("record_school"))
def record_school(circle_id: int):
    if request.method == "GET":
        return _school_page(SchoolChoiceForm(formdata=None))
    form = SchoolChoiceForm()
    if g.circle.school_organisation_id is not None:
        form.school.errors = [str(schools.ALREADY_RECORDED)]
        return _school_page(form, 409, search="")
    if not form.validate_on_submit():
        return _school_page(form, 422, search="")
    school = schools.choosable_school(g.membership, form.school.data)
    if school is None:
        record_now("school_recorded", circle_id=circle_id, outcome="refused")
        form.school.errors = [str(CHOOSE_SCHOOL)]
        return _school_page(form, 422, search="")
    try:
        schools.record_school(g.circle, school, current_user._get_current_object())
    except schools.AlreadyRecorded as refused:
        form.school.errors = [str(refused)]
        return _school_page(form, 409, search="")
    flash(
        _("%(name)s's school is recorded: %(school)s.", name=g.circle.young_person_name, school=school.name), "success"
    )
    return redirect(url_for("school.circle_school", circle_id=circle_id))


@bp.route("/circles/<int:circle_id>/school/attends/correct", methods=["GET", "POST"])
@guard(CircleAction("correct_school"))
def correct_school(circle_id: int):
    """A school recorded by mistake, put right while nothing at it depends on it yet."""
    if g.circle.school_organisation_id is None:
        return redirect(url_for("school.record_school", circle_id=circle_id))
    if request.method == "GET":
        return _school_page(SchoolChoiceForm(formdata=None), correcting=True)
    form = SchoolChoiceForm()
    if not form.validate_on_submit():
        return _school_page(form, 422, search="", correcting=True)
    school = schools.choosable_school(g.membership, form.school.data)
    if school is None:
        record_now("school_corrected", circle_id=circle_id, outcome="refused")
        form.school.errors = [str(CHOOSE_SCHOOL)]
        return _school_page(form, 422, search="", correcting=True)
    if school.id == g.circle.school_organisation_id:
        form.school.errors = [_("This school is the one recorded already.")]
        return _school_page(form, 422, search="", correcting=True)
    try:
        schools.correct_school(g.circle, school, current_user._get_current_object())
    except schools.InUse as refused:
        record_now("school_corrected", circle_id=circle_id, outcome="refused")
        form.school.errors = [str(refused)]
        return _school_page(form, 409, search="", correcting=True)
    flash(
        _("%(name)s's school is corrected: %(school)s.", name=g.circle.young_person_name, school=school.name), "success"
    )
    return redirect(url_for("school.circle_school", circle_id=circle_id))


# --- A teacher from the school's staff list ----------------------------------------------------------


def _may_add_teachers() -> None:
    if policy.SCHOOL_STAFF not in transitions.roles_for(transitions.ADD, g.membership.role):
        record_now("membership_refused", circle_id=g.circle.id, outcome="refused")
        abort(403)


def _staff_page(form, status=200, *, search=None, problem=None):
    circle = g.circle
    if search is None:
        search, problem = _search()
    return render_template(
        "school/find_teacher.html",
        circle=circle,
        form=form,
        search=search,
        problem=problem,
        open=schools.staff_list_open(circle, g.membership),
        found=schools.staff_choices(circle, g.membership, "" if problem else search),
        can_invite=policy.can_act(g.membership.role, "invite"),
    ), (422 if problem and status == 200 else status)


@bp.get("/circles/<int:circle_id>/school/teachers/find")
@guard(CircleAction("manage_members"))
def find_teacher(circle_id: int):
    _may_add_teachers()
    return _staff_page(StaffChoiceForm(formdata=None))


@bp.post("/circles/<int:circle_id>/school/teachers/from-staff")
@guard(CircleAction("manage_members"))
def add_teacher_from_staff(circle_id: int):
    _may_add_teachers()
    form = StaffChoiceForm()
    if not form.validate_on_submit():
        return _staff_page(form, 422, search="")
    teacher = schools.staff_member(g.circle, g.membership, form.teacher.data)
    if teacher is None:
        # Not a teacher of the circle's school that this member may choose: the
        # same answer whoever the id is, so a guessed id tells nothing.
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        form.teacher.errors = [str(CHOOSE_TEACHER)]
        return _staff_page(form, 422, search="")
    result = circle_services.add_colleague(
        g.circle, g.membership, teacher.email, policy.SCHOOL_STAFF, form.teacher_label.data or ""
    )
    if result.membership is None:
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        form.teacher.errors = [result.message or str(CHOOSE_TEACHER)]
        return _staff_page(form, 403 if result.problem in ("not_allowed", "removed") else 409, search="")
    flash(_("%(name)s is now in the circle as a teacher.", name=teacher.name), "success")
    return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="teachers"))
