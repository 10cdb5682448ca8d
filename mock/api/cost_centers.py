"""`/cost_centers` handlers (operationIds `mock.api.cost_centers.*`): the shared five."""

from __future__ import annotations

from mock.api.crud import Handlers

search, create, get, update, delete = Handlers.bind("cost_centers")
