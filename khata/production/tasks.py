"""Production's background work, run by ``khata worker``."""

from __future__ import annotations

from django.tasks import task

from khata.people.models import User
from khata.production.models import StatusReport
from khata.production.reports import report_email_contacts


@task
def report_email_task(*, report_id: int, by_id: int, site_url: str = "") -> int:
    """Email a published status report to the client's portal contacts; how many were sent."""
    report = StatusReport.objects.select_related("project__client").get(pk=report_id)
    by = User.objects.get(pk=by_id)
    return report_email_contacts(report=report, by=by, site_url=site_url)
