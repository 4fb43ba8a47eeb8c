"""Households across partners: French normalisation of names and addresses, blocking keys, scored comparisons,
matching a pushed row against the base, the review list, undoable merges and the grouping export.

May import: campaigns.planning (a merge replans), and the layers below it.
"""
