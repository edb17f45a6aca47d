"""How a flow test opens a site (the people are in ``support.people``)."""

from __future__ import annotations

from collections.abc import Callable

from flows.site import RetailerSite

OpenSite = Callable[..., RetailerSite]
