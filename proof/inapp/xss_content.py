"""The XSS check's material inside the site (proof/xss.py): payloads in editor content,
services and staff users to carry them, and the removal of all of it afterwards."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import organization_key_create, staff_key_create
from accounts.models import Membership
from content.models import (
    Campaign,
    Page,
    PageText,
    Pathway,
    PathwayText,
    Revision,
    Step,
    StepText,
)
from content.services import content_version_bump, text_publish
from directory.models import Organization, Service
from referrals.models import Referral


def setup(groups: list[list[str]], tag: str, password: str) -> dict:
    """A published pathway with one step per payload group, a draft page and a campaign
    carrying the payloads; an organisation with an open and a closed service; a clinician (a
    member) and an editor, each with a TOTP device. Returns their keys, ids and OTP secrets."""
    everything = "\n".join(html for group in groups for html in group)
    short = [" ".join(group) for group in groups]

    pathway = Pathway.objects.create(key=f"proof-xss-{tag}", audience="self", order=250)
    text = PathwayText.objects.create(
        pathway=pathway, language="en", title=short[0], summary=everything, intro=everything,
    )
    text_publish(text=text)
    steps = []
    for number, group in enumerate(groups, start=1):
        step = Step.objects.create(pathway=pathway, key=f"group-{number}", order=number,
                                   minutes=1)
        step_text = StepText.objects.create(
            step=step, language="en", title=short[number - 1], body="\n".join(group)
        )
        text_publish(text=step_text)
        steps.append({"number": number, "pk": step_text.pk})

    page = Page.objects.create(key=f"proof-xss-{tag}", sensitive=True)
    page_text = PageText.objects.create(page=page, language="en", title="Proof page",
                                        body="<p>Draft.</p>")
    campaign = Campaign.objects.create(
        slug=f"proof-xss-{tag}", name=short[1 % len(short)], language="en",
        title=short[2 % len(short)], message=everything,
    )

    organization = Organization.objects.create(
        name=f"Proof XSS organisation {tag} (demo)", country="IS", demo=True
    )
    common = dict(organization=organization, languages=["en"], service_areas=["IS"],
                  delivery_modes=["online"], audiences=["self"],
                  accepts_anonymous_referrals=True)
    open_service = Service.objects.create(name=f"Proof XSS service {tag}", **common)
    closed_service = Service.objects.create(name=f"Proof XSS closed service {tag}",
                                            intake=Service.Intake.CLOSED, **common)

    users = {}
    for role in ("clinician", "editor"):
        user = get_user_model().objects.create_user(
            username=f"proof-xss-{role}-{tag}", password=password, is_staff=True,
            is_superuser=(role == "editor"),
        )
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        users[role] = {"username": user.username, "key": device.key, "step": device.step,
                       "t0": device.t0, "digits": device.digits, "drift": device.drift}
        if role == "clinician":
            Membership.objects.create(user=user, organization=organization)
            # Signed in before: a staff key, and the organisation's key granted to it.
            staff_key_create(user=user, password=password)
            organization_key_create(organization=organization, member=user)

    return {
        "pathway": pathway.key, "pathway_text": text.pk, "steps": steps,
        "page_text": page_text.pk, "campaign": campaign.slug, "campaign_pk": campaign.pk,
        "organization": str(organization.pk), "open_service": str(open_service.pk),
        "closed_service": str(closed_service.pk), "users": users,
    }


def teardown(tag: str) -> dict:
    """Delete everything setup(tag) made, and what the check's journeys made with it
    (revisions, referrals); returns the rows removed per kind, with cascades."""
    removed = {}
    for model, lookup in ((PathwayText, {"pathway__key": f"proof-xss-{tag}"}),
                          (StepText, {"step__pathway__key": f"proof-xss-{tag}"}),
                          (PageText, {"page__key": f"proof-xss-{tag}"})):
        pks = list(model.objects.filter(**lookup).values_list("pk", flat=True))
        Revision.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                object_id__in=pks).delete()
    removed["pathway"] = Pathway.objects.filter(key=f"proof-xss-{tag}").delete()[0]
    removed["page"] = Page.objects.filter(key=f"proof-xss-{tag}").delete()[0]
    removed["campaign"] = Campaign.objects.filter(slug=f"proof-xss-{tag}").delete()[0]
    organizations = Organization.objects.filter(
        name__startswith=f"Proof XSS organisation {tag}")
    removed["referrals"] = Referral.objects.filter(
        service__organization__in=organizations).delete()[0]
    removed["organisation"] = organizations.delete()[0]
    removed["users"] = get_user_model().objects.filter(
        username__in=[f"proof-xss-{role}-{tag}" for role in ("clinician", "editor")]
    ).delete()[0]
    content_version_bump()
    return removed
