"""A draft invoice from the items of a project's agreed plan: the service and its refusals (items
billed already, in this or an earlier version, items an act delivers, a client invoiced only for
accepted acts), the page with its persona matrix and fixed query count, and the links that lead to
the billing pages (the project and client panels, the invoice list's tabs, an accepted act's page,
the top bar)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from khata.billing.models import BillingProfile, Invoice, InvoiceLine
from khata.billing.services import BillingError, invoice_from_plan_items, invoice_issue
from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import Document
from khata.people.models import User
from khata.plans.models import Approval, PlanItem, PlanVersion, Project
from khata.plans.services import plan_approve, plan_change_request, plan_propose

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]


def ids_of(version: PlanVersion) -> list[int]:
    return list(version.items.order_by("id").values_list("pk", flat=True))


def state() -> tuple[int, int, int]:
    """What a refused request must leave as it was."""
    return Invoice.objects.count(), InvoiceLine.objects.count(), Event.objects.count()


def text_of(response: Any) -> str:
    return response.content.decode()


# --- the service ----------------------------------------------------------------------------------


def test_a_draft_bills_agreed_items_at_their_price(
    finance: User, project: Project, agreed: PlanVersion
) -> None:
    invoice = invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed))
    lines = list(invoice.lines.order_by("position"))
    assert [(line.description, line.unit_price_minor, line.quantity_milli) for line in lines] == [
        ("SEO audit", 80_000_00, 1000),
        ("Landing page copy", 30_000_00, 1000),
    ]
    assert [line.plan_item_id for line in lines] == ids_of(agreed)
    assert invoice.is_draft and invoice.project == project and invoice.client_id == project.client_id
    assert invoice.total_minor == 110_000_00 + 19_800_00
    kinds = set(Event.objects.filter(subject_id=invoice.pk).values_list("kind", flat=True))
    assert {"billing.invoice_drafted", "billing.invoice_from_plan"} <= kinds


def test_an_item_already_on_an_invoice_is_refused_and_nothing_changes(
    finance: User, project: Project, agreed: PlanVersion
) -> None:
    first, second = ids_of(agreed)
    invoice = invoice_issue(
        invoice=invoice_from_plan_items(by=finance, project=project, plan_item_ids=[first]), by=finance
    )
    before = state()
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=[first, second])
    assert refused.value.message_dict["plan_items"] == [f"SEO audit is already on invoice {invoice.number}."]
    assert state() == before
    assert invoice_from_plan_items(by=finance, project=project, plan_item_ids=[second]).lines.count() == 1


def test_an_item_billed_in_an_earlier_version_stays_billed(
    finance: User, am: User, approver_a: User, project: Project, agreed: PlanVersion
) -> None:
    invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[:1])
    version = plan_change_request(project=project, by=am)
    plan_propose(version=version, by=am)
    plan_approve(version=version, by=am, side=Approval.Side.COMPANY)
    plan_approve(version=version, by=approver_a, side=Approval.Side.CLIENT)
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(version))
    assert refused.value.message_dict["plan_items"] == ["SEO audit is already on invoice draft."]
    with pytest.raises(BillingError):  # the superseded version's items are not the agreed plan
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[1:])


def test_an_item_an_act_delivers_is_billed_through_the_act(
    finance: User, project: Project, agreed: PlanVersion, accepted_act: Document
) -> None:
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[:1])
    assert refused.value.message_dict["plan_items"] == [
        f"SEO audit is delivered by act {accepted_act.number}: invoice the act instead."
    ]
    assert not Invoice.objects.exists()


def test_a_client_invoiced_only_for_accepted_acts_gets_no_draft_from_the_plan(
    finance: User, project: Project, agreed: PlanVersion
) -> None:
    BillingProfile.objects.create(client=project.client, requires_accepted_act=True)
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed))
    assert "invoiced only for acts it has accepted" in refused.value.message_dict["plan_items"][0]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ("none", "Choose at least one item of the agreed plan."),
        ("unknown", "Some of the chosen items are not in the project's agreed plan."),
    ],
)
def test_no_item_or_an_item_outside_the_plan_is_refused(
    finance: User, project: Project, agreed: PlanVersion, chosen: str, message: str
) -> None:
    ids = [] if chosen == "none" else [*ids_of(agreed), 999_999]
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids)
    assert refused.value.message_dict["plan_items"] == [message]
    assert not Invoice.objects.exists()


def test_a_project_without_an_agreed_plan_is_refused(finance: User, project: Project) -> None:
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=finance, project=project, plan_item_ids=[1])
    assert refused.value.message_dict["plan_items"] == ["This project has no agreed plan yet."]


def test_an_am_cannot_bill_another_ams_project(other_am: User, project: Project, agreed: PlanVersion) -> None:
    with pytest.raises(BillingError) as refused:
        invoice_from_plan_items(by=other_am, project=project, plan_item_ids=ids_of(agreed))
    assert "client" in refused.value.message_dict
    assert not Invoice.objects.exists()


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_answers_each_persona(
    http_as: Any, project: Project, agreed: PlanVersion, persona: str
) -> None:
    response = http_as(persona).get(reverse("billing:from_plan"), {"project": project.pk})
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in {"contact_a", "contact_b", "specialist"}:
        assert response.status_code == 403
    elif persona == "other_am":  # does not see the project: asked again to choose one of theirs
        assert response.status_code == 400 and "Choose one of your projects" in text_of(response)
    else:
        assert response.status_code == 200 and "SEO audit" in text_of(response)


@pytest.mark.parametrize("persona", ["anonymous", "contact_a", "specialist", "other_am"])
def test_a_denied_post_changes_nothing(
    http_as: Any, project: Project, agreed: PlanVersion, persona: str
) -> None:
    before = state()
    values = {
        "project": project.pk,
        "plan_items": ids_of(agreed),
        "tax_rate": "18",
        "issue_date": "2026-12-31",
    }
    response = http_as(persona).post(reverse("billing:from_plan"), values)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in {400, 403}
    assert state() == before


def test_the_page_drafts_the_invoice_then_shows_the_items_as_billed(
    http_as: Any, project: Project, agreed: PlanVersion
) -> None:
    http = http_as("am")
    first, second = ids_of(agreed)
    response = http.post(
        reverse("billing:from_plan"),
        {"project": project.pk, "plan_items": [first], "tax_rate": "18", "issue_date": "2026-12-31"},
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:detail", args=[invoice.pk]
    )
    assert invoice.total_minor == 80_000_00 + 14_400_00
    page = http.get(reverse("billing:from_plan"), {"project": project.pk})
    html = text_of(page)
    assert "on a draft invoice" in html and reverse("billing:detail", args=[invoice.pk]) in html
    assert f'id="item-{second}"' in html and f'id="item-{first}"' not in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"plan_items": []}, "plan_items"),
        ({"plan_items": ["999999"]}, "plan_items"),
        ({"tax_rate": "120"}, "tax_rate"),
        ({"issue_date": "soon"}, "issue_date"),
    ],
)
def test_bad_choices_are_refused_beside_the_field(
    http_as: Any, project: Project, agreed: PlanVersion, data: dict[str, Any], field: str
) -> None:
    values = {
        "project": project.pk,
        "plan_items": ids_of(agreed),
        "tax_rate": "18",
        "issue_date": "2026-12-31",
    } | data
    before = state()
    response = http_as("finance").post(reverse("billing:from_plan"), values)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert state() == before


def test_an_item_billed_since_the_page_opened_is_named_beside_the_list(
    http_as: Any, finance: User, project: Project, agreed: PlanVersion
) -> None:
    first = ids_of(agreed)[0]
    invoice_from_plan_items(by=finance, project=project, plan_item_ids=[first])
    before = state()
    response = http_as("finance").post(
        reverse("billing:from_plan"),
        {"project": project.pk, "plan_items": [first], "tax_rate": "18", "issue_date": "2026-12-31"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["plan_items"] == ["SEO audit is already on invoice draft."]
    assert state() == before


def test_a_client_invoiced_only_for_accepted_acts_is_sent_to_its_acts(
    http_as: Any, project: Project, agreed: PlanVersion
) -> None:
    BillingProfile.objects.create(client=project.client, requires_accepted_act=True)
    html = text_of(http_as("finance").get(reverse("billing:from_plan"), {"project": project.pk}))
    assert "This client is invoiced only for accepted acts" in html
    assert f"{reverse('billing:from_acts')}?client={project.client_id}" in html
    assert 'name="plan_items"' not in html


def test_a_project_without_an_agreed_plan_says_so(http_as: Any, project: Project) -> None:
    html = text_of(http_as("finance").get(reverse("billing:from_plan"), {"project": project.pk}))
    assert "This project has no agreed plan yet" in html


def test_without_a_project_the_page_asks_for_one(http_as: Any, project: Project) -> None:
    response = http_as("am").get(reverse("billing:from_plan"))
    assert response.status_code == 200 and list(response.context["projects"]) == [project]


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_queries_for_3_or_30_items(
    http_as: Any,
    django_assert_num_queries: Any,
    finance: User,
    project: Project,
    agreed: PlanVersion,
    count: int,
) -> None:
    agreed.items.all().delete()
    PlanItem.objects.bulk_create(
        PlanItem(version=agreed, deliverable=f"Item {n}", price_minor=1_000_00 * n) for n in range(count)
    )
    invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[:2])
    http = http_as("finance")
    http.get(reverse("billing:from_plan"), {"project": project.pk})  # warm the session and caches
    with django_assert_num_queries(8):
        response = http.get(reverse("billing:from_plan"), {"project": project.pk})
    assert response.status_code == 200 and len(response.context["plan"].rows) == count


# --- the way there --------------------------------------------------------------------------------


def test_the_project_panel_links_to_the_plan_page(
    http_as: Any, finance: User, project: Project, agreed: PlanVersion
) -> None:
    invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[:1])
    html = text_of(http_as("am").get(reverse("plans:detail", args=[project.pk])))
    assert f"{reverse('billing:from_plan')}?project={project.pk}" in html


def test_the_client_panel_links_to_the_clients_billing_settings(
    http_as: Any, finance: User, project: Project, agreed: PlanVersion, client_a: Client
) -> None:
    invoice_from_plan_items(by=finance, project=project, plan_item_ids=ids_of(agreed)[:1])
    url = reverse("billing:client_settings", kwargs={"client_pk": client_a.pk})
    assert url in text_of(http_as("am").get(reverse("clients:detail", args=[client_a.pk])))
    assert url not in text_of(http_as("other_am").get(reverse("clients:detail", args=[client_a.pk])))


def test_a_project_with_no_invoice_yet_offers_the_ways_to_bill_it(
    http_as: Any, project: Project, agreed: PlanVersion, client_a: Client
) -> None:
    html = text_of(http_as("am").get(reverse("plans:detail", args=[project.pk])))
    assert "No invoices yet." in html
    assert f"{reverse('billing:from_plan')}?project={project.pk}" in html
    client_page = text_of(http_as("am").get(reverse("clients:detail", args=[client_a.pk])))
    assert reverse("billing:client_settings", kwargs={"client_pk": client_a.pk}) in client_page


@pytest.mark.parametrize("page", ["billing:list", "billing:receivables", "billing:reminder_levels"])
def test_the_billing_pages_are_one_tab_apart(http_as: Any, page: str) -> None:
    html = text_of(http_as("finance").get(reverse(page)))
    for url in ("billing:list", "billing:receivables", "billing:reminder_levels"):
        assert f'href="{reverse(url)}"' in html
    assert f'class="tab tab--active" href="{reverse(page)}"' in html


def test_only_invoices_is_highlighted_on_a_clients_billing_settings(http_as: Any, client_a: Client) -> None:
    html = text_of(http_as("am").get(reverse("billing:client_settings", kwargs={"client_pk": client_a.pk})))
    topbar = html[html.index('class="topbar__nav"') : html.index("</nav>", html.index('class="topbar__nav"'))]
    assert topbar.count("nav-link--active") == 1
    assert f'nav-link--active" href="{reverse("billing:list")}"' in topbar


def test_an_accepted_act_offers_to_invoice_it(http_as: Any, accepted_act: Document) -> None:
    url = f"{reverse('billing:from_acts')}?act={accepted_act.pk}"
    assert url in text_of(http_as("am").get(reverse("documents:detail", args=[accepted_act.pk])))
    assert url not in text_of(http_as("specialist").get(reverse("documents:detail", args=[accepted_act.pk])))


def test_a_draft_act_offers_no_invoice(http_as: Any, act: Document) -> None:
    assert reverse("billing:from_acts") not in text_of(
        http_as("am").get(reverse("documents:detail", args=[act.pk]))
    )


def test_the_acts_page_says_when_the_act_is_billed_already(
    http_as: Any, finance: User, accepted_act: Document
) -> None:
    http = http_as("finance")
    http.post(
        reverse("billing:from_acts"),
        {
            "client": accepted_act.client_id,
            "acts": [accepted_act.pk],
            "tax_rate": "18",
            "issue_date": "2026-12-31",
        },
    )
    invoice = invoice_issue(invoice=Invoice.objects.get(), by=finance)
    html = text_of(http.get(reverse("billing:from_acts"), {"act": accepted_act.pk}))
    assert f"This act is already billed by invoice {invoice.number}." in html
    assert reverse("billing:detail", args=[invoice.pk]) in html
