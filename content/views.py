"""Public pages. Each view parses the request, asks a selector and renders; nothing more."""

import segno
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from accounts.decorators import role_required
from helpportal.cache_headers import public_page
from helpportal.origin import post_from_this_site
from helpportal.vocabulary import country_name
from stats.services import record

from . import selectors
from .forms import AnswersForm, CountryForm, SelfCheckForm

# The name a downloaded copy of one's answers gets: it says nothing of the topic or the site.
ANSWERS_FILE_NAME = "notes.txt"


def render_public(request, template: str, context_builder) -> object:
    """Render a page that is the same for every visitor, or reuse its rendering until the
    next publish (`context_builder` runs only when it is rendered)."""
    return selectors.PAGES.render(request, template, context_builder)


@require_safe
@public_page
def home(request):
    language = get_language()
    response = render_public(
        request,
        "content/home.html",
        lambda: {
            "pathways": selectors.pathway_list(language=language),
        },
    )
    record("page_view", kind="home", language=language)
    return response


def _pathway_or_404(key: str):
    view = selectors.pathway_get(key=key, language=get_language())
    if view is None:
        raise Http404
    return view


@require_safe
@public_page
def pathway(request, key):
    def build():
        return {"pathway": _pathway_or_404(key), "sensitive": True}

    response = render_public(request, "content/pathway.html", build)
    record("page_view", kind="pathway", language=get_language())
    return response


def _step_context(view, number: int, form=None) -> dict:
    if not 1 <= number <= len(view.steps):
        raise Http404
    shown = view.steps[number - 1]
    return {
        "pathway": view,
        "step": shown,
        "previous": view.steps[number - 2] if number > 1 else None,
        "next": view.steps[number] if number < len(view.steps) else None,
        "form": form or AnswersForm(exercises=shown.exercises),
        "sensitive": True,
    }


@require_safe
@public_page
def step(request, key, number):
    response = render_public(
        request, "content/step.html", lambda: _step_context(_pathway_or_404(key), number)
    )
    # Counted once the step exists (a 404 raised above is not), so a made-up key is never kept.
    record("pathway_step_reached", pathway=key, step=number, language=get_language())
    record("page_view", kind="step", language=get_language())
    return response


def _plan_context(view, form=None) -> dict:
    sections = selectors.plan_sections(view)
    if not sections:
        raise Http404
    exercises = [exercise for section in sections for exercise in section.exercises]
    return {
        "pathway": view,
        "sections": sections,
        "form": form or AnswersForm(exercises=exercises),
        "sensitive": True,
    }


@require_safe
@public_page
def plan(request, key):
    """A pathway's personal plan: its plan exercises on one page, to fill in and print."""
    response = render_public(
        request, "content/plan.html", lambda: _plan_context(_pathway_or_404(key))
    )
    record("page_view", kind="plan", language=get_language())
    return response


# The forms of steps and of the plan are on cached pages, which carry no CSRF token;
# post_from_this_site() keeps other sites from making this one show words of their choosing.
@csrf_exempt
@require_POST
def answers(request, key):
    """A visitor's answers to the exercises of one step (`part` is its number) or of the
    plan (`part=plan`), made at once into a page to print or save, or a text file. Nothing
    of them is stored, logged, counted or cached (no-store): the answer is only rendered."""
    if not post_from_this_site(request):
        return render(request, "errors/403_other_site.html", {"sensitive": True}, status=403)
    view = _pathway_or_404(key)
    part = request.POST.get("part", "")
    if part == "plan":
        context = _plan_context(view)
        template = "content/plan.html"
    elif part.isdigit():
        context = _step_context(view, int(part))
        template = "content/step.html"
    else:
        raise Http404
    exercises = context["form"].exercises
    form = AnswersForm(request.POST, exercises=exercises)
    if not form.is_valid():
        context["form"] = form
        return render(request, template, context, status=400)
    context = {**context, "answers": form.answers(), "part": part}
    if request.POST.get("as") == "file":
        text = render_to_string("content/answers.txt", context, request=request)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ANSWERS_FILE_NAME}"'
        return response
    return render(request, "content/answers.html", context)


def _page_or_404(key: str):
    found = selectors.page_get(key=key, language=get_language())
    if found is None:
        raise Http404
    return found


@require_safe
@public_page
def page(request, key):
    def build():
        found_page, text = _page_or_404(key)
        return {"page": found_page, "text": text, "sensitive": found_page.sensitive}

    response = render_public(request, "content/page.html", build)
    record("page_view", kind="page", language=get_language())
    return response


@require_safe
@public_page
def urgent(request):
    """Emergency numbers at once (in the template), then one country's helplines: the one
    chosen, else the page language's suggestion. An unknown country is a 400 with a message."""
    found_page, text = _page_or_404("urgent-help")
    language = get_language()
    countries = sorted(
        ((code, country_name(code)) for code in selectors.helpline_countries()),
        key=lambda choice: choice[1],
    )
    suggested = selectors.helpline_country_suggested(language=language)
    asked = request.GET if request.GET.get("country") else None  # empty: no choice made
    form = CountryForm(asked, countries=countries, initial={"country": suggested})
    chosen = form.cleaned_data["country"] if form.is_valid() else ""
    country = chosen or ("" if form.errors else suggested)
    helplines = selectors.helpline_list(country=country, language=language) if country else []
    return render(
        request,
        "content/urgent.html",
        {
            "page": found_page,
            "text": text,
            "sensitive": True,
            "form": form,
            "country": country,
            "suggested": bool(country) and not chosen,
            "country_label": country_name(country) if country else "",
            "helplines": helplines,
        },
        status=400 if form.errors else 200,
    )


def _site_address(language: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/{language}/"


@require_safe
@public_page
def professionals(request):
    def build():
        found_page, text = _page_or_404("professionals")
        return {"page": found_page, "text": text}

    return render_public(request, "content/professionals.html", build)


@require_safe
@public_page
def card(request, size):
    def build():
        address = _site_address(get_language())
        qr = segno.make(address, error="m")
        # A PNG in an <img>, not inline SVG: it shows (and prints) where SVG is turned off
        # (Tor Browser's safest level), and the CSP allows data: images. Scaled up in CSS with
        # crisp edges, so 8 pixels a module print sharp at the card's sizes.
        png = qr.png_data_uri(scale=8, border=2, dark="#1d2330")
        pixels = qr.symbol_size(scale=8, border=2)[0]
        return {"address": address, "qr_png": png, "qr_pixels": pixels, "size": size}

    return render_public(request, "content/card.html", build)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def self_check(request):
    """The self-check. Answers arrive by POST only and are never stored, logged or cached."""
    language = get_language()
    selfcheck = selectors.selfcheck_get(language=language)
    if selfcheck is None or not selfcheck.questions:
        raise Http404
    if request.method != "POST":
        form = SelfCheckForm(selfcheck=selfcheck)
        return render(request, "content/selfcheck.html", {"selfcheck": selfcheck, "form": form})
    form = SelfCheckForm(request.POST, selfcheck=selfcheck)
    if not form.is_valid():
        return render(
            request, "content/selfcheck.html", {"selfcheck": selfcheck, "form": form}, status=400
        )
    result = selectors.selfcheck_route(selfcheck=selfcheck, answers=form.answers())
    record(
        "selfcheck_completed",
        pathway=result.pathway_key or "none",
        urgent="yes" if result.urgent else "no",
        language=language,
    )
    pathway = (
        selectors.pathway_get(key=result.pathway_key, language=language)
        if result.pathway_key
        else None
    )
    return render(
        request,
        "content/selfcheck_result.html",
        {
            "pathway": pathway,
            "urgent": result.urgent,
            "result": result,
            "sensitive": True,
        },
    )


@role_required(roles.may_preview_content)
@require_safe
def preview(request, kind, pk):
    """A draft exactly as a visitor would see it. Staff only; never cached (no-store)."""
    found = selectors.preview_get(kind=kind, pk=pk)
    if found is None:
        raise Http404
    context = dict(found.context)
    if "step" in context:
        context["form"] = AnswersForm(exercises=context["step"].exercises)
    with translation.override(found.language):
        return render(request, found.template, context)


@role_required(roles.may_edit_content)
@require_safe
def translations(request):
    """Translations in step: per language, the texts missing, out of date and current, each
    linked to the text (or to the list where it is added). Staff only; never cached."""
    rows = selectors.translation_status()
    filter_state = request.GET.get("state", "")
    if filter_state not in (selectors.Translation.MISSING, selectors.Translation.OUT_OF_DATE):
        filter_state = ""
    shown = [row for row in rows if row.state != selectors.Translation.CURRENT
             and (not filter_state or row.state == filter_state)]
    names = dict(settings.LANGUAGES)
    summary = [(code, names[code], counts)
               for code, counts in selectors.translation_summary(rows).items()]
    return render(request, "content/translations.html", {
        "summary": summary, "rows": shown, "filter_state": filter_state,
        "title": translation.gettext("Translations"),
    })
