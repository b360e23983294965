"""Wearable pages, included under /me/<enrolment_id>/wearables/ (participant/urls.py), so
every page names an enrolment and is looked up through the signed-in person's own."""

from django.urls import path

from nof1.web.wearables import views

app_name = "wearables"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<uuid:import_id>/", views.wearable_import, name="import"),
]
