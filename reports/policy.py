"""Who may see the statistics for funders and the IG group: decided here only.

The IG lead produces the IG group's reports and answers funders (DESIGN: the IG lead comes for
"the IG group's reports"); the Caldicott Guardian sits on that group and oversees the
disclosures the figures count, as they read the IG group's breach report. The figures are
aggregated and suppressed, with no personal data, but they are the organisation's, not every
member of staff's: the data team produce access-monitoring reports, not these, and managers see
their own teams' records instead.
"""

from __future__ import annotations

from accounts.models import Role, User


def may_see_statistics(user: User) -> bool:
    """View and export the statistics: the IG lead and the Caldicott Guardian."""
    return user.is_active and (
        user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN)
    )
