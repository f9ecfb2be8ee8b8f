"""Journey 12 of DESIGN.md: the young person's say, end to end in Debian's
Chromium against the live demo.

12. A clinician records that the young person decides about sharing; the
    parent's attempt to share the safety plan is refused; the young person
    shares it and later records disagreement with an earlier choice.

The parent's page was opened before the clinician's record, so the refusal
comes from the service when the form is sent (what the parent chose is kept),
and again from the page once it is reloaded. The earlier choice is the
parent's own agreement to share progress with the school contact, recorded
before the clinician's judgement: the young person disagrees with it, the
clinicians are told without the young person's words, and one marks it as
talked over.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import (
    CLINICIAN,
    COUNSELOR,
    PARENT,
    STUDENT,
    WAIT_MS,
    open_circle,
    status_of,
    unread,
)

pytestmark = pytest.mark.browser

THEIR_WORDS = "I was not asked before my progress went to school"


@pytest.fixture(autouse=True)
def _waits():
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=None)


@pytest.fixture
def person(signed_in):
    def opened(email: str) -> Page:
        page = signed_in(email)
        page.set_default_timeout(WAIT_MS)
        return page

    return opened


def sharing_page(page: Page) -> None:
    open_circle(page, "Jordan")
    page.get_by_role("link", name="What is shared, and with whom").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is shared, and with whom")


def test_journey_12_the_young_person_decides_a_parent_alone_is_refused_and_their_disagreement_is_heard(
    person, live_server, jordan
):
    sharing = f"{live_server.url}/circles/{jordan}/sharing"
    safety_plan = f"{live_server.url}/circles/{jordan}/plan/safety_plan"
    progress = f"{live_server.url}/circles/{jordan}/plan/progress"
    counselor = person(COUNSELOR)
    assert status_of(counselor, safety_plan) == 403

    # Before the clinician's judgement a parent's word is enough: Maria shares
    # Jordan's progress with the school contact.
    parent = person(PARENT)
    sharing_page(parent)
    expect(parent.get_by_role("main")).to_contain_text("A parent or guardian may agree to sharing for Jordan for now.")
    parent.get_by_label("What to share, and with whom").select_option(label="Progress check-ins, with the school contact")
    parent.get_by_label("Who agreed").select_option(label="A parent or guardian")
    parent.get_by_role("button", name="Record the agreement").click()
    expect(parent.get_by_role("status")).to_contain_text("Recorded: the progress is shared with the school contact.")
    assert status_of(counselor, progress) == 200

    # Maria opens the form again, for the safety plan, and chooses before sending.
    parent.goto(sharing)
    parent.get_by_label("What to share, and with whom").select_option(label="Safety plan, with the school contact")
    parent.get_by_label("Who agreed").select_option(label="A parent or guardian")

    # Meanwhile the clinician records that Jordan decides for themselves.
    clinician = person(CLINICIAN)
    sharing_page(clinician)
    clinician.get_by_label("Does the young person decide about sharing for themselves?").select_option(
        label="Yes: they are mature enough to decide, in my judgement"
    )
    clinician.get_by_role("button", name="Record your judgement").click()
    expect(clinician.get_by_role("status")).to_contain_text("Recorded: Jordan decides about sharing for themselves.")
    expect(clinician.get_by_role("main")).to_contain_text("Jordan decides about sharing for themselves.")

    # Maria's form, sent now, is refused with the reason; what she chose is kept.
    parent.get_by_role("button", name="Record the agreement").click()
    reason = "Jordan decides about sharing for themselves, as their clinician recorded."
    expect(parent.get_by_role("main")).to_contain_text(reason)
    expect(parent.get_by_label("What to share, and with whom")).to_have_value("safety_plan:school_contact")
    assert status_of(counselor, safety_plan) == 403
    # Reloaded, the page no longer offers what she cannot do, and says why.
    parent.goto(sharing)
    expect(parent.locator("[data-refusal]")).to_contain_text(reason)
    expect(parent.get_by_role("button", name="Record the agreement")).to_have_count(0)
    # Nor can the request be sent by hand: the service asks the policy itself.
    token = parent.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = parent.request.post(
        sharing, form={"csrf_token": token, "share": "safety_plan:school_contact", "agreed_by": "guardian"}
    )
    assert response.status == 422
    assert status_of(counselor, safety_plan) == 403

    # Jordan is told, in their own words, and shares the safety plan themselves.
    student = person(STUDENT)
    sharing_page(student)
    expect(student.get_by_role("main")).to_contain_text("You decide about sharing for yourself.")
    expect(student.get_by_label("Who agreed").locator("option")).to_have_text(
        ["Choose who agreed", "You", "You and a parent or guardian"]
    )
    student.get_by_label("What to share, and with whom").select_option(label="Safety plan, with the school contact")
    student.get_by_label("Who agreed").select_option(label="You")
    student.get_by_role("button", name="Record the agreement").click()
    expect(student.get_by_role("status")).to_contain_text("Recorded: the safety plan is shared with the school contact.")
    assert status_of(counselor, safety_plan) == 200

    # Later Jordan says they disagree with the earlier choice Maria made.
    clinician.reload()
    told_before = unread(clinician)
    student.goto(sharing)
    about = student.get_by_label("What you disagree with")
    earlier = about.locator("option").filter(has_text=re.compile(r"Maria Lopez recorded the progress shared with the school contact"))
    expect(earlier).to_have_count(1)
    about.select_option(label=earlier.text_content().strip())
    student.get_by_label("In your own words (optional)").fill(THEIR_WORDS)
    student.get_by_role("button", name="Record that I disagree").click()
    expect(student.get_by_role("status")).to_contain_text("Recorded: you disagree. Your clinicians have been told")
    mine = student.locator("[data-disagreement]")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("you disagree with")
    expect(mine).to_contain_text("sharing the progress check-ins with the school contact (agreed by a parent or guardian)")
    expect(mine).to_contain_text("Not talked over yet.")
    # Disagreeing changes nothing by itself: the progress is still shared.
    assert status_of(counselor, progress) == 200

    # The clinicians are told at once, without Jordan's words in the notice.
    clinician.goto(f"{live_server.url}/dashboard")
    assert unread(clinician) == told_before + 1
    clinician.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Notifications")).click()
    notice = clinician.get_by_role("main").get_by_role("listitem").filter(has_text="disagree with a sharing choice").first
    expect(notice).to_be_visible()
    expect(clinician.get_by_role("main")).not_to_contain_text(THEIR_WORDS)
    # On the sharing page, the clinician reads it and marks it as talked over.
    clinician.goto(sharing)
    theirs = clinician.locator("[data-disagreement]")
    expect(theirs).to_contain_text("Jordan disagrees with")
    expect(theirs).to_contain_text(THEIR_WORDS)
    theirs.get_by_role("button", name="Mark as talked over").click()
    expect(clinician.get_by_role("status")).to_contain_text("Marked as talked over.")
    expect(clinician.locator("[data-disagreement]")).to_contain_text("Talked over")

    # It stays in the history Jordan reads; school never reads the disagreement.
    student.reload()
    expect(student.locator("[data-disagreement]")).to_contain_text("Talked over")
    counselor.goto(sharing)
    expect(counselor.get_by_role("main")).not_to_contain_text(THEIR_WORDS)
    expect(counselor.locator("[data-disagreement]")).to_have_count(0)
    # The parent's page shows whose agreement shares the safety plan now.
    parent.goto(sharing)
    shared = parent.get_by_role("row").filter(has_text="Safety plan").filter(has_text="Shared now")
    expect(shared).to_contain_text("The young person")
