"""mock.specification: the project's document reaches Connexion unvalidated only because it is
valid — by prance's check and, here, by Connexion's own."""

from __future__ import annotations

import copy

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification, Specification

from contract.spec import load_spec
from mock.app import create_app
from mock.specification import ProjectSpecification


def test_the_document_passes_connexions_own_validation() -> None:
    # The check mock.specification skips at start-up: its schema and its defaults.
    OpenAPISpecification._validate_spec(load_spec())


def test_connexion_sees_the_same_document_either_way() -> None:
    assert ProjectSpecification(load_spec()).spec == Specification.from_dict(load_spec()).spec


def test_the_mock_skips_the_second_validation_of_its_own_document_only() -> None:
    ours = create_app()
    assert isinstance(ours.middleware.apis[0].specification, ProjectSpecification)
    broken = copy.deepcopy(load_spec())
    broken["paths"]["/taxes"]["get"]["responses"] = "not a mapping"
    with pytest.raises(InvalidSpecification):
        create_app(spec=broken)
