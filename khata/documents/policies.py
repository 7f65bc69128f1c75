"""Who may see and change documents.

They follow the client and project rules: the head sees and edits every document and keeps the
document kinds; finance sees every document read-only; an AM sees and edits the documents of the
clients they own or back up and of the projects they own. A client contact sees its own company's
documents once they are sent (never a draft) and answers them — accepts, signs or disputes — when
its stakeholder role speaks for the company (anyone but an end user).
"""

from __future__ import annotations

from khata.clients.models import Contact
from khata.clients.policies import can_edit_client, can_view_client
from khata.documents.models import Document
from khata.people.models import User
from khata.people.policies import AnyUser


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def _owns_project(person: User, document: Document) -> bool:
    project = document.project
    return person.role == User.Role.AM and project is not None and project.owner_id == person.pk


def can_view_document(user: AnyUser, document: Document) -> bool:
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.CONTACT:
        return not document.is_draft and can_view_client(person, document.client)
    if (
        person.role == User.Role.AM
        and document.project is not None
        and document.project.owner_id == person.pk
    ):
        return True
    return can_view_client(person, document.client)


def can_edit_document(user: AnyUser, document: Document) -> bool:
    """Draft, edit, send, register and archive the document, and add its files."""
    person = _active(user)
    if person is None:
        return False
    if (
        person.role == User.Role.AM
        and document.project is not None
        and document.project.owner_id == person.pk
    ):
        return True
    return can_edit_client(person, document.client)


def can_create_documents(user: AnyUser) -> bool:
    person = _active(user)
    return person is not None and person.role in {User.Role.HEAD, User.Role.AM}


def can_edit_document_kinds(user: AnyUser) -> bool:
    person = _active(user)
    return person is not None and (person.role == User.Role.HEAD or person.is_superuser)


def answering_contact(user: AnyUser, document: Document) -> Contact | None:
    """The user's contact record when it may answer this document for its company."""
    person = _active(user)
    if person is None or person.role != User.Role.CONTACT:
        return None
    contact = getattr(person, "contact", None)
    if (
        contact is None
        or not contact.portal_access
        or contact.client_id != document.client_id
        or contact.role == Contact.Role.USER
    ):
        return None
    return contact
