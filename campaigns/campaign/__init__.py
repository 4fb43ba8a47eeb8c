"""Campaign configuration as the DDETS and the Département run it: the schema and its storage, validation with
French messages, edits and their log, the lifecycle, presets, files, previews, supervision, alerts, access.

May import: campaigns.queues, campaigns.linkage, campaigns.planning and the layers below.
"""
