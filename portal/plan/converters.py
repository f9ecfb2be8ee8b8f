"""URL converters that match only real sections, so /plan/nonsense/ is a 404
before any view runs, and document-only or list-only routes refuse the other."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

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


CONVERTERS = {
    "section": SectionConverter,
    "doc_section": DocumentSectionConverter,
    "list_section": ListSectionConverter,
    "print_section": PrintableSectionConverter,
}
