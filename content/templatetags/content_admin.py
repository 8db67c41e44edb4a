"""For the editors' pages: the admin address of a text."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def admin_change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
