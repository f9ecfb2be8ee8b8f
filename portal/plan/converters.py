"""URL converters that match only real sections, so /plan/nonsense/ is a 404
before any view runs, and document-only or list-only routes refuse the other."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from portal.plan.sections import SPECS


class _SectionConverter(BaseConverter):
    kinds: tuple[str, ...] = ()

    def to_python(self, value: str) -> str:
        if value not in self.kinds:
            raise ValidationError()
        return value


class SectionConverter(_SectionConverter):
    kinds = tuple(SPECS)


class DocumentSectionConverter(_SectionConverter):
    kinds = tuple(kind for kind, spec in SPECS.items() if not spec.is_list)


class ListSectionConverter(_SectionConverter):
    kinds = tuple(kind for kind, spec in SPECS.items() if spec.is_list)


class PrintableSectionConverter(_SectionConverter):
    kinds = tuple(kind for kind, spec in SPECS.items() if spec.printable)


# The largest id an id column holds (Integer: PostgreSQL's int4, the smaller
# of the two databases). A larger number in a URL made the query fail (an
# overflow on SQLite, "integer out of range" on PostgreSQL: a 500); now it
# matches no route (a 404).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's <int:...>, bounded by what the database can compare against."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


CONVERTERS = {
    "int": BoundedIntConverter,
    "section": SectionConverter,
    "doc_section": DocumentSectionConverter,
    "list_section": ListSectionConverter,
    "print_section": PrintableSectionConverter,
}
