from django import template

from .. import codes

register = template.Library()


@register.filter
def language_name(code):
    return codes.language_name(code)


@register.filter
def area_name(code):
    return codes.area_name(code)


@register.filter
def mode_name(code):
    return codes.DELIVERY_MODES.get(code, code)


@register.filter
def audience_name(code):
    return codes.AUDIENCES.get(code, code)
