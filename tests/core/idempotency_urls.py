"""A minimal stock-changing route used to test the idempotency mixin on its own."""

import time

from django.db import transaction
from django.urls import include, path
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from core.exceptions import Conflict
from core.idempotency import IdempotentMixin
from stock.services import StockChange, stock_add


def _fail():
    raise RuntimeError("an after-commit hook failed")


class AddStockSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    warehouse = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    slow = serializers.BooleanField(default=False)


class AddStockViewSet(IdempotentMixin, viewsets.GenericViewSet):
    serializer_class = AddStockSerializer

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["slow"]:
            time.sleep(0.3)
        [movement] = stock_add(
            organization_id=request.user.organization_id,
            changes=[StockChange(data["variant"], data["warehouse"], data["quantity"])],
            reason="adjustment",
            by=request.user,
        )
        return Response({"movement": movement.id, "balance_after": movement.balance_after}, status=201)

    @action(detail=False, methods=["post"])
    def refuse(self, request):
        raise Conflict("Refused on purpose.")

    @action(detail=False, methods=["post"], url_path="commit-then-fail")
    def commit_then_fail(self, request):
        transaction.on_commit(_fail)
        return Response({"committed": True}, status=status.HTTP_200_OK)

    @action(detail=False, methods=["post"])
    def accept(self, request):
        return Response({"accepted": True}, status=status.HTTP_200_OK)


router = SimpleRouter()
router.register("add-stock", AddStockViewSet, basename="add-stock")

urlpatterns = [path("api/", include(router.urls))]
