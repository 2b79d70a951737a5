"""A role brings exactly its access: staff and the Auctioneers group for auctioneers, a paddle for bidders.

Whether the role is set by the service or by an admin in the user admin, the result is the same, and leaving a
role takes its access away again.
"""

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import AUCTIONEERS_GROUP, user_set_role
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CATALOGUE_PAGES = ["/admin/auctions/auction/", "/admin/auctions/auction/add/", "/admin/horses/horse/add/"]


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_auctioneer_can_run_the_catalogue_in_the_admin():
    # Given a viewer made an auctioneer
    user = user_set_role(user=UserFactory(role=Role.VIEWER), role=Role.AUCTIONEER)

    # Then they are staff in the Auctioneers group, and the catalogue pages of the admin open for them
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [AUCTIONEERS_GROUP]
    client = _signed_in(user)
    for page in CATALOGUE_PAGES:
        assert client.get(page).status_code == 200, page
    # They may look users up, not create or edit them
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_leaving_the_auctioneer_role_takes_the_admin_away():
    user = user_set_role(user=UserFactory(role=Role.VIEWER), role=Role.AUCTIONEER)
    user = user_set_role(user=user, role=Role.BIDDER)

    assert not user.is_staff
    assert not user.groups.exists()
    assert user.paddle_number
    response = _signed_in(user).get("/admin/auctions/auction/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_other_groups_survive_a_role_change():
    from django.contrib.auth.models import Group

    user = UserFactory(role=Role.VIEWER)
    user.groups.add(Group.objects.create(name="Vets"))
    user_set_role(user=user, role=Role.AUCTIONEER)
    user_set_role(user=user, role=Role.VIEWER)
    assert list(user.groups.values_list("name", flat=True)) == ["Vets"]


def test_an_admin_making_someone_an_auctioneer_in_the_user_admin_gives_them_the_admin(admin_user):
    # Given an admin on the change page of a viewer
    viewer = UserFactory(role=Role.VIEWER, username="kenji")
    client = _signed_in(admin_user)
    page = client.get(f"/admin/accounts/user/{viewer.pk}/change/")
    assert page.status_code == 200

    # When they save the form with the role set to auctioneer (the groups field left as it was)
    data = _form_data(page.context["adminform"].form)
    data["role"] = Role.AUCTIONEER
    saved = client.post(f"/admin/accounts/user/{viewer.pk}/change/", data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved

    # Then the new auctioneer is staff, in the Auctioneers group, and can open the catalogue admin
    viewer.refresh_from_db()
    assert viewer.role == Role.AUCTIONEER
    assert viewer.is_staff
    assert list(viewer.groups.values_list("name", flat=True)) == [AUCTIONEERS_GROUP]
    assert _signed_in(viewer).get("/admin/auctions/auction/").status_code == 200


def _form_data(form) -> dict:
    """What a browser would post back for an unchanged admin form."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        widget = field.widget
        if hasattr(widget, "widgets"):  # split date/time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple) or hasattr(value, "all"):
            data[name] = [getattr(item, "pk", item) for item in (value.all() if hasattr(value, "all") else value)]
        else:
            data[name] = value
    return data
