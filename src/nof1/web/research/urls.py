from django.urls import path

from nof1.web.research import views

app_name = "research"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.parquet", views.export, {"fmt": "parquet"}, name="export_parquet"),
    path("export.fhir.json", views.standard_export, {"fmt": "fhir"}, name="export_fhir"),
    path("export.odm.xml", views.standard_export, {"fmt": "odm"}, name="export_odm"),
    path("export.redcap.zip", views.standard_export, {"fmt": "redcap"}, name="export_redcap"),
    path("series/", views.series, name="series"),
    path("series/report.pdf", views.series_report, {"fmt": "pdf"}, name="series_report_pdf"),
    path("series/report.html", views.series_report, {"fmt": "html"}, name="series_report_html"),
]
