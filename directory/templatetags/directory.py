from django import template

from .. import vocabulary

register = template.Library()


@register.filter
def language_name(code):
    return vocabulary.language_name(code)


@register.filter
def area_name(code):
    return vocabulary.area_name(code)


@register.filter
def mode_name(code):
    return vocabulary.DELIVERY_MODES.get(code, code)


@register.filter
def audience_name(code):
    return vocabulary.AUDIENCES.get(code, code)
