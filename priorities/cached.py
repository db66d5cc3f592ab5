"""The priorities and vocabularies from the shared cache (common.reference): every filter
form lists them and they change a few times a year, through the admin."""

from common import reference

from .models import Priority, TargetGroup, Theme

priorities = reference.register("priorities", lambda: Priority.objects.order_by("code"), Priority)
target_groups = reference.register(
    "target_groups", lambda: TargetGroup.objects.order_by("name"), TargetGroup
)
themes = reference.register("themes", lambda: Theme.objects.order_by("name"), Theme)
