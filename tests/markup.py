"""A small reading of an HTML page for the site-wide guards: elements, their attributes,
their text and the label that names each form field.

The standard library's parser is enough here: the pages are Django's output, and what the
guards ask (how many h1, which field has a label, which attributes an element carries) does
not need a full HTML5 tree builder.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
FIELDS = {"input", "select", "textarea"}
# Inputs a person does not fill in: their own value (or nothing) is their name.
UNNAMED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict
    ancestors: tuple
    text_parts: list = field(default_factory=list)

    @property
    def text(self):
        return " ".join(" ".join(self.text_parts).split())

    def inside(self, tag):
        return any(a.tag == tag for a in self.ancestors)


class Page(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self._open = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v or "") for k, v in attrs}, tuple(self._open))
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: (v or "") for k, v in attrs}, tuple(self._open)))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.text_parts.append(data)

    # -- questions ---------------------------------------------------------------------

    def all(self, tag):
        return [e for e in self.elements if e.tag == tag]

    def by_id(self, id_):
        found = [e for e in self.elements if e.attrs.get("id") == id_]
        assert len(found) <= 1, f"id {id_!r} is used {len(found)} times"
        return found[0] if found else None

    def form_fields(self):
        """The fields a person fills in."""
        return [
            e
            for e in self.elements
            if e.tag in FIELDS
            and not (e.tag == "input" and e.attrs.get("type", "text") in UNNAMED_INPUT_TYPES)
        ]

    def has_label(self, element):
        attrs = element.attrs
        if attrs.get("aria-label", "").strip():
            return True
        if attrs.get("aria-labelledby") and all(
            self.by_id(id_) for id_ in attrs["aria-labelledby"].split()
        ):
            return True
        if element.inside("label"):
            return True
        id_ = attrs.get("id")
        return bool(id_) and any(label.attrs.get("for") == id_ for label in self.all("label"))
