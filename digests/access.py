"""The access gate for digests: people read their own sent digests; the secretariat reads all."""

from django.shortcuts import get_object_or_404

from .models import DigestDelivery


def can_see_everyones(user):
    return user.is_authenticated and user.is_secretariat


def deliveries_visible_to(user):
    """The secretariat sees every delivery with its status; a person only what reached them."""
    qs = DigestDelivery.objects.select_related("recipient")
    if can_see_everyones(user):
        return qs
    return qs.filter(recipient=user, status=DigestDelivery.Status.SENT)


def get_delivery_for_user(user, pk):
    return get_object_or_404(deliveries_visible_to(user), pk=pk)


def can_preview_others(user):
    return can_see_everyones(user)
