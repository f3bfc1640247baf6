"""API routes of the levels app, included under /api/levels/ by config/urls_province.py."""

from rest_framework.routers import SimpleRouter

from province.levels.api import (
    LevelChangeViewSet,
    LevelProposalViewSet,
    LevelStandardViewSet,
    MembershipCardViewSet,
    RegradingRunViewSet,
)

router = SimpleRouter()
router.register("standards", LevelStandardViewSet, basename="levelstandard")
router.register("runs", RegradingRunViewSet, basename="regradingrun")
router.register("proposals", LevelProposalViewSet, basename="levelproposal")
router.register("changes", LevelChangeViewSet, basename="levelchange")
router.register("cards", MembershipCardViewSet, basename="membershipcard")

urlpatterns = router.urls
