"""Who may see and change a project and its work plan.

They follow the client rules (``khata.clients.policies``): the head sees and edits every project;
finance sees every project read-only; an AM sees and edits the projects of the clients they own or
back up, and the projects they own; a client contact sees its own company's projects (portal). The
plan is answered and approved for the client by a contact of that client whose stakeholder role is
"approver"; for the company by the project's AM, the client's AM or backup, or the head.
"""

from __future__ import annotations

from khata.clients.models import Contact
from khata.clients.policies import can_edit_client, can_view_client
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import Approval, PlanVersion, Project


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def can_view_project(user: AnyUser, project: Project) -> bool:
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.AM and project.owner_id == person.pk:
        return True
    return can_view_client(person, project.client)


def can_edit_project(user: AnyUser, project: Project) -> bool:
    """Edit the project and draft, propose and revise its plan."""
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.AM and project.owner_id == person.pk:
        return True
    return can_edit_client(person, project.client)


def approver_contact(user: AnyUser, project: Project) -> Contact | None:
    """The user's contact record when it speaks for this project's client as an approver."""
    person = _active(user)
    if person is None or person.role != User.Role.CONTACT:
        return None
    contact = getattr(person, "contact", None)
    if (
        contact is None
        or not contact.portal_access
        or contact.client_id != project.client_id
        or contact.role != Contact.Role.APPROVER
    ):
        return None
    return contact


def can_decide_plan(user: AnyUser, version: PlanVersion) -> bool:
    """Answer the items of a proposed version and add requests: the client's approver."""
    return (
        version.status == PlanVersion.Status.PROPOSED and approver_contact(user, version.project) is not None
    )


def can_approve_plan(user: AnyUser, version: PlanVersion, side: str) -> bool:
    """Approve a proposed version for one side (the version must also be the latest: see the service)."""
    if version.status != PlanVersion.Status.PROPOSED:
        return False
    if side == Approval.Side.COMPANY:
        person = _active(user)
        return (
            person is not None
            and person.role in {User.Role.HEAD, User.Role.AM}
            and can_edit_project(person, version.project)
        )
    if side == Approval.Side.CLIENT:
        return approver_contact(user, version.project) is not None
    return False
