"""Small builders for content rows; tests state only what matters to them."""

from django.contrib.auth import get_user_model

from content.models import Pathway, PathwayText, Step, StepText
from content.services import text_publish


def make_pathway(key="test-pathway", *, steps=2, languages=("en",), publish=True):
    pathway = Pathway.objects.create(key=key, audience="self", order=99)
    for language in languages:
        text = PathwayText.objects.create(
            pathway=pathway,
            language=language,
            title=f"Pathway {key} {language}",
            summary="A summary.",
            intro="<p>Intro.</p>",
        )
        if publish:
            text_publish(text=text)
    for number in range(1, steps + 1):
        step = Step.objects.create(pathway=pathway, key=f"step-{number}", order=number, minutes=2)
        for language in languages:
            text = StepText.objects.create(
                step=step,
                language=language,
                title=f"Step {number} {language}",
                body=f"<p>Body {number} {language}.</p>",
            )
            if publish:
                text_publish(text=text)
    return pathway


def make_staff(username="editor", *, superuser=False, editor=True):
    """A staff member; by default an editor (the Editors group), as content's staff are."""
    from django.contrib.auth.models import Group

    from accounts.roles import EDITORS_GROUP

    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username,
        password="a long enough password 123",
        is_staff=True,
        is_superuser=superuser,
    )
    if editor:
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user
