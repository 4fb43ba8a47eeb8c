"""What is French about the service: one text folding for names, addresses and communes, French formats of dates
and amounts, the words of stored codes and their plurals, Paris time and working days by territory (holidays with
their subdivisions), the winter truce by year, SMS encoding and French typography.

May import: campaigns.platform only.
"""
