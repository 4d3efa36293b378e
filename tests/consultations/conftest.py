"""The organisation tests' world and services serve these tests too."""

from tests.organisations.conftest import services, who, world  # noqa: F401
