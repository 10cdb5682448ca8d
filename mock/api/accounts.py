"""`/accounts` handlers (operationIds `mock.api.accounts.*`): the shared five."""

from __future__ import annotations

from mock.api.crud import Handlers

search, create, get, update, delete = Handlers.bind("accounts")
