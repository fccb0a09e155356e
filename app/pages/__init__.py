"""The HTML pages: every resource's JSON payload rendered for people, with Jinja2 templates
and one stylesheet. Views take the payload the API would send and return the page's bytes."""
