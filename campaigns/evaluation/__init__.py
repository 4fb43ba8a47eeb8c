"""Response rates and comparisons over a period, from the facts only: scope, sums, sections of the charters,
time to response, experiments' results, French labels of dimensions.

May import: campaigns.facts and the layers below it; never the live planning, intake, linkage or queue services.
"""
