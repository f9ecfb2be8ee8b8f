from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.access import finding as finder
from portal.access import policy, transitions
from portal.access.audience import listed
from portal.access.guard import CircleAction, Section, SignedIn, guard, in_circle_or_404
from portal.access.queries import find_membership, shared_by_circle
from portal.audit.services import View, record_now, record_shown, record_views
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.circles.services import active_members
from portal.forms import ConfirmForm
from portal.paging import requested_page
from portal.plan.presenters import reach_words
from portal.plan.sections import spec_for
from portal.school import bp, schools, services, sheet, sheet_choices
from portal.school import caseload as caseloads
from portal.school import moves as school_moves
from portal.school.forms import AddTeacherForm, HandoverForm, MoveAgreementForm
from portal.school.models import SchoolHandover


@bp.get("/school/caseload")
@guard(SignedIn())
def caseload():
    sort = request.args.get("sort", "name")
    if sort not in caseloads.SORTS:
        sort = "name"
    filters = frozenset(name for name in request.args.getlist("filter") if name in caseloads.FILTERS)
    schools = finder.schools_of(current_user)
    problem = None
    try:
        search = finder.finding_from(request.args, schools)
    except finder.FindingRefused as refused:
        problem, search = str(refused), finder.Finding()
    result = caseloads.caseload(current_user, sort=sort, filters=filters, page=requested_page(),
                                name=search.name, school_id=search.school_id)
    # What the search keeps as the reader sorts and pages.
    keep = {key: value for key, value in (("q", search.name), ("school", search.school_id)) if value}
    page = render_template(
        "school/caseload.html",
        result=result,
        sort=sort,
        filters=filters,
        search=search,
        schools=schools,
        problem=problem,
        keep=keep,
        sorts=caseloads.SORTS,
        filter_labels=caseloads.FILTERS,
        can_record_episodes=policy.can(policy.SCHOOL_CASELOAD_ROLE, "episodes", policy.EDIT),
        soon_days=current_app.config["ADJUSTMENT_ENDING_SOON_DAYS"],
    )
    # After rendering, one statement for the page: each circle's record says what was seen of it.
    record_views(
        View(row.circle_id, policy.SCHOOL_CASELOAD_ROLE, section) for row in result.rows for section in row.sections_shown()
    )
    return page, (400 if problem else 200)


def _sheet():
    """The reader's sheet this week, narrowed to the subject and class asked for."""
    monday, sunday = sheet.this_week()
    students = sheet.week_sheet(current_user, monday, sunday)
    choices = sheet_choices.SheetChoices.on(students)
    narrowing = sheet_choices.read_narrowing(request.args, choices)
    return students, sheet_choices.narrowed(students, narrowing), choices, narrowing, monday, sunday


def _record_sheet_view(action: str, students) -> None:
    """The sheet shows plan content from many circles: one entry for the
    view, listing each circle and part it showed, so that each circle's "who
    has seen this plan" still says so. Written after the page rendered."""
    record_shown(
        action,
        [View(s.circle_id, s.role, "adjustments", action) for s in students if s.adjustments]
        + [View(s.circle_id, s.role, "return_to_school", action) for s in students if s.returning],
    )


@bp.get("/school/this-week")
@guard(SignedIn())
def this_week():
    everyone, students, choices, narrowing, monday, sunday = _sheet()
    asked_page, page_problem = sheet_choices.read_page(request.args)
    page = sheet_choices.paged(students, asked_page)
    if page is None:
        abort(404)
    shared = shared_by_circle(s.circle_id for s in page.students)
    html = render_template(
        "school/this_week.html",
        students=page.students,
        page=page,
        on_sheet=len(everyone),
        choices=choices,
        narrowing=narrowing,
        problems=narrowing.problems + ([page_problem] if page_problem else []),
        monday=monday,
        sunday=sunday,
        kinds=dict(spec_for("adjustments").field("kind").choices),
        can_record={
            s.circle_id for s in page.students if policy.can(s.role, "episodes", policy.EDIT, shared[s.circle_id])
        },
    )
    _record_sheet_view("view", page.students)
    return html


@bp.get("/school/this-week/print")
@guard(SignedIn())
def this_week_print():
    _everyone, students, _choices, narrowing, monday, sunday = _sheet()
    selection = sheet_choices.read_selection(request.args, students)
    students = selection.students
    html = render_template(
        "school/this_week_print.html",
        students=[s for s in students if s.adjustments],
        others=[s for s in students if not s.adjustments],
        returning=[s for s in students if s.returning],
        problems=narrowing.problems + selection.problems,
        nobody_chosen=selection.asked and not students,
        back=url_for("school.this_week", **narrowing.args()),
        monday=monday,
        sunday=sunday,
        kinds=dict(spec_for("adjustments").field("kind").choices),
    )
    _record_sheet_view("print", students)
    # Nothing printable was asked for: say so, and print nobody rather than everyone.
    return html, 400 if selection.asked and not students else 200


# --- One circle's school page ------------------------------------------------------


def _school_page(*, teacher_form=None, move_form=None, handover_form=None, status=200):
    membership = g.membership
    circle = g.circle
    role = membership.role
    can_manage = policy.can_act(role, "manage_members") and policy.SCHOOL_STAFF in transitions.roles_for(
        transitions.ADD, role
    )
    can_agree = policy.can_act(role, "agree_school_move")
    can_hand_over = policy.can_act(role, "hand_over_school")
    moves = school_moves.moves(circle.id)
    pending = next((move for move in moves if move.handover.pending), None)
    if can_manage and teacher_form is None:
        teacher_form = AddTeacherForm(formdata=None)
    if can_agree and move_form is None:
        move_form = MoveAgreementForm(formdata=None)
    if can_hand_over and pending is not None and handover_form is None:
        handover_form = HandoverForm(formdata=None)
    school_members = [m for m in active_members(circle.id) if m.role in policy.SCHOOL_ROLES]
    return (
        render_template(
            "school/circle_school.html",
            circle=circle,
            membership=membership,
            contacts=[m for m in school_members if m.role == policy.SCHOOL_CONTACT],
            teachers=[m for m in school_members if m.role == policy.SCHOOL_STAFF],
            can_manage=can_manage,
            can_invite=policy.can_act(role, "invite"),
            # Recorded once, while none is; after that, only a move of school changes it.
            can_record_school=circle.school_organisation_id is None and policy.can_act(role, "record_school"),
            # A school recorded by mistake, while nothing at it depends on it (portal/school/schools.py).
            can_correct_school=policy.can_act(role, "correct_school") and schools.correctable(circle),
            # The school's staff list, to add a teacher from: for the school's own people (portal/school/finding.py).
            staff_list=can_manage and schools.staff_list_open(circle, membership),
            can_agree=can_agree,
            can_hand_over=can_hand_over,
            pending=pending,
            history=[move for move in moves if not move.handover.pending],
            teacher_form=teacher_form if can_manage else None,
            move_form=move_form if can_agree else None,
            handover_form=handover_form if (can_hand_over and pending is not None) else None,
            confirm=ConfirmForm(),
            teachers_see=reach_words(policy.SCHOOL_STAFF),
            # The school's own records, which a move does not hand over (policy.SCHOOL_RECORDS).
            staying_behind=listed([str(spec_for(kind, role).title).lower() for kind in policy.SECTIONS if kind in policy.SCHOOL_RECORDS]),
        ),
        status,
    )


@bp.get("/circles/<int:circle_id>/school")
@guard(CircleAction("view_members"))
def circle_school(circle_id: int):
    return _school_page()


@bp.post("/circles/<int:circle_id>/school/teachers")
@guard(CircleAction("manage_members"))
def add_teacher(circle_id: int):
    if policy.SCHOOL_STAFF not in transitions.roles_for(transitions.ADD, g.membership.role):
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        abort(403)
    form = AddTeacherForm()
    if not form.validate_on_submit():
        return _school_page(teacher_form=form, status=422)
    result = services.add_teacher(g.circle, g.membership, form.teacher_email.data, form.relationship_label.data or "")
    if result.membership is None:
        if result.problem == circle_services.NOT_COLLEAGUE:
            form.teacher_email.errors.append(circle_services.not_a_colleague_message(form.teacher_email.data.strip()))
            return _school_page(teacher_form=form, status=422)
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        form.teacher_email.errors.append(result.message)
        return _school_page(teacher_form=form, status=403 if result.problem in ("not_allowed", "removed") else 409)
    flash(_("%(name)s is now in the circle as a teacher.", name=result.membership.user.name), "success")
    return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="teachers"))


@bp.post("/circles/<int:circle_id>/school/teachers/<int:membership_id>/remove")
@guard(CircleAction("manage_members"))
def remove_teacher(circle_id: int, membership_id: int):
    member = in_circle_or_404(
        Membership, membership_id, circle_id, options=[joinedload(Membership.user)],
        where=(Membership.removed_at.is_(None), Membership.role == policy.SCHOOL_STAFF),
    )
    if not transitions.decide(transitions.REMOVE, g.membership.role, member.role, transitions.REMOVED).allowed:
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        abort(403)
    if ConfirmForm().validate_on_submit():
        services.remove_teacher(member, g.membership)
        flash(_("%(name)s no longer has access to this circle.", name=member.user.name), "success")
    return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="teachers"))


@bp.post("/circles/<int:circle_id>/school/move")
@guard(CircleAction("agree_school_move"))
def agree_move(circle_id: int):
    form = MoveAgreementForm()
    if not form.validate_on_submit():
        return _school_page(move_form=form, status=422)
    services.record_move_agreement(g.circle, form.to_school_name.data, current_user)
    flash(_("Your agreement is recorded. The school contact can now hand the school's part of the plan over."), "success")
    return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="moving"))


def _move_or_404(circle_id: int, handover_id: int) -> SchoolHandover:
    return in_circle_or_404(SchoolHandover, handover_id, circle_id)


@bp.post("/circles/<int:circle_id>/school/move/<int:handover_id>/withdraw")
@guard(CircleAction("agree_school_move"))
def withdraw_move(circle_id: int, handover_id: int):
    agreement = _move_or_404(circle_id, handover_id)
    if ConfirmForm().validate_on_submit() and agreement.pending:
        services.withdraw_move_agreement(agreement, current_user)
        flash(_("The agreement to move school was withdrawn. Nothing was handed over."), "success")
    return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="moving"))


@bp.post("/circles/<int:circle_id>/school/move/<int:handover_id>/hand-over")
@guard(CircleAction("hand_over_school"))
def hand_over(circle_id: int, handover_id: int):
    agreement = _move_or_404(circle_id, handover_id)
    if not agreement.pending:
        flash(_("This agreement was already used or withdrawn. A caregiver can record a new one."), "error")
        return redirect(url_for("school.circle_school", circle_id=circle_id, _anchor="moving"))
    form = HandoverForm()
    if not form.validate_on_submit():
        return _school_page(handover_form=form, status=422)
    try:
        new_contact = services.hand_over(g.circle, agreement, form.new_contact_email.data, current_user)
    except services.HandoverRefused as refused:
        form.new_contact_email.errors = [*form.new_contact_email.errors, str(refused)]
        return _school_page(handover_form=form, status=422)
    flash(
        _("Handed over to %(contact)s. You and the teachers here no longer see %(name)s's plan.",
          contact=new_contact.name, name=g.circle.young_person_name),
        "success",
    )
    # The person who handed over has left the circle: their dashboard is the way on.
    if find_membership(circle_id, current_user) is None:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("school.circle_school", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/school/flexibility-reviewed")
@guard(Section(policy.EDIT, kind="adjustments"))
def flexibility_reviewed(circle_id: int):
    if ConfirmForm().validate_on_submit():
        services.mark_flexibility_reviewed(circle_id, current_user)
        flash(_("Noted: the adjustments still fit. You will be asked again after the next episode."), "success")
    return redirect(url_for("plan.section", circle_id=circle_id, kind="episodes"))
