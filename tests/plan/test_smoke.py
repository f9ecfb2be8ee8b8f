from portal.access import policy
from portal.plan.sections import SPECS
from tests import factories


def test_clinician_walks_every_page(client, world, login_as):
    clinician = world.users[policy.CLINICIAN]
    for kind in SPECS:
        author = world.users["school_contact"] if kind in ("adjustments", "episodes") else clinician
        factories.write_section(world.circle, kind, author, "SMOKE")
    login_as(clinician)
    c = world.circle.id
    assert client.get(f"/circles/{c}").status_code == 200
    for kind, spec in SPECS.items():
        page = client.get(f"/circles/{c}/plan/{kind}")
        assert page.status_code == 200, kind
        assert f'data-section="{kind}"' in page.text
        assert client.get(f"/circles/{c}/plan/{kind}/history").status_code == 200
        if spec.is_list:
            if policy.can("clinician", kind, "edit"):
                assert client.get(f"/circles/{c}/plan/{kind}/new").status_code == 200
        elif policy.can("clinician", kind, "edit"):
            assert client.get(f"/circles/{c}/plan/{kind}/edit").status_code == 200
    assert client.get(f"/circles/{c}/plan/school_plan/print").status_code == 200
    assert client.get("/dashboard").status_code == 200
    assert client.get(f"/circles/{c}/members").status_code == 200
