from django.urls import path

from . import views, views_landing

urlpatterns = [
    path("", views.home, name="home"),
    path("pathways/<slug:key>/", views.pathway, name="pathway"),
    path("pathways/<slug:key>/<int:number>/", views.step, name="step"),
    path("pathways/<slug:key>/plan/", views.plan, name="plan"),
    path("pathways/<slug:key>/answers/", views.answers, name="answers"),
    path("self-check/", views.self_check, name="self_check"),
    path("urgent-help/", views.urgent, name="urgent"),
    path("for-professionals/", views.professionals, name="professionals"),
    path("for-professionals/card/", views.card, {"size": "a4"}, name="card"),
    path("for-professionals/card/a6/", views.card, {"size": "a6"}, name="card_a6"),
    path("about/", views.page, {"key": "about"}, name="about"),
    path("privacy/", views.page, {"key": "privacy"}, name="privacy"),
    path("confidentiality/", views.page, {"key": "confidentiality"}, name="confidentiality"),
    path("browsing-privately/", views.page, {"key": "browsing-privately"}, name="browsing"),
    path("will-you-report-me/", views.page, {"key": "will-you-report-me"}, name="reporting"),
    path("go/<slug:campaign>/", views_landing.landing, name="landing"),
]
