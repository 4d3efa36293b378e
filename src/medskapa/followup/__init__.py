"""Follow-up and analysis: what patients say and what became of it, per week or month and per
document, version, section, category, theme, region and programme area, for group leads (their
groups), admins (the whole country) and, from moderated items only, the public."""
