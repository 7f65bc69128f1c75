"""The five default brief templates, one per service, for a fresh installation.

A service that already has a template (the head made one, or an earlier run) is left alone.
"""

from typing import Any

from django.db import migrations

TEXT, CHOICE, NUMBER, URL, FILE = "text", "choice", "number", "url", "file"

# service, name, [(question, kind, choices, required)]
DEFAULTS: list[tuple[str, str, list[tuple[str, str, list[str], bool]]]] = [
    (
        "seo",
        "SEO brief",
        [
            ("Which website should we optimise?", URL, [], True),
            ("Which search queries matter most to your business?", TEXT, [], True),
            ("Which regions and languages do you target?", TEXT, [], False),
            ("Who are your main competitors online?", TEXT, [], False),
            (
                "Do you have access to the site's analytics and search console?",
                CHOICE,
                ["Yes", "No", "Not sure"],
                False,
            ),
            ("Monthly organic visits today (approximately)", NUMBER, [], False),
        ],
    ),
    (
        "contextual-advertising",
        "Contextual advertising brief",
        [
            ("Which page should the ads lead to?", URL, [], True),
            ("What do you want to advertise?", TEXT, [], True),
            ("Monthly advertising budget", NUMBER, [], True),
            (
                "Which ad networks should we use?",
                CHOICE,
                ["Google Ads", "Yandex Direct", "Both", "Your advice"],
                False,
            ),
            ("Who are your customers (age, region, interests)?", TEXT, [], False),
            ("What counts as a conversion for you?", TEXT, [], False),
        ],
    ),
    (
        "copywriting",
        "Copywriting brief",
        [
            ("What is the text for, and where will it be published?", TEXT, [], True),
            ("Who is the reader?", TEXT, [], True),
            ("Tone of voice", CHOICE, ["Formal", "Friendly", "Expert", "Playful"], False),
            ("Approximate length in words", NUMBER, [], False),
            ("Key messages and words that must appear", TEXT, [], False),
            ("Examples of texts you like (a link)", URL, [], False),
            ("Brand guidelines (a file)", FILE, [], False),
        ],
    ),
    (
        "usability",
        "Usability audit brief",
        [
            ("Which website or application should we audit?", URL, [], True),
            ("What should visitors do there (the key scenarios)?", TEXT, [], True),
            ("Which problems have you noticed yourselves?", TEXT, [], False),
            ("Which devices matter most?", CHOICE, ["Desktop", "Mobile", "Both"], False),
            ("Monthly visitors (approximately)", NUMBER, [], False),
            ("Access details or a test account (a file)", FILE, [], False),
        ],
    ),
    (
        "analytics",
        "Analytics brief",
        [
            ("Which website or application should we measure?", URL, [], True),
            ("Which business questions should the analytics answer?", TEXT, [], True),
            (
                "Which analytics tools do you use today?",
                CHOICE,
                ["Google Analytics", "Yandex Metrica", "Both", "None"],
                False,
            ),
            ("Goals and events that matter (purchases, sign-ups, calls…)", TEXT, [], False),
            ("Who reads the reports, and how often?", TEXT, [], False),
            ("Current tracking plan or reports (a file)", FILE, [], False),
        ],
    ),
]


def create_defaults(apps: Any, schema_editor: Any) -> None:
    BriefTemplate = apps.get_model("production", "BriefTemplate")
    BriefQuestion = apps.get_model("production", "BriefQuestion")
    for service, name, questions in DEFAULTS:
        if BriefTemplate.objects.filter(service=service).exists():
            continue
        template = BriefTemplate.objects.create(service=service, name=name, active=True)
        BriefQuestion.objects.bulk_create(
            BriefQuestion(
                template=template, order=n, text=text, kind=kind, choices=choices, required=required
            )
            for n, (text, kind, choices, required) in enumerate(questions, start=1)
        )


def remove_defaults(apps: Any, schema_editor: Any) -> None:
    """Going back removes only untouched defaults that no brief uses."""
    BriefTemplate = apps.get_model("production", "BriefTemplate")
    for service, name, _questions in DEFAULTS:
        BriefTemplate.objects.filter(service=service, name=name, briefs__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("production", "0002_statusreport")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
