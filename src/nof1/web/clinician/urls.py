"""The clinician's pages, under /clinic/. Every view checks the role and looks objects up
through the clinician's own trials (see views/_access.py)."""

from django.urls import path

from nof1.web.clinician.views import carers, end, monitoring, participants, trials
from nof1.web.wearables import views as wearables

app_name = "clinician"

P = "participants/<uuid:enrolment_id>/"

urlpatterns = [
    path("", trials.trials, name="trials"),
    path("trials/new/", trials.trial_new, name="trial_new"),
    path("trials/<uuid:trial_id>/", trials.trial, name="trial"),
    path("trials/<uuid:trial_id>/open/", trials.trial_open, name="trial_open"),
    path("trials/<uuid:trial_id>/consent/", trials.consent_version_add, name="consent_version_add"),
    path("trials/<uuid:trial_id>/participants/", trials.participant_add, name="participant_add"),
    path(
        "trials/<uuid:trial_id>/invited/<uuid:invited_id>/add/",
        trials.invited_add,
        name="invited_add",
    ),
    path(P, participants.participant, name="participant"),
    path(P + "screening/", participants.screening, name="screening"),
    path(P + "screening/<uuid:screening_id>/override/", participants.override, name="override"),
    path(P + "consent/", participants.consent, name="consent"),
    path(P + "enrol/", participants.enrol_participant, name="enrol"),
    path(P + "carers/", carers.carers, name="carers"),
    path(P + "monitoring/", monitoring.dashboard, name="dashboard"),
    path(P + "monitoring/trend/", monitoring.dashboard_trend, name="dashboard_trend"),
    path(P + "wearables/", wearables.clinic_upload, name="wearables"),
    path(P + "wearables/<uuid:import_id>/", wearables.clinic_import, name="wearable_import"),
    path(P + "unblinding/", end.unblinding, name="unblinding"),
    path(P + "results/", end.results, name="results"),
    path(P + "results/report.pdf", end.report, {"fmt": "pdf"}, name="report_pdf"),
    path(P + "results/report.html", end.report, {"fmt": "html"}, name="report_html"),
]
