"""Texts that are stored untranslated and shown in the reader's language.

A timeline event is written once but read by people who work in English, Hindi or Russian. So an
event keeps its message id and parameters (``{"msg": "Client %(name)s created", "params": …}``)
and is translated when it is shown. A parameter that is itself a translatable label (a status, an
interaction kind) is kept as ``{"msg": …, "ctx": …}`` and translated too; a list of them is shown
joined by commas.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext


def deferred(value: Any) -> Any:
    """A parameter ready to be stored: a lazy translation becomes its message id (and context)."""
    if isinstance(value, Promise):
        args: tuple[Any, ...] = tuple(getattr(value, "_args", ()))
        if len(args) == 2 and all(isinstance(arg, str) for arg in args):
            return {"msg": args[1], "ctx": args[0]}
        if len(args) == 1 and isinstance(args[0], str):
            return {"msg": args[0]}
        return str(value)
    if isinstance(value, list | tuple):
        return [deferred(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _param(value: Any) -> Any:
    if isinstance(value, dict) and "msg" in value:
        return text_render(str(value["msg"]), None, str(value.get("ctx", "")))
    if isinstance(value, list):
        return ", ".join(str(_param(item)) for item in value)
    return value


def text_render(msg: str, params: dict[str, Any] | None = None, ctx: str = "") -> str:
    """The message in the active language, with its parameters (each translated if it is a label)."""
    text = pgettext(ctx, msg) if ctx else gettext(msg)
    if not params:
        return text
    values = {name: _param(value) for name, value in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        # A translation that lost a placeholder must not break the page: fall back to English.
        return msg % values


def text_store(msg: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English rendering (for the audit column) and the stored form of a message."""
    stored = {name: deferred(value) for name, value in params.items()}
    with translation.override("en"):
        english = text_render(msg, stored)
    return english, {"msg": msg, "params": stored}
