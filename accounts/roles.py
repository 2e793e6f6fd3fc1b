"""What each role comes to Confide for: the home page's cards and the navigation.

Later parts of the product add their pages here as they arrive, so the home page and the
navigation are drawn from one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Role, User


@dataclass(frozen=True)
class RoleHome:
    role: Role
    summary: str
    duties: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = field(default=())  # (label, URL name)


ROLE_HOMES: tuple[RoleHome, ...] = (
    RoleHome(
        Role.PRACTITIONER,
        "You keep the records of the clients allocated to you.",
        (
            "Read and write the case records of your own caseload",
            "Record clients' consent to share, and its withdrawal",
            "Answer requests for information about your clients",
        ),
        (
            ("My clients", "records:caseload"),
            ("Find a client", "records:search"),
            ("Requests for information", "disclosures:list"),
            ("Declare a conflict of interest", "records:declaration_new"),
            ("Break the glass", "records:break_glass"),
        ),
    ),
    RoleHome(
        Role.ADMIN_STAFF,
        "You keep the service's administration moving.",
        (
            "Log referrals and appointments",
            "Log incoming requests for information and tell callers they will be called back",
            "Verify callers before anything is disclosed",
        ),
        (
            ("Log a referral", "records:client_new"),
            ("Find a client", "records:search"),
            ("Requests for information", "disclosures:list"),
        ),
    ),
    RoleHome(
        Role.MANAGER,
        "You run a service and its teams.",
        (
            "Allocate cases to your team",
            "Decide conflict-of-interest declarations",
            "Approve taking records off site",
            "Decide disclosures within your authority, and review records due for disposal",
        ),
        (
            ("Your teams' clients", "records:team"),
            ("Requests for information", "disclosures:list"),
            ("Conflict-of-interest declarations", "records:declarations"),
            ("Break-the-glass reviews", "records:break_glass_reviews"),
            ("Requests to take records off site", "records:off_site_queue"),
            ("Disposal reviews", "retention:reviews"),
            ("Log a referral", "records:client_new"),
        ),
    ),
    RoleHome(
        Role.DATA_TEAM,
        "You watch who accesses what, without needing clinical content.",
        (
            "Monitor access to client records, including break-the-glass use",
            "Review access findings and report them to the IG lead",
        ),
        (
            ("Access findings to review", "monitoring:findings"),
            ("Access reports", "monitoring:report"),
            ("Monthly access reports for the IG lead", "monitoring:monthly_list"),
            ("Break-the-glass reviews", "records:break_glass_reviews"),
        ),
    ),
    RoleHome(
        Role.IG_LEAD,
        "You lead information governance and data protection.",
        (
            "Handle subject access, erasure and the other data-subject requests, on their clock",
            "Keep the breach register and its 72-hour clock",
            "Run retention and disposal, and the data-sharing agreements register",
            "Report to the IG group",
        ),
        (
            ("Who has accessed a record", "records:access_log_lookup"),
            ("Access monitoring findings", "monitoring:findings"),
            ("Monthly access reports", "monitoring:monthly_list"),
            ("Requests from data subjects, and their deadlines", "disclosures:deadlines"),
            ("Requests for information and the disclosure log", "disclosures:list"),
            ("Data-sharing agreements", "disclosures:agreements"),
            ("Retention and disposal", "retention:overview"),
            ("Disposal reviews", "retention:reviews"),
            ("The breach register", "breaches:register"),
            ("Breach report for the IG group", "breaches:ig_report"),
            ("Statistics for funders and the IG group", "reports:statistics"),
        ),
    ),
    RoleHome(
        Role.CALDICOTT_GUARDIAN,
        "You decide the disclosures that policy escalates to you.",
        (
            "Approve, refuse or ask for more on every escalated disclosure, with reasons",
            "Confirm, as the second person, the destruction of restricted and large records",
        ),
        (
            ("Decisions waiting for you", "disclosures:guardian_queue"),
            ("The breach register", "breaches:register"),
            ("Destructions to confirm", "retention:reviews"),
            ("Disposal certificates", "retention:certificates"),
            ("Statistics for funders and the IG group", "reports:statistics"),
        ),
    ),
)


def homes_for(user: User) -> list[RoleHome]:
    return [home for home in ROLE_HOMES if user.has_role(home.role)]
