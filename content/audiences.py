"""The four audiences the site serves. Their pathways (the content issue) hang off these slugs."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Audience:
    slug: str
    title: str
    summary: str
    body: tuple


AUDIENCES = (
    Audience(
        slug="self",
        title=_("I am worried about my own thoughts or behaviour online"),
        summary=_("For adults worried about their sexual thoughts about children or what they look at online."),
        body=(
            _("Coming here was an important step. This site does not know who you are, and it does not need to."),
            _("Thoughts and habits like these can change. Many people have stopped with the right support, and there are professionals whose work is exactly this."),
            _("The children in abuse images are real children who were really harmed. Stopping protects them, and it protects you."),
        ),
    ),
    Audience(
        slug="someone-else",
        title=_("I am worried about someone else"),
        summary=_("For partners, family members and friends of someone whose behaviour worries you."),
        body=(
            _("Noticing something worrying about someone close to you is hard. You do not have to be certain to look for advice."),
            _("You can read about what you may be noticing, how to look after yourself, how to talk to them, and where they can get help."),
        ),
    ),
    Audience(
        slug="parents",
        title=_("I am a parent or carer"),
        summary=_("Keeping children safe online: what to know, what to talk about, how to report."),
        body=(
            _("Children use many apps and games that adults never see. Knowing how they work, and talking about them openly, helps keep children safe."),
            _("You can read about protecting your child's data, the safety settings of the platforms they use, and how to report harmful content."),
        ),
    ),
    Audience(
        slug="young-people",
        title=_("I am under 18 and worried about my thoughts or what I have seen"),
        summary=_("For young people worried about their own sexual thoughts or things they have looked at online."),
        body=(
            _("You are not your thoughts. Lots of young people have worries like these, and getting help early really works."),
            _("You can talk to a trusted adult or a service for young people. Nothing you read here is stored."),
        ),
    ),
)

BY_SLUG = {audience.slug: audience for audience in AUDIENCES}
