"""Who may see and change briefs and tasks.

They follow the project rules (``khata.plans.policies``): the project's AM (and the client's AM or
backup, and the head) sends briefs and runs the tasks; only the head edits brief templates. A brief
is answered by the contact it was sent to. A specialist sees and moves the tasks assigned to them
and is the only one who logs time on them; a client contact sees only the tasks the AM made visible
to the client, of its own company.
"""

from __future__ import annotations

from khata.clients.models import Contact
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.policies import can_edit_project, can_view_project
from khata.production.models import Brief, Task


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def can_edit_brief_templates(user: AnyUser) -> bool:
    """The head of accounts (or a site administrator) keeps the brief templates."""
    person = _active(user)
    return person is not None and (person.role == User.Role.HEAD or person.is_superuser)


def can_view_brief_templates(user: AnyUser) -> bool:
    """Those who send briefs read the templates: heads and AMs."""
    person = _active(user)
    return person is not None and (
        person.role in {User.Role.HEAD, User.Role.AM} or can_edit_brief_templates(person)
    )


def can_send_brief(user: AnyUser, brief: Brief) -> bool:
    return can_edit_project(user, brief.project)


def brief_contact(user: AnyUser, brief: Brief) -> Contact | None:
    """The user's contact record when the brief was sent to it and it still has portal access."""
    person = _active(user)
    if person is None or person.role != User.Role.CONTACT:
        return None
    contact = getattr(person, "contact", None)
    if contact is None or not contact.portal_access or contact.pk != brief.sent_to_id:
        return None
    return contact


def can_answer_brief(user: AnyUser, brief: Brief) -> bool:
    return brief.status == Brief.Status.SENT and brief_contact(user, brief) is not None


def can_view_task(user: AnyUser, task: Task) -> bool:
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.SPECIALIST:
        return task.assignee_id == person.pk
    if person.role == User.Role.CONTACT:
        return task.visible_to_client and can_view_project(person, task.project)
    return can_view_project(person, task.project)


def can_manage_task(user: AnyUser, task: Task) -> bool:
    """Assign the task, show it to the client: the project's AM or the head."""
    return can_edit_project(user, task.project)


def can_move_task(user: AnyUser, task: Task) -> bool:
    """Change the task's status: its assignee or the project's AM."""
    person = _active(user)
    if person is None:
        return False
    if task.assignee_id is not None and task.assignee_id == person.pk:
        return True
    return can_manage_task(person, task)


def can_log_time(user: AnyUser, task: Task) -> bool:
    person = _active(user)
    return person is not None and task.assignee_id is not None and task.assignee_id == person.pk


def can_comment_task(user: AnyUser, task: Task) -> bool:
    return can_view_task(user, task)


def can_attach_task(user: AnyUser, task: Task) -> bool:
    """Those who do or run the task attach files to it: its assignee, the project's AM, the head."""
    person = _active(user)
    if person is None or not person.is_agency_staff:
        return False
    return (task.assignee_id is not None and task.assignee_id == person.pk) or can_manage_task(person, task)


def can_download_task_file(user: AnyUser, task: Task) -> bool:
    """Agency staff who see the task read its files; client contacts never reach them."""
    person = _active(user)
    return person is not None and person.is_agency_staff and can_view_task(person, task)
