"""Staff CSV reports, mounted at /api/reports/."""

from django.urls import path

from .views import BiddersReportView, BidsReportView, InvoicesReportView, ResultsReportView

urlpatterns = [
    path("results.csv", ResultsReportView.as_view(), name="report-results"),
    path("bids.csv", BidsReportView.as_view(), name="report-bids"),
    path("bidders.csv", BiddersReportView.as_view(), name="report-bidders"),
    path("invoices.csv", InvoicesReportView.as_view(), name="report-invoices"),
]
