from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from helpportal.http import public_page

from .audiences import AUDIENCES, BY_SLUG


@require_safe
@public_page
def home(request):
    return render(request, "content/home.html", {"audiences": AUDIENCES})


@require_safe
@public_page
def audience(request, slug):
    try:
        chosen = BY_SLUG[slug]
    except KeyError:
        raise Http404 from None
    return render(request, "content/audience.html", {"audience": chosen, "sensitive": True})


@require_safe
@public_page
def urgent(request):
    return render(request, "content/urgent.html")


@require_safe
@public_page
def about(request):
    return render(request, "content/about.html")


@require_safe
@public_page
def privacy(request):
    return render(request, "content/privacy.html")
