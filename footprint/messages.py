"""Messages of the Django-free core, translated where they are shown.

The core (units, engine, importer, spreadsheet reader) runs without Django, so it cannot
translate. It keeps each message as an English template marked with ``gettext_noop`` (which
``makemessages`` collects) and its parameters; the Django layer renders it with ``gettext`` in
the reader's language. Rendered without a translator, a message reads as plain English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Translate = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks a template for the message catalogue; the translation happens on display."""
    return message


def _same(message: str) -> str:
    return message


class Term(str):
    """A word inside a message that is translated with it, such as a dimension's name."""

    __slots__ = ()


@dataclass(frozen=True)
class Message:
    """An English template with its parameters. A parameter may be a ``Term`` or another
    ``Message``; both are rendered in the same language as the template."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate: Translate = _same) -> str:
        text = translate(self.template)
        if not self.params:
            return text  # not %-formatted, so a literal "%" stays as it is
        return text % {name: _value(value, translate) for name, value in self.params.items()}

    def __str__(self) -> str:
        return self.render()


def _value(value: object, translate: Translate) -> object:
    if isinstance(value, Message):
        return value.render(translate)
    if isinstance(value, Term):
        return translate(value)
    return value


def message(template: str, **params: object) -> Message:
    """``message(gettext_noop("unknown unit %(unit)r"), unit=text)``."""
    return Message(template, params)
