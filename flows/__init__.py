"""Playwright flows and page objects for sites that follow the retailer contract."""
