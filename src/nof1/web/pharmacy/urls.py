from django.urls import path

from nof1.web.pharmacy import views

app_name = "pharmacy"

urlpatterns = [
    path("", views.trials, name="trials"),
    path("participants/<uuid:enrolment_id>/kits/", views.kit_sheet, name="kit_sheet"),
    path("participants/<uuid:enrolment_id>/kits.csv", views.kit_sheet_csv, name="kit_sheet_csv"),
    path("kits/<uuid:kit_id>/dispense/", views.dispense, name="dispense"),
]
