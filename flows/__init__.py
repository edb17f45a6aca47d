"""Playwright flows and page objects for sites that follow the retailer contract.

``flows.site.RetailerSite`` is the entry point (sign in, open an order, request a
cancellation, start a return, download its label). Behind it, one job per module:

* ``vocabulary`` - every word of the contract, overridable per site;
* ``matching`` - word lists to case-insensitive, punctuation-tolerant regexes;
* ``recognition`` - the rules every lookup uses: phrases inside names, other
  intents left out, candidates ranked;
* ``ways_in`` - addresses to try when a page has no control for a step;
* ``locating`` - finding by role, label and text; waiting; the nearest block;
* ``facts`` - a value shown next to its label (status, tracking number);
* ``forms`` - a field's label, a select's options;
* ``interruptions`` - cookie and promotion dialogs, dismissed at any moment;
* ``pages`` - one page object per kind of page;
* ``browsing`` - loading, clicking, and explaining what a page shows instead;
* ``signing_in``, ``returning``, ``label_capture`` - the longer journeys;
* ``labels`` - label PDF validation and the atomic 0600 save;
* ``limits`` - the caps on what a shop's answer may cost (sizes, lengths, times);
* ``results`` - receipts handed back to the runner;
* ``findings`` - what the engine found and where, recorded only for ``doctor``;
* ``inspection`` - read-only looks for ``doctor`` (contact fields, list statuses).
"""
