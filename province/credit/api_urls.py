"""API routes of the credit app, included under /api/credit/ by config/urls_province.py."""

from rest_framework.routers import SimpleRouter

from province.credit import api

router = SimpleRouter()
router.register("policies", api.CreditPolicyViewSet, basename="creditpolicy")
router.register("assessments", api.CreditAssessmentViewSet, basename="creditassessment")
router.register("requests", api.CreditChangeRequestViewSet, basename="creditchangerequest")
router.register("changes", api.CreditChangeViewSet, basename="creditchange")
router.register("warnings", api.ArrearsWarningViewSet, basename="arrearswarning")
router.register("temporary", api.TemporaryCreditViewSet, basename="temporarycredit")
router.register("reconnections", api.EmergencyReconnectionViewSet, basename="reconnection")

urlpatterns = router.urls
