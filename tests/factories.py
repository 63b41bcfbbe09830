import factory

from licensing.models import Firm, FirmMembership, FirmRole
from licensing.validators import lei_check_digits
from portal.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@firm.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct-horse-battery-staple")


def _lei(n: int) -> str:
    prefix = f"5493{n:014d}"
    return prefix + lei_check_digits(prefix)


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    legal_name = factory.Sequence(lambda n: f"Exchange {n} Ltd")
    trading_names = factory.LazyAttribute(lambda o: [o.legal_name.replace(" Ltd", "")])
    lei = factory.Sequence(_lei)
    incorporation_country = "KY"
    incorporation_number = factory.Sequence(lambda n: f"KY-{n:06d}")
    contact_email = factory.Sequence(lambda n: f"contact{n}@exchange.example")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmMembership

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = FirmRole.PRINCIPAL
