"""The member agencies from the shared cache (common.reference): every filter form lists
them and they change when an agency joins or its record is corrected. And the version of
the people's names, for what is kept rendered with a person's name in it."""

from django.db.models.signals import post_delete, post_save

from common import reference, tallies

from .models import Agency, User

agencies = reference.register("agencies", lambda: Agency.objects.order_by("acronym"), Agency)

# The people's names as pages show them (`User.display_name`: the full name, or the email),
# a kind of data versioned in common.tallies: a fragment that names someone (who decided
# a pair, in the duplication queue) is kept under it. Moved by the signals rather than a
# service because the admin and allauth (a changed email address) write the users too.
PEOPLE = "people"
_NAMES = {"full_name", "email"}


def _names_may_have_changed(sender, update_fields=None, **kwargs):
    # A sign-in saves last_login alone, a password change its hash: no name moves.
    if update_fields is not None and not _NAMES & set(update_fields):
        return
    tallies.changed(PEOPLE)


post_save.connect(
    _names_may_have_changed, sender=User, weak=False, dispatch_uid="agencies.people:save"
)
post_delete.connect(
    _names_may_have_changed, sender=User, weak=False, dispatch_uid="agencies.people:delete"
)
