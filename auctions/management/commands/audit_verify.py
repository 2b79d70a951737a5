from django.core.management.base import BaseCommand, CommandError

from auctions.audit import audit_verify_chain, audited_auction_ids


class Command(BaseCommand):
    help = "Recompute the audit log's hash chains and report any entry that was altered, removed or reordered."

    def add_arguments(self, parser):
        parser.add_argument("--auction", type=int, action="append", help="Only this auction (repeatable).")

    def handle(self, *args, auction=None, **options):
        broken = 0
        for auction_id in auction or audited_auction_ids():
            report = audit_verify_chain(auction_id=auction_id)
            if report.ok:
                self.stdout.write(f"auction {auction_id}: {report.entries} entries, chain intact")
            else:
                broken += 1
                self.stderr.write(f"auction {auction_id}: chain BROKEN at entry {report.broken_at}: {report.problem}")
        if broken:
            raise CommandError(f"{broken} audit chain(s) failed verification")
        self.stdout.write(self.style.SUCCESS("all audit chains verified"))
