"""The kinds of plan field (portal/plan/fields.py): every declared field has
one, every kind has its test samples, and a version gives back what it kept."""

import pytest

from portal.plan import fields
from portal.plan.sections import SPECS
from tests import factories, fieldsamples

KINDS = {
    kind
    for kind in vars(fields).values()
    if isinstance(kind, type) and issubclass(kind, fields.FieldType) and kind is not fields.FieldType
}
DECLARED = [(spec.kind, field_spec) for spec in SPECS.values() for field_spec in spec.fields]


def test_every_kind_has_test_samples():
    assert set(fieldsamples.SAMPLES) == KINDS


def test_every_kind_is_declared_somewhere():
    assert {type(field_spec.field_type) for _, field_spec in DECLARED} == KINDS


@pytest.mark.parametrize(("section", "field_spec"), DECLARED, ids=[f"{s}.{f.name}" for s, f in DECLARED])
def test_a_version_gives_back_the_value_it_kept(section, field_spec):
    value = factories.sample_value(field_spec, "KEPT")
    assert field_spec.field_type.from_snapshot(field_spec.to_snapshot(value)) == value
    assert field_spec.field_type.from_snapshot(None) is None
