"""What the tests share: the shop's people, storefront variants, a clean environment,
the agent-run harness and pre-seeded data dirs (``tests.support``)."""
