import datetime

import factory
from allauth.account.models import EmailAddress

from activities.models import Activity
from agencies.models import Agency, Role, User
from geo.models import Country
from initiatives.models import JointInitiative, Participation
from priorities.models import Priority

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    acronym = factory.Sequence(lambda n: f"AG{n}")
    slug = factory.LazyAttribute(lambda o: o.acronym.lower())
    name = factory.LazyAttribute(lambda o: f"Agency {o.acronym}")
    type = Agency.Type.OTHER
    year_joined = 2010


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class JointInitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointInitiative
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Joint initiative {n}")
    lead_agency = factory.SubFactory(AgencyFactory)

    @factory.post_generation
    def priorities(obj, create, extracted, **kwargs):
        if create:
            obj.priorities.set(extracted or [Priority.objects.get(code="a")])


class ParticipationFactory(factory.django.DjangoModelFactory):
    """An agency invited to an initiative, not answered yet unless `status` says so."""

    class Meta:
        model = Participation

    initiative = factory.SubFactory(JointInitiativeFactory)
    agency = factory.SubFactory(AgencyFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    title = factory.Sequence(lambda n: f"Labour migration survey {n}")
    description = "Household survey of labour migration and remittances."
    kind = Activity.Kind.RESEARCH
    status = Activity.Status.ONGOING
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)

    @factory.post_generation
    def priorities(obj, create, extracted, **kwargs):
        if create:
            obj.priorities.set(extracted or [Priority.objects.get(code="b")])

    @factory.post_generation
    def countries(obj, create, extracted, **kwargs):
        if create:
            obj.countries.set(
                extracted if extracted is not None else [Country.objects.get(pk="KEN")]
            )

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.regions.set(extracted)

    @factory.post_generation
    def search_vector(obj, create, extracted, **kwargs):
        # As the services do after a save: after the relations, which the search vector
        # and the coverage tallies are made of. A test that changes them afterwards calls
        # `refreshed` (below).
        if create:
            refreshed(obj)


def refreshed(activity):
    """What the services do after changing an activity's relations, for a test that sets
    them directly: recompute its search vector and coverage tallies."""
    saved = Activity.objects.filter(pk=activity.pk)
    saved.refresh_search_vector()
    saved.refresh_coverage()
    return activity
