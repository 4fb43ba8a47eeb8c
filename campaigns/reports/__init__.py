"""The evaluation as a reader sees it: French tables with small cells hidden, SVG charts, CSV/XLSX files and the
self-contained HTML report.

May import: campaigns.evaluation, campaigns.facts and the layers below.
"""
