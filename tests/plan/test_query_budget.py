"""Each page costs a fixed number of SQL statements, however much is in the
plan: a page that loops over rows and queries per row would make a full plan,
or a person in many circles, slow for exactly the people who need it most."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.audit.services import ACTION_PHRASES
from portal.extensions import db
from portal.notify.groups import PER_PAGE
from portal.notify.models import Notification
from portal.plan import services
from portal.plan.sections import SPECS
from portal.safeguarding import services as safeguarding
from portal.sharing import services as sharing
from portal.sharing.models import Agreement
from tests import factories
from tests.web import counting_statements, figures

FIGURES = "query budget: SQL statements per page (small plan = large plan)"
SMALL, LARGE = 3, 40  # items in each list section
EXTRA_CIRCLES = 14  # so that everyone is in 15 circles
EXTRA_MEMBERS = 10
EXTRA_SAVES = 5  # further versions of each document

AUTHORS = {
    "care_team": policy.CLINICIAN,
    "adjustments": policy.SCHOOL_CONTACT,
    "follow_ups": policy.CLINICIAN,
    "episodes": policy.SCHOOL_STAFF,
    "setback_reviews": policy.CLINICIAN,
    "progress": policy.CAREGIVER,
}


def _item_values(kind: str, n: int) -> dict:
    """Varied items, most of which the dashboard has to consider."""
    values = factories.section_values(kind, f"BUDGET{n}")
    now = clock.now()
    if kind == "follow_ups":
        values["kind"] = ("appointment", "plan_review", "school_review")[n % 3]
        values["status"] = ("scheduled", "missed")[n % 2]
        values["due_at"] = now + timedelta(days=n % 5 - 2)
    elif kind == "episodes":
        values["occurred_at"] = now - timedelta(days=n % 3)
    elif kind == "adjustments":
        values["end_date"] = now.date() + timedelta(days=n % 4)
    return values


def _add_items(circle, users, count: int, start: int = 0) -> None:
    for kind, role in AUTHORS.items():
        spec = SPECS[kind]
        for n in range(start, start + count):
            values = _item_values(kind, n)
            if kind == "episodes":
                # Half by the teacher, whose scope is their own episodes.
                author = users[policy.SCHOOL_STAFF if n % 2 else policy.SCHOOL_CONTACT]
                values["recorded_by_id"] = author.id
            else:
                author = users[role]
            item = services.add_item(circle.id, spec, values, author)
            if n % 4 == 0:
                services.update_item(item, spec, _item_values(kind, n + 1), item.version, author)


def _save_documents(circle, users, times: int, marker: str) -> None:
    for kind in ("school_plan", "safety_plan", "home_safety", "clinical"):
        spec = SPECS[kind]
        for n in range(times):
            row = services.queries.document(circle.id, spec)
            values = factories.section_values(kind, f"{marker}{n}")
            services.save_document(circle.id, spec, values, row.version if row else 0, users[policy.CLINICIAN])


def _pages(circle_id: int, role: str) -> list[str]:
    pages = ["/dashboard", "/circles", f"/circles/{circle_id}", f"/circles/{circle_id}/members"]
    pages += ["/notifications", "/notifications/settings", f"/circles/{circle_id}/sharing"]
    pages.append(f"/circles/{circle_id}/sharing/your-say")
    if policy.can_act(role, "view_limits"):
        pages.append(f"/circles/{circle_id}/limits")
    if policy.can_act(role, "view_audit"):
        pages.append(f"/circles/{circle_id}/who-has-seen")
    if policy.can(role, "safety_plan", policy.READ):
        pages.append(f"/circles/{circle_id}/right-now")
    for kind, spec in SPECS.items():
        if policy.can(role, kind, policy.READ):
            pages.append(f"/circles/{circle_id}/plan/{kind}")
            pages.append(f"/circles/{circle_id}/plan/{kind}/history")
            if spec.printable:
                pages.append(f"/circles/{circle_id}/plan/{kind}/print")
    return pages


def _share(circle, users, count: int, start: int = 0) -> None:
    """Agreements recorded and withdrawn, so the history grows while what is shared stays."""
    pairs = sorted(policy.SHAREABLE)
    recorders = [(policy.YOUNG_PERSON, "young_person"), (policy.CAREGIVER, "guardian"), (policy.CLINICIAN, "both")]
    for n in range(start, start + count):
        section, role = pairs[n % len(pairs)]
        by, agreed_by = recorders[n % len(recorders)]
        ends_on = clock.today() + timedelta(days=n % 9 + 1) if n % 2 else None
        agreement = sharing.record(circle.id, section, role, agreed_by, ends_on, users[by])
        sharing.withdraw(agreement, users[policy.CLINICIAN if n % 3 else by])


def _say(circle, users, count: int, start: int = 0) -> None:
    """Records of who decides, the young person's disagreements, things shared
    without agreement, and limits placed and changed on caregivers."""
    young_person, clinician = users[policy.YOUNG_PERSON], users[policy.CLINICIAN]
    for n in range(start, start + count):
        row = sharing.record_deciding(circle.id, n % 2 == 1, clinician)
        sharing.record_disagreement(circle.id, row, f"SAY{n}", young_person)
        sharing.record_disclosure(circle.id, f"WHAT{n}", f"WITH{n}", f"WHY{n}", clock.now(), clinician)
    # Whoever decides now is the same in the small plan and the large one, so only the amount differs.
    sharing.record_deciding(circle.id, False, clinician)
    actor = _membership(circle, clinician)
    for n in range(start, start + count):
        caregiver = factories.member(circle, factories.user(f"Limited Caregiver {n}"), policy.CAREGIVER, clinician)
        limit = safeguarding.place_limit(actor, caregiver, ("events",), f"REASON{n}", clock.today() + timedelta(days=3))
        safeguarding.place_limit(actor, caregiver, ("events", "progress"), f"REASON{n}b",
                                 clock.today() + timedelta(days=5), expected_id=limit.id)


def _membership(circle, user):
    from portal.access.queries import find_membership

    return find_membership(circle.id, user)


def _audit_entries(circle, users, count: int) -> None:
    """Every kind of line the "who has seen this plan" page shows, by everyone."""
    actions = list(ACTION_PHRASES)
    people = list(users.items())
    for n in range(count):
        role, user = people[n % len(people)]
        action = actions[n % len(actions)]
        section = SPECS_LIST[n % len(SPECS_LIST)] if action not in ("member_added", "member_removed") else None
        audit.record(action, circle_id=circle.id, section=section, role=role, user=user,
                     subject=people[(n + 1) % len(people)][1], outcome="refused" if action == "denied" else "ok")
    db.session.commit()


SPECS_LIST = list(SPECS)


def _measure(app, world, login_as) -> dict[tuple[str, str], int]:
    counts = {}
    for role, user in world.users.items():
        client = login_as(user, app.test_client())
        for url in _pages(world.circle.id, role):
            with counting_statements() as statements:
                response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            counts[(role, url)] = len(statements)
    return counts


def _assert_a_lot(world) -> None:
    """The large plan really is large where the new pages look."""
    circle_id = world.circle.id
    count = db.session.scalar
    assert count(select(func.count()).select_from(Agreement).where(Agreement.circle_id == circle_id)) > LARGE
    assert count(select(func.count()).select_from(AuditEvent).where(AuditEvent.circle_id == circle_id)) > 2 * PER_PAGE
    for user in world.users.values():
        assert count(select(func.count()).select_from(Notification).where(Notification.user_id == user.id)) > PER_PAGE


def _page_name(url: str, circle_id: int) -> str:
    return url.replace(f"/circles/{circle_id}", "/circles/<id>")


def test_no_page_costs_more_queries_as_the_plan_grows(app, world, login_as, request):
    users = world.users
    _add_items(world.circle, users, SMALL)
    _save_documents(world.circle, users, 2, "SMALL")
    # Something on every new page: a share in force, one withdrawn, audit lines, notices.
    sharing.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, users[policy.YOUNG_PERSON])
    _share(world.circle, users, 1)
    _say(world.circle, users, 1)
    _audit_entries(world.circle, users, SMALL)
    small = _measure(app, world, login_as)

    # A large plan: more items, versions, members and circles for everyone.
    _add_items(world.circle, users, LARGE - SMALL, start=SMALL)
    _save_documents(world.circle, users, EXTRA_SAVES, "LARGE")
    for n in range(EXTRA_MEMBERS):
        factories.member(world.circle, factories.user(f"Extra Member {n}"), policy.CAREGIVER, users[policy.CLINICIAN])
    for n in range(EXTRA_CIRCLES):
        circle = factories.circle(world.outsider, f"Circle {n:02d}")
        for role, user in users.items():
            factories.member(circle, user, role, world.outsider)
        _add_items(circle, users, 1, start=n)
    # Many agreements, audit lines and notices (more than a page of each).
    _share(world.circle, users, LARGE, start=1)
    _say(world.circle, users, SMALL * 3, start=1)
    _audit_entries(world.circle, users, LARGE * 5)
    large = _measure(app, world, login_as)
    _assert_a_lot(world)

    lines = figures(request.config, FIGURES)
    grew = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    by_page: dict[str, set[int]] = {}
    for (_role, url), count in small.items():
        by_page.setdefault(_page_name(url, world.circle.id), set()).add(count)
    for page, counts in sorted(by_page.items()):
        lines[page] = f"{min(counts)}-{max(counts)}" if len(counts) > 1 else str(min(counts))
    lines["(role, page) pairs measured, small and large"] = len(small)
    lines["pages whose count grew with the data"] = len(grew)
    assert grew == {}, "statements per request grew with the data: " + ", ".join(
        f"{role} {url}: {before} -> {after}" for (role, url), (before, after) in sorted(grew.items())
    )
