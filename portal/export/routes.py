"""The clinic's copy of the circle, as FHIR: a page that says what the file
holds, and the file itself. Clinicians only (policy: export_fhir)."""

from __future__ import annotations

from flask import Response, g, render_template, request

from portal import clock
from portal.access.guard import CircleAction, guard
from portal.audit.services import View, record_views
from portal.export import bp
from portal.export.fhir import as_json, build_bundle


@bp.get("/circles/<int:circle_id>/fhir")
@guard(CircleAction("export_fhir"))
def fhir_page(circle_id: int):
    return render_template("export/fhir.html", circle=g.circle)


@bp.get("/circles/<int:circle_id>/fhir/bundle.json")
@guard(CircleAction("export_fhir"))
def fhir_bundle(circle_id: int):
    with_assessment = request.args.get("assessment") == "1"
    bundle, included = build_bundle(g.membership, with_assessment=with_assessment)
    # One line a part of the plan in "who has seen this plan": downloaded, and by whom. The file
    # always holds the young person's name and the agreements: a download with no part in it is noted too.
    kinds = included or (None,)
    record_views([View(circle_id, g.membership.role, kind, "download") for kind in kinds])
    name = f"support-plan-{circle_id}-{clock.today().isoformat()}.fhir.json"
    return Response(
        as_json(bundle),
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
