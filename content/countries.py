"""Country names for the helpline filter. A country missing here shows as its ISO code."""

from django.utils.translation import gettext_lazy as _

COUNTRY_NAMES = {
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "DE": _("Germany"),
    "IE": _("Ireland"),
    "NO": _("Norway"),
    "SE": _("Sweden"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
}


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))
