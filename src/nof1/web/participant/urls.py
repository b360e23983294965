"""The participant's pages, under /me/. Every page but the calendar feed names an enrolment;
the calendar feed is reached by its private token alone. Wearable uploads live in their own
app (nof1.web.wearables), mounted here as participant:wearables:*."""

from django.urls import include, path

from nof1.web.participant import views

app_name = "participant"
urlpatterns = [
    path("", views.start, name="start"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("<uuid:enrolment_id>/", views.home, name="home"),
    path("<uuid:enrolment_id>/today/", views.today, name="today"),
    path("<uuid:enrolment_id>/day/<str:day>/", views.diary_day, name="diary_day"),
    path("<uuid:enrolment_id>/day/<str:day>/too-unwell/", views.too_unwell, name="too_unwell"),
    path("<uuid:enrolment_id>/past-days/", views.backfill, name="backfill"),
    path("<uuid:enrolment_id>/kit/", views.kit, name="kit"),
    path("<uuid:enrolment_id>/weekly/", views.weekly, name="weekly"),
    path("<uuid:enrolment_id>/period-question/", views.guess, name="guess"),
    path("<uuid:enrolment_id>/consent/", views.consent, name="consent"),
    path("<uuid:enrolment_id>/reminders/", views.reminders, name="reminders"),
    path("<uuid:enrolment_id>/results/", views.results, name="results"),
    path("<uuid:enrolment_id>/results/report.pdf", views.report, name="report"),
    path("<uuid:enrolment_id>/my-data.csv", views.download, name="download"),
    path("<uuid:enrolment_id>/wearables/", include("nof1.web.wearables.urls")),
]
