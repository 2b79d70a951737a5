"""Staff CSV reports: the queries (what a report holds), the streaming (how it reaches Excel), the views."""

from .queries import Period, bidders_report, bids_report, invoices_report, results_report
from .streaming import Report, report_response

__all__ = ["Period", "Report", "bidders_report", "bids_report", "invoices_report", "report_response", "results_report"]
