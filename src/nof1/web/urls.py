"""URL map: one include per app; every app's views check roles and ownership themselves."""

from django.urls import include, path

from nof1.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("nof1.web.accounts.urls")),
    path("clinic/", include("nof1.web.clinician.urls")),
    path("me/", include("nof1.web.participant.urls")),
    path("pharmacy/", include("nof1.web.pharmacy.urls")),
    path("research/", include("nof1.web.research.urls")),
]
