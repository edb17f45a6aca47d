"""order-agent: cancels online orders for shoppers, in a real browser."""

__version__ = "0.1.0"
