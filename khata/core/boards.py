"""Boards that every domain extends: the staff Today board and the client's portal home.

A board is an ordered list of named providers. Each domain registers its provider from its own
``AppConfig.ready()``; the page that shows the board (``insights`` for Today, ``portal`` for the
portal home) asks every provider in order and renders what they return. That keeps the imports
pointing one way: a work domain knows ``core``, never the pages above it.

A Today provider is ``func(user, *, today, limit) -> Card | None`` (``None``: not for this user).
A portal provider is ``func(contact, *, limit) -> Card`` and is always shown, empty or not, so a
client sees the whole list of what may wait for them.
A project panel provider is ``func(project, user, *, limit) -> Card | None``: the staff project page
(``plans``) and the client's project page (``portal``) show the panels other domains register.
A client panel provider is ``func(client, user, *, limit) -> Card | None``: the staff client page
(``clients``) shows the panels the work domains register (documents, invoices…).

Registering the same key again replaces the provider: a domain that arrives later swaps an
empty placeholder section for its real one.

A provider returns at most ``limit`` items and the ``total`` it counted; the count is capped by
``capped_count`` so a huge portfolio never costs an unbounded ``COUNT(*)``. Every provider costs a
fixed number of queries whatever the data size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

# Counting stops here: beyond it a board says "1,000+" instead of scanning everything.
COUNT_CAP = 1000


@dataclass
class Counter:
    """A small number shown at the top of a board ("3 overdue")."""

    label: str | Promise
    value: int
    capped: bool = False
    tone: str = ""  # "" or "warn" or "danger"


@dataclass
class Card:
    """One card of a board: a bounded list of items rendered by the card's own template.

    ``template`` receives the card as ``card`` plus the page context (``user``, ``read_only``,
    ``preview``…). ``total`` is how many items exist (capped at ``COUNT_CAP``); ``more_url``, when
    set, leads to the full list; ``action_url`` and ``action_label`` add a button to a project panel.
    """

    key: str
    title: str | Promise
    template: str
    items: Sequence[Any]
    total: int
    empty: str | Promise = ""
    counters: list[Counter] = field(default_factory=list)
    more_url: str = ""
    capped: bool = False
    # An optional button in the card's header ("Send a brief"), shown even when the card is empty.
    action_url: str = ""
    action_label: str | Promise = ""
    # The card's own template draws the empty state too (it has links worth showing with no items).
    draws_empty: bool = False

    @property
    def more(self) -> int:
        """How many items exist beyond the ones shown."""
        return max(self.total - len(self.items), 0)


TodayProvider = Callable[..., Card | None]
PortalProvider = Callable[..., Card]
ProjectProvider = Callable[..., Card | None]


@dataclass
class Board:
    """An ordered registry of card providers."""

    name: str
    _providers: dict[str, tuple[int, Callable[..., Any]]] = field(default_factory=dict)

    def register(self, key: str, func: Callable[..., Any], *, order: int = 100) -> None:
        """Add (or replace) the provider of the card ``key``; lower ``order`` shows first."""
        self._providers[key] = (order, func)

    def register_default(self, key: str, func: Callable[..., Any], *, order: int = 100) -> None:
        """Add a placeholder provider unless a real one already holds ``key``."""
        self._providers.setdefault(key, (order, func))

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def providers(self) -> list[tuple[str, Callable[..., Any]]]:
        ranked = sorted(self._providers.items(), key=lambda item: (item[1][0], item[0]))
        return [(key, func) for key, (_order, func) in ranked]

    def keys(self) -> list[str]:
        return [key for key, _func in self.providers()]


today_board = Board("today")
portal_home = Board("portal_home")
# Panels of one project: the staff project page and the client's project page in the portal.
# A provider is ``func(project, user, *, limit) -> Card | None`` (``None``: nothing to show here).
project_page = Board("project_page")
portal_project_page = Board("portal_project_page")
# Panels of the staff client page; a provider is ``func(client, user, *, limit) -> Card | None``.
client_page = Board("client_page")


def register_today_card(key: str, func: TodayProvider, *, order: int = 100) -> None:
    """A domain adds a card to the staff Today board."""
    today_board.register(key, func, order=order)


def register_portal_section(key: str, func: PortalProvider, *, order: int = 100) -> None:
    """A domain adds a "what waits for you" section to the client's portal home."""
    portal_home.register(key, func, order=order)


def register_project_panel(key: str, func: ProjectProvider, *, order: int = 100) -> None:
    """A domain adds a panel to the staff project page (briefs, tasks, reports…)."""
    project_page.register(key, func, order=order)


def register_portal_project_panel(key: str, func: ProjectProvider, *, order: int = 100) -> None:
    """A domain adds a panel to the client's project page in the portal."""
    portal_project_page.register(key, func, order=order)


def register_client_panel(key: str, func: ProjectProvider, *, order: int = 100) -> None:
    """A domain adds a panel to the staff client page (documents, invoices…)."""
    client_page.register(key, func, order=order)


def board_cards(board: Board, *args: Any, **kwargs: Any) -> list[Card]:
    """Ask every provider of ``board`` in order; keep the cards they return."""
    cards = []
    for _key, func in board.providers():
        card = func(*args, **kwargs)
        if card is not None:
            cards.append(card)
    return cards


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting at most ``cap`` (one bounded query); and whether it hit the cap."""
    total = queryset.order_by()[: cap + 1].count()
    return min(total, cap), total > cap
