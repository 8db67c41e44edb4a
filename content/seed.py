"""Loading the seed content in content/seed/ (format: content/seed/FORMAT.md)."""

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import (
    Exercise,
    ExerciseText,
    Helpline,
    HelplineText,
    Page,
    PageText,
    Pathway,
    PathwayText,
    SelfCheckOption,
    SelfCheckOptionText,
    SelfCheckQuestion,
    SelfCheckQuestionText,
    SelfCheckText,
    Status,
    Step,
    StepText,
)
from .services import text_publish

SEED_DIR = Path(__file__).resolve().parent / "seed"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
SENSITIVE_PAGES = {"urgent-help", "confidentiality", "browsing-privately",
                   "will-you-report-me"}


class SeedError(Exception):
    pass


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _load(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path.name}: {exc}") from exc


def _upsert_text(model, lookup: dict, values: dict, update: bool, report: SeedReport) -> None:
    """Create and publish a text that is missing; touch an existing one only with update."""
    text = model.objects.filter(**lookup).first()
    if text is None:
        text = model(**lookup, **values)
        text.save()
        text_publish(text=text)
        report.created += 1
        return
    if not update:
        report.unchanged += 1
        return
    for name, value in values.items():
        setattr(text, name, value)
    text.save()
    if text.has_unpublished_changes():
        text_publish(text=text)
        report.updated += 1
    else:
        report.unchanged += 1


def _pathways(update: bool, report: SeedReport) -> dict[str, Pathway]:
    pathways = {}
    for path in sorted((SEED_DIR / "pathways").glob(f"*.{settings.LANGUAGE_CODE}.toml")):
        base = _load(path)
        key = base["key"]
        pathway, _ = Pathway.objects.update_or_create(
            key=key, defaults={"audience": base["audience"], "order": base["order"]}
        )
        pathways[key] = pathway
        steps = {}
        for number, step_data in enumerate(base["step"], start=1):
            step, _ = Step.objects.update_or_create(
                pathway=pathway,
                key=step_data["key"],
                defaults={"order": number, "minutes": step_data["minutes"]},
            )
            steps[step.key] = step
        for language in LANGUAGES:
            translated_path = SEED_DIR / "pathways" / f"{key}.{language}.toml"
            if not translated_path.exists():
                continue
            data = _load(translated_path)
            if data["key"] != key:
                raise SeedError(f"{translated_path.name}: key {data['key']!r} is not {key!r}")
            _upsert_text(
                PathwayText,
                {"pathway": pathway, "language": language},
                {
                    "title": data["title"],
                    "summary": data.get("summary", ""),
                    "intro": data.get("intro", ""),
                },
                update,
                report,
            )
            for step_data in data["step"]:
                step = steps.get(step_data["key"])
                if step is None:
                    name = translated_path.name
                    raise SeedError(f"{name}: step {step_data['key']!r} is not in the English file")
                _upsert_text(
                    StepText,
                    {"step": step, "language": language},
                    {"title": step_data["title"], "body": step_data["body"]},
                    update,
                    report,
                )
    return pathways


def _exercises(pathways: dict[str, Pathway], update: bool, report: SeedReport) -> None:
    """exercises.<lang>.toml: the English file decides which exercises exist, in which step,
    in which order and plan section; every language's file gives their words."""
    base_path = SEED_DIR / f"exercises.{settings.LANGUAGE_CODE}.toml"
    if not base_path.exists():
        return
    plans = {value for value, _label in Exercise.Plan.choices}
    exercises = {}
    order_in_step: dict[int, int] = {}
    for data in _load(base_path).get("exercise", []):
        pathway = pathways.get(data["pathway"])
        step = pathway and Step.objects.filter(pathway=pathway, key=data["step"]).first()
        if not step:
            raise SeedError(f"{base_path.name}: no step {data['pathway']}/{data['step']}")
        if data.get("plan", "") not in plans:
            raise SeedError(f"{base_path.name}: plan {data['plan']!r} is not a plan section")
        order_in_step[step.pk] = order_in_step.get(step.pk, 0) + 1
        exercise, _ = Exercise.objects.update_or_create(
            step=step,
            key=data["key"],
            defaults={"order": order_in_step[step.pk], "plan": data.get("plan", "")},
        )
        exercises[(data["pathway"], data["step"], data["key"])] = exercise
    for language in LANGUAGES:
        path = SEED_DIR / f"exercises.{language}.toml"
        if not path.exists():
            continue
        for data in _load(path).get("exercise", []):
            exercise = exercises.get((data["pathway"], data["step"], data["key"]))
            if exercise is None:
                raise SeedError(f"{path.name}: exercise {data['pathway']}/{data['step']}/"
                                f"{data['key']} is not in the English file")
            if data.get("plan", "") != exercise.plan:
                raise SeedError(f"{path.name}: {data['key']!r} has another plan section than "
                                "in the English file")
            _upsert_text(
                ExerciseText,
                {"exercise": exercise, "language": language},
                {"question": data["question"], "hint": data.get("hint", ""),
                 "why": data.get("why", "")},
                update,
                report,
            )


def _pages(update: bool, report: SeedReport) -> None:
    for language in LANGUAGES:
        path = SEED_DIR / f"pages.{language}.toml"
        if not path.exists():
            continue
        for data in _load(path).get("page", []):
            page, _ = Page.objects.update_or_create(
                key=data["key"], defaults={"sensitive": data["key"] in SENSITIVE_PAGES}
            )
            _upsert_text(
                PageText,
                {"page": page, "language": language},
                {"title": data["title"], "summary": data.get("summary", ""), "body": data["body"]},
                update,
                report,
            )


def _selfcheck(pathways: dict[str, Pathway], update: bool, report: SeedReport) -> None:
    shared_path = SEED_DIR / "selfcheck.toml"
    if not shared_path.exists():
        return
    shared = _load(shared_path)
    options = {}
    for q_order, q_data in enumerate(shared["question"], start=1):
        question, _ = SelfCheckQuestion.objects.update_or_create(
            key=q_data["key"], defaults={"order": q_order, "status": Status.PUBLISHED}
        )
        for o_order, o_data in enumerate(q_data["option"], start=1):
            pathway_key = o_data.get("pathway")
            if pathway_key and pathway_key not in pathways:
                raise SeedError(f"selfcheck.toml: option {o_data['key']!r} names no pathway")
            option, _ = SelfCheckOption.objects.update_or_create(
                question=question,
                key=o_data["key"],
                defaults={
                    "order": o_order,
                    "urgent": bool(o_data.get("urgent", False)),
                    "pathway": pathways.get(pathway_key) if pathway_key else None,
                },
            )
            options[(question.key, option.key)] = (question, option)
    questions = {q.key: q for q, _o in options.values()}
    for language in LANGUAGES:
        path = SEED_DIR / f"selfcheck.{language}.toml"
        if not path.exists():
            continue
        data = _load(path)
        _upsert_plain(
            SelfCheckText,
            {"language": language},
            {"title": data["title"], "intro": data.get("intro", "")},
            update,
            report,
        )
        for q_data in data["question"]:
            question = questions.get(q_data["key"])
            if question is None:
                raise SeedError(f"{path.name}: question {q_data['key']!r} is not in selfcheck.toml")
            _upsert_plain(
                SelfCheckQuestionText,
                {"question": question, "language": language},
                {"text": q_data["text"], "hint": q_data.get("hint", "")},
                update,
                report,
            )
            for o_data in q_data["option"]:
                found = options.get((question.key, o_data["key"]))
                if found is None:
                    raise SeedError(
                        f"{path.name}: option {o_data['key']!r} is not in selfcheck.toml"
                    )
                _upsert_plain(
                    SelfCheckOptionText,
                    {"option": found[1], "language": language},
                    {"text": o_data["text"]},
                    update,
                    report,
                )


def _upsert_plain(model, lookup: dict, values: dict, update: bool, report: SeedReport) -> None:
    row = model.objects.filter(**lookup).first()
    if row is None:
        model(**lookup, **values).save()
        report.created += 1
    elif update and any(getattr(row, k) != v for k, v in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        report.updated += 1
    else:
        report.unchanged += 1


def _helplines(update: bool, report: SeedReport) -> None:
    path = SEED_DIR / "helplines.toml"
    if not path.exists():
        return
    for data in _load(path).get("helpline", []):
        verified = data.get("last_verified") or None
        helpline, created = Helpline.objects.get_or_create(
            key=data["key"],
            defaults={
                "country": data["country"].upper(),
                "phone": data.get("phone", ""),
                "web": data.get("web", ""),
                "languages": data.get("languages", []),
                "audiences": data.get("audiences", []),
                "demo": bool(data.get("demo", False)),
                "last_verified": date.fromisoformat(verified) if verified else None,
                "status": Status.PUBLISHED,
            },
        )
        report.created += int(created)
        for language in LANGUAGES:
            name = data.get("name", {}).get(language)
            if name:
                _upsert_plain(
                    HelplineText,
                    {"helpline": helpline, "language": language},
                    {"name": name, "hours": data.get("hours", {}).get(language, "")},
                    update,
                    report,
                )


@transaction.atomic
def seed_content(*, update: bool = False) -> SeedReport:
    """Load content/seed/ into the database; with update, overwrite texts that differ."""
    report = SeedReport()
    pathways = _pathways(update, report)
    _exercises(pathways, update, report)
    _pages(update, report)
    _selfcheck(pathways, update, report)
    _helplines(update, report)
    return report
