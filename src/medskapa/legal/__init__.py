"""What a public body must publish about the service: the accessibility statement, the privacy
notice and the cookie list (their facts from settings), and the form to report an
accessibility problem, which reaches the admins."""
