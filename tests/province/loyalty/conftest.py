"""Every points test that works in bj checks the ledger invariant after its body, inside
the test's transaction (before the rollback), so a test that leaves the ledger
inconsistent fails even if its own assertions pass (issue 4 item 9)."""

import pytest

from province.loyalty.invariant import invariant_violations


@pytest.fixture(autouse=True)
def _points_invariant_holds(request):
    if "bj" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("bj")  # set up inside this fixture: torn down after the check
    yield
    violations = invariant_violations()
    if violations:
        pytest.fail("points ledger invariant broken:\n" + "\n".join(map(str, violations)))
